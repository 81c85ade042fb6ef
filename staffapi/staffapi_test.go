package staffapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/staffapi"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

const token = "s3cret-token"

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type env struct {
	srv   *httptest.Server
	store *store.Store
	bs    *notifier.Broadcasts
	clk   *clock.Manual // the store's and the API's clock
}

// words are the catalogs the service loads.
func words(t *testing.T) *locales.Bundle {
	t.Helper()
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// muscat is TAMKEEN_TIMEZONE in these tests.
var muscat, _ = time.LoadLocation("Asia/Muscat")

func newEnv(t *testing.T, tok string) env {
	t.Helper()
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bs := notifier.NewBroadcasts(s, clk, log, nil, notifier.BroadcastConfig{})
	h := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
	staffapi.New(s, bs, clk, log, staffapi.Config{Token: tok, Region: "OM", Languages: []string{"ar", "en"},
		Governorates: []string{"muscat", "dhofar"}, Tracks: []string{"training", "job", "project"}, Location: muscat, Words: words(t)}).Mount(h)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return env{srv: srv, store: s, bs: bs, clk: clk}
}

func (e env) do(t *testing.T, method, path, tok, body string) (int, string) {
	t.Helper()
	h := http.Header{}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	return e.request(t, method, path, body, h)
}

// request sends body to path with the headers h and returns the status and
// the body of the answer.
func (e env) request(t *testing.T, method, path, body string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestAuth(t *testing.T) {
	off := newEnv(t, "")
	if code, body := off.do(t, "GET", "/api/v1/contacts", "anything", ""); code != 503 || !strings.Contains(body, "TAMKEEN_ADMIN_TOKEN") {
		t.Fatalf("no token configured: %d %s", code, body)
	}
	e := newEnv(t, token)
	for _, tt := range []struct {
		name, tok string
		want      int
	}{{"missing", "", 401}, {"wrong", "nope", 401}, {"prefix of the right one", token[:5], 401}, {"right", token, 200}} {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := e.do(t, "GET", "/api/v1/broadcasts", tt.tok, ""); code != tt.want {
				t.Fatalf("got %d %s, want %d", code, body, tt.want)
			}
		})
	}
}

func TestBroadcastValidation(t *testing.T) {
	e := newEnv(t, token)
	tests := []struct {
		name, body string
		want       int
		field      string
	}{
		{"malformed", `{"texts": {"ar": "x"`, 400, "malformed JSON"},
		{"not an object", `[1]`, 400, "want a JSON"},
		{"unknown field", `{"text": "x"}`, 400, "text: unknown field"},
		{"wrong type", `{"texts": {"ar": 5}}`, 400, "texts: want a JSON string"},
		{"no arabic", `{"texts": {"en": "hi"}, "audience": {"all": true}}`, 400, "texts.ar"},
		{"unknown language", `{"texts": {"ar": "x", "xx": "y"}, "audience": {"all": true}}`, 400, "texts.xx"},
		{"no audience", `{"texts": {"ar": "x"}}`, 400, "audience"},
		{"empty audience", `{"texts": {"ar": "x"}, "audience": {}}`, 400, "no filter given"},
		{"all with filter", `{"texts": {"ar": "x"}, "audience": {"all": true, "governorates": ["muscat"]}}`, 400, "audience.all"},
		{"bad channel", `{"texts": {"ar": "x"}, "audience": {"all": true}, "channels": ["fax"]}`, 400, "channels[0]"},
		{"unknown governorate", `{"texts": {"ar": "x"}, "audience": {"governorates": ["mars"]}}`, 400, "audience.governorates"},
		{"missing opportunity", `{"texts": {"ar": "x"}, "audience": {"opportunity_id": 99}}`, 400, "audience.opportunity_id"},
		{"bad send_at", `{"texts": {"ar": "x"}, "audience": {"all": true}, "send_at": "tomorrow"}`, 400, "send_at"},
		{"too large", `{"texts": {"ar": "` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}}`, 413, "bytes"},
		{"ok", `{"texts": {"ar": "مرحبا", "en": "hi"}, "audience": {"governorates": ["muscat"]}}`, 202, `"status":"expanding"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.do(t, "POST", "/api/v1/broadcasts", token, tt.body)
			if code != tt.want || !strings.Contains(body, tt.field) {
				t.Fatalf("got %d %.300s, want %d mentioning %q", code, body, tt.want, tt.field)
			}
		})
	}
}

func addContact(t *testing.T, s *store.Store, phone string, chat int64, gov string) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		if c, _, err = tx.ContactByAddress(vocab.Address{Phone: phone}, "ar"); err != nil {
			return err
		}
		c.TelegramChatID, c.Governorate, c.ConsentAt, c.Name = &chat, gov, &t0, "Name "+phone
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBroadcastLifecycleAndReads(t *testing.T) {
	e := newEnv(t, token)
	ctx := context.Background()
	a := addContact(t, e.store, "+96891234567", 111, "muscat")
	addContact(t, e.store, "+96891234568", 222, "dhofar")

	code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "مرحبا"}, "audience": {"governorates": ["muscat"]}}`)
	if code != 202 {
		t.Fatalf("create: %d %s", code, body)
	}
	var rep notifier.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if err := e.bs.Expand(ctx); err != nil {
		t.Fatal(err)
	}
	code, body = e.do(t, "GET", "/api/v1/broadcasts/"+itoa(rep.ID), token, "")
	if code != 200 || !strings.Contains(body, `"targeted":1`) || !strings.Contains(body, `"queued":1`) || !strings.Contains(body, `"status":"sending"`) {
		t.Fatalf("get: %d %s", code, body)
	}
	code, body = e.do(t, "POST", "/api/v1/broadcasts/"+itoa(rep.ID)+"/cancel", token, "")
	if code != 200 || !strings.Contains(body, `"status":"cancelled"`) || !strings.Contains(body, `"cancelled":1`) {
		t.Fatalf("cancel: %d %s", code, body)
	}
	if code, _ := e.do(t, "GET", "/api/v1/broadcasts/999", token, ""); code != 404 {
		t.Fatalf("missing broadcast: %d", code)
	}
	if code, body := e.do(t, "GET", "/api/v1/broadcasts?format=csv", token, ""); code != 200 || !strings.HasPrefix(body, "\uFEFFid,status") {
		t.Fatalf("list csv: %d %s", code, body)
	}

	// Contacts: a local phone number finds the contact.
	code, body = e.do(t, "GET", "/api/v1/contacts?phone=91234567", token, "")
	if code != 200 || !strings.Contains(body, `"id":`+itoa(a.ID)) || strings.Contains(body, "222") {
		t.Fatalf("contacts by phone: %d %s", code, body)
	}
	if code, body := e.do(t, "GET", "/api/v1/contacts?telegram_id=abc", token, ""); code != 400 || !strings.Contains(body, "telegram_id") {
		t.Fatalf("bad telegram id: %d %s", code, body)
	}
	if code, body := e.do(t, "GET", "/api/v1/contacts?governorate=dhofar&format=csv", token, ""); code != 200 || strings.Count(body, "\n") != 2 {
		t.Fatalf("contacts csv: %d %s", code, body)
	}

	// Opportunities: create, update, then a sign-up shows with the contact's details.
	opp := `{"kind": "training", "title": {"ar": "خياطة", "en": "Sewing"}, "starts_at": "2026-12-01T09:00:00+04:00", "capacity": 10}`
	code, body = e.do(t, "POST", "/api/v1/opportunities", token, opp)
	if code != 201 {
		t.Fatalf("create opportunity: %d %s", code, body)
	}
	var o struct{ ID int64 }
	_ = json.Unmarshal([]byte(body), &o)
	if code, body := e.do(t, "PUT", "/api/v1/opportunities/"+itoa(o.ID), token, strings.Replace(opp, `"capacity": 10`, `"capacity": 20`, 1)); code != 200 || !strings.Contains(body, `"capacity":20`) {
		t.Fatalf("update opportunity: %d %s", code, body)
	}
	if code, body := e.do(t, "PUT", "/api/v1/opportunities/"+itoa(o.ID), token, `{"kind": "party"}`); code != 400 || !strings.Contains(body, "kind") {
		t.Fatalf("bad kind: %d %s", code, body)
	}
	if code, body := e.do(t, "POST", "/api/v1/opportunities", token, strings.Replace(opp, `"kind": "training"`, `"kind": "training", "governorate": "atlantis"`, 1)); code != 400 || !strings.Contains(body, "governorate") {
		t.Fatalf("an unknown governorate would show the opportunity to nobody: %d %s", code, body)
	}
	if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(a.ID, o.ID, store.SignupRegistered) }); err != nil {
		t.Fatal(err)
	}
	code, body = e.do(t, "GET", "/api/v1/signups?format=csv&opportunity_id="+itoa(o.ID), token, "")
	if code != 200 || !strings.Contains(body, "'+96891234567,111,") || !strings.Contains(body, "Sewing,registered") {
		t.Fatalf("signups csv: %d %s", code, body)
	}
	if code, body := e.do(t, "GET", "/api/v1/signups", token, ""); code != 200 || !bytes.Contains([]byte(body), []byte(`"name":"Name +96891234567"`)) {
		t.Fatalf("signups json: %d %s", code, body)
	}
}

func itoa(n int64) string { return strings.TrimSpace(string(must(json.Marshal(n)))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
