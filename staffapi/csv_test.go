package staffapi_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Whatever staff or beneficiaries typed, every cell of every CSV the staff
// API gives opens as text in any spreadsheet: no part of a cell, split at a
// comma, a semicolon (the separator in Arabic locales) or a tab, starts a
// formula once spaces and invisible characters are skipped; phone numbers
// keep their "+".
func TestCSVOpensAsTextInEverySpreadsheet(t *testing.T) {
	e := newEnv(t, token)
	ctx := context.Background()
	hostile := []string{"a;=1+1", "x;-2+3+cmd|' /C calc'!A0", " =1+1", "\u00A0=1+1", "\u200B=1+1", "＝1+1", "|calc", "%0A=1", "@SUM(A1)"}
	for i, h := range hostile {
		opp := `{"kind": "training", "title": {"ar": ` + quote(h) + `, "en": ` + quote("t;"+h) + `}, "starts_at": "2026-12-01T09:00:00+04:00", "capacity": 10}`
		if code, body := e.do(t, "POST", "/api/v1/opportunities", token, opp); code != 201 {
			t.Fatalf("opportunity %q: %d %s", h, code, body)
		}
		if code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": `+quote("نص؛"+h)+`}, "audience": {"all": true}}`); code != 202 {
			t.Fatalf("broadcast %q: %d %s", h, code, body)
		}
		err := e.store.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+9689123456" + string(rune('0'+i))}, "ar")
			if err != nil {
				return err
			}
			c.Name, c.Governorate = h, "dhofar"
			return tx.SaveContact(c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/api/v1/opportunities?format=csv", "/api/v1/broadcasts?format=csv", "/api/v1/contacts?format=csv"} {
		code, body := e.do(t, "GET", path, token, "")
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil || len(rows) < len(hostile)+1 {
			t.Fatalf("%s: %d rows, %v", path, len(rows), err)
		}
		for _, row := range rows {
			for _, cell := range row {
				for _, part := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(",;\t\r\n،؛，；", r) }) {
					part = strings.TrimLeftFunc(part, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
					if part != "" && strings.ContainsRune("=+-@|%＝＋－＠｜％", []rune(part)[0]) {
						t.Errorf("%s: the cell %q has a part that starts a formula: %q", path, cell, part)
					}
				}
			}
		}
		if path == "/api/v1/contacts?format=csv" && !strings.Contains(body, ",'+96891234560,") {
			t.Errorf("contacts CSV: the phone number is not text:\n%s", body)
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
