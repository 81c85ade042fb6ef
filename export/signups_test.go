package export_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
)

var muscat, _ = time.LoadLocation("Asia/Muscat")

// read parses a written list, checking the byte-order mark Excel needs to
// read the file as UTF-8.
func read(t *testing.T, f export.SignupList, list []store.SignupRow) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := f.Write(&b, list); err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(b.String(), export.BOM)
	if !ok {
		t.Fatalf("csv does not start with the UTF-8 byte-order mark: %q", b.String())
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv unreadable: %v\n%s", err, body)
	}
	return rows
}

// rows are sign-ups of every status, attended or not, waiting in line or not.
func rows() []store.SignupRow {
	phone, chat := "+96891234567", int64(777)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	came := at.Add(26 * time.Hour)
	title := map[string]string{"ar": "خياطة", "en": "Sewing"}
	return []store.SignupRow{
		{ID: 1, ContactID: 2, Name: "=evil()", Phone: &phone, OpportunityID: 3, Opportunity: title, Status: "registered",
			AttendedAt: &came, CreatedAt: at, UpdatedAt: at},
		{ID: 2, ContactID: 4, Name: "مريم", TelegramChatID: &chat, OpportunityID: 3, Opportunity: title, Status: "waitlisted",
			CreatedAt: at, UpdatedAt: at.Add(time.Minute), Position: 2},
		{ID: 3, ContactID: 5, Name: "Salma", OpportunityID: 3, Opportunity: title, Status: "cancelled", CreatedAt: at, UpdatedAt: at},
	}
}

// Without a language the list keeps its machine form: column codes, status
// codes, RFC 3339 times, now in the program's time zone with their offset,
// and the attendance and waiting place columns at the end.
func TestSignupListMachineForm(t *testing.T) {
	got := read(t, export.SignupList{Location: muscat}, rows())
	want := [][]string{
		{"id", "contact_id", "name", "phone", "telegram_chat_id", "opportunity_id", "opportunity_ar", "opportunity_en",
			"status", "created_at", "updated_at", "attended_at", "waitlist_position"},
		{"1", "2", "'=evil()", "'+96891234567", "", "3", "خياطة", "Sewing", "registered",
			"2026-11-23T14:00:00+04:00", "2026-11-23T14:00:00+04:00", "2026-11-24T16:00:00+04:00", ""},
		{"2", "4", "مريم", "", "777", "3", "خياطة", "Sewing", "waitlisted",
			"2026-11-23T14:00:00+04:00", "2026-11-23T14:01:00+04:00", "", "2"},
		{"3", "5", "Salma", "", "", "3", "خياطة", "Sewing", "cancelled",
			"2026-11-23T14:00:00+04:00", "2026-11-23T14:00:00+04:00", "", ""},
	}
	for i := range want {
		if i >= len(got) || !slices.Equal(got[i], want[i]) {
			t.Fatalf("row %d:\n got %q\nwant %q", i, got, want[i])
		}
	}
}

// In each language the reader sees every header and every status in her
// words (never a code or a catalog key), attendance as a word, and times
// in the program's time zone with their offset; the columns are the machine
// form's, in its order.
func TestSignupListInTheReadersLanguage(t *testing.T) {
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	codes := read(t, export.SignupList{}, nil)[0]
	for _, lang := range b.Languages() {
		t.Run(lang, func(t *testing.T) {
			got := read(t, export.SignupList{Lang: lang, Words: b, Location: muscat}, rows())
			if len(got) != 4 || len(got[0]) != len(codes) {
				t.Fatalf("%d rows of %d columns, want 4 of %d: %q", len(got), len(got[0]), len(codes), got)
			}
			for i, h := range got[0] {
				if h == "" || h == codes[i] || strings.Contains(h, "console.") || slices.Index(got[0], h) != i {
					t.Errorf("header %d (%s) reads %q", i, codes[i], h)
				}
			}
			status, created, attended, place := slices.Index(codes, "status"), slices.Index(codes, "created_at"),
				slices.Index(codes, "attended_at"), slices.Index(codes, "waitlist_position")
			for i, st := range []string{"registered", "waitlisted", "cancelled"} {
				word, _ := b.Text(lang, "console.status."+st, nil)
				if r := got[i+1]; r[status] != word || word == st {
					t.Errorf("status %s reads %q, want %q", st, r[status], word)
				}
				if r := got[i+1]; r[created] != "2026-11-23 14:00 +04:00" {
					t.Errorf("created at reads %q, want Muscat time with its offset", r[created])
				}
			}
			came, _ := b.Text(lang, "console.signups.came", nil)
			if got[1][attended] != came || got[2][attended] != "" || got[2][place] != "2" {
				t.Errorf("attendance %q and %q, waiting place %q", got[1][attended], got[2][attended], got[2][place])
			}
		})
	}
}
