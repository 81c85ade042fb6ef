package staffapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/staffapi"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

type listPage struct {
	Items      []map[string]any `json:"items"`
	NextAfter  *int64           `json:"next_after"`
	NextBefore *int64           `json:"next_before"`
}

func (e env) list(t *testing.T, path string) listPage {
	t.Helper()
	code, body := e.do(t, "GET", path, token, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var p listPage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	return p
}

func ids(p listPage) []int64 {
	var out []int64
	for _, it := range p.Items {
		out = append(out, int64(it["id"].(float64)))
	}
	return out
}

// Paging through any list visits every row once and stops: next_after is
// there only when there is more.
func TestPagingStops(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		for i := range 5 {
			addContact(t, e.store, fmt.Sprintf("+9689123450%d", i), int64(100+i), "muscat")
			err := e.store.CreateOpportunity(ctx, &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة"},
				Description: map[string]string{}, StartsAt: t0.AddDate(0, 0, 10-i)}) // later ids start earlier
			if err != nil {
				t.Fatal(err)
			}
			if code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "مرحبا"}, "audience": {"all": true}}`); code != 202 {
				t.Fatalf("broadcast: %d %s", code, body)
			}
		}
		for _, path := range []string{"/api/v1/contacts", "/api/v1/opportunities"} {
			var seen []int64
			after := int64(0)
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatalf("%s: paging does not stop: %v", path, seen)
				}
				p := e.list(t, fmt.Sprintf("%s?limit=2&after=%d", path, after))
				seen = append(seen, ids(p)...)
				if p.NextAfter == nil {
					break
				}
				after = *p.NextAfter
			}
			if fmt.Sprint(seen) != "[1 2 3 4 5]" {
				t.Errorf("%s: pages gave %v, want each id once in order", path, seen)
			}
			if p := e.list(t, path+"?limit=5"); len(p.Items) != 5 || p.NextAfter != nil {
				t.Errorf("%s?limit=5 (all of them): %d items, next_after %v", path, len(p.Items), p.NextAfter)
			}
			if p := e.list(t, path+"?limit=1"); len(p.Items) != 1 || p.NextAfter == nil || *p.NextAfter != 1 {
				t.Errorf("%s?limit=1: %v", path, p)
			}
			if p := e.list(t, path+"?after=3"); fmt.Sprint(ids(p)) != "[4 5]" || p.NextAfter != nil {
				t.Errorf("%s?after=3: %v next %v", path, ids(p), p.NextAfter)
			}
		}
		// Broadcasts go newest first, backwards with ?before=.
		p := e.list(t, "/api/v1/broadcasts?limit=3")
		if fmt.Sprint(ids(p)) != "[5 4 3]" || p.NextBefore == nil || *p.NextBefore != 3 || p.NextAfter != nil {
			t.Fatalf("broadcasts first page: %v next_before %v", ids(p), p.NextBefore)
		}
		if p := e.list(t, "/api/v1/broadcasts?limit=3&before=3"); fmt.Sprint(ids(p)) != "[2 1]" || p.NextBefore != nil {
			t.Fatalf("broadcasts last page: %v next_before %v", ids(p), p.NextBefore)
		}
		if code, body := e.do(t, "GET", "/api/v1/broadcasts?after=3", token, ""); code != 400 || !strings.Contains(body, "before") {
			t.Fatalf("broadcasts ?after=: %d %s", code, body)
		}
	})
}

func TestContactSearch(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		for i, c := range []struct {
			phone, name string
		}{{"+96891234567", "مريم الهنائية"}, {"+96892223333", "Salma Al-Busaidi"}, {"+96899998888", "100%_sure"},
			{"+96893000001", "أحمد البلوشي"}, {"+96893000002", "إيمان الحارثية"}, {"+96893000003", "آمنة الكندية"},
			{"+96893000004", "عائشة المعمرية"}, {"+96893000005", "احمد الراشدي"}} {
			ct := addContact(t, e.store, c.phone, int64(100+i), "muscat")
			ct.Name = c.name
			if err := e.store.InTx(context.Background(), func(tx *store.Tx) error { return tx.SaveContact(ct) }); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			q    string
			want string
		}{
			{"الهنائية", "[1]"},
			{"salma", "[2]"},          // any case
			{"9123 4567", "[1]"},      // local form with a space
			{"٩١٢٣٤٥٦٧", "[1]"},       // Arabic-Indic digits
			{"+968 9222 3333", "[2]"}, // international form
			{"0096892223333", "[2]"},
			{"4567", "[1]"}, // part of a number
			{"100%", "[3]"}, // typed wildcards are literal: they match themselves
			{"100%_", "[3]"},
			{"%", "[]"}, // and nothing else, never everyone
			{"_", "[]"},
			{"100_", "[]"},
			{"busaidi", "[2]"}, // a word after a hyphen
			{"احمد", "[4 8]"},  // every Ahmad, however his alef is written
			{"ايمان", "[5]"},
			{"امنة", "[6]"},
			{"عائشه", "[7]"},
			{"بلوشي", "[4]"}, // a family name without its article
			{"nobody", "[]"},
		} {
			p := e.list(t, "/api/v1/contacts?q="+urlQuery(tt.q))
			if got := fmt.Sprint(ids(p)); got != tt.want && !(tt.want == "[]" && got == "[]") {
				t.Errorf("q=%q: %v, want %s", tt.q, got, tt.want)
			}
		}
		if code, _ := e.do(t, "GET", "/api/v1/contacts?q="+strings.Repeat("a", 101), token, ""); code != 400 {
			t.Fatalf("a 101-character search: %d", code)
		}
	})
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// Changes made with the bearer token are in the audit log with the console's.
func TestAPIChangesAreAudited(t *testing.T) {
	e := newEnv(t, token)
	code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "مرحبا"}, "audience": {"all": true}}`)
	var made struct{ ID int64 }
	if code != 202 || json.Unmarshal([]byte(body), &made) != nil || made.ID == 0 {
		t.Fatalf("broadcast: %d %s", code, body)
	}
	if code, _ := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {}}`); code != 400 {
		t.Fatalf("bad broadcast: %d", code)
	}
	e.do(t, "GET", "/api/v1/broadcasts", token, "")
	log, err := e.store.AuditLog(context.Background(), 0, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("audit log: %+v %v", log, err)
	}
	// Named as the console names the same change, on the broadcast made.
	if log[1].Actor != "api" || log[1].Action != "broadcast_create" || log[1].Target != fmt.Sprintf("/api/v1/broadcasts/%d", made.ID) ||
		log[1].Outcome != 202 || log[0].Outcome != 400 || log[0].Target != "/api/v1/broadcasts" {
		t.Fatalf("audit log: %+v", log)
	}
}

// A broadcast none of whose channels is configured is refused, saying so.
func TestAPIBroadcastOnUnconfiguredChannels(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bs := notifier.NewBroadcasts(s, clk, log, nil, notifier.BroadcastConfig{})
	h := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
	staffapi.New(s, bs, clk, log, staffapi.Config{Token: token, Region: "OM", Languages: []string{"ar", "en"},
		Configured: []string{"telegram"}, CheckChannels: true}).Mount(h)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	e := env{srv: srv, store: s, bs: bs}
	code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "مرحبا"}, "audience": {"all": true}, "channels": ["sms"]}`)
	if code != 400 || !strings.Contains(body, "none of sms is configured") {
		t.Fatalf("SMS-only broadcast with only Telegram configured: %d %s", code, body)
	}
	if list, _ := bs.List(context.Background(), 0, 10); len(list) != 0 {
		t.Fatal("the refused broadcast was saved")
	}
	if code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "مرحبا"}, "audience": {"all": true}}`); code != 202 {
		t.Fatalf("broadcast on both channels, one configured: %d %s", code, body)
	}
}

// Attendance is marked through the API from the opportunity's start on:
// before it the answer is 409 saying when it starts, and nothing is stored.
func TestSignupsShowAttendance(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		c := addContact(t, e.store, "+96891234567", 7, "muscat")
		w := addContact(t, e.store, "+96891234568", 8, "muscat")
		starts := t0.AddDate(0, 0, 13)
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة"}, Description: map[string]string{}, StartsAt: starts}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetSignup(c.ID, o.ID, store.SignupRegistered); err != nil {
				return err
			}
			return tx.SetSignup(w.ID, o.ID, store.SignupWaitlisted)
		}); err != nil {
			t.Fatal(err)
		}
		if p := e.list(t, "/api/v1/signups"); len(p.Items) != 2 || p.Items[0]["attended_at"] != nil {
			t.Fatalf("before attendance: %+v", p.Items)
		}
		mark := func(id int, body string) (int, string) {
			return e.do(t, "POST", "/api/v1/signups/"+strconv.Itoa(id)+"/attendance", token, body)
		}
		// 13 days before the course: refused, saying when it starts (in TAMKEEN_TIMEZONE).
		if code, body := mark(1, `{"attended": true}`); code != 409 || !strings.Contains(body, "2026-12-06T14:00:00+04:00") {
			t.Fatalf("attendance 13 days early: %d %s", code, body)
		}
		e.clk.Set(starts.Add(-time.Second))
		if code, body := mark(1, `{"attended": true}`); code != 409 {
			t.Fatalf("attendance a second early: %d %s", code, body)
		}
		if p := e.list(t, "/api/v1/signups"); p.Items[0]["attended_at"] != nil {
			t.Fatalf("a refused mark was stored: %+v", p.Items[0])
		}
		for _, tc := range []struct {
			id         int
			body, want string
			code       int
		}{
			{2, `{"attended": true}`, "only a registered sign-up", 409},
			{9, `{"attended": true}`, "not found", 404},
			{1, `{}`, "attended: required", 400},
		} {
			if code, body := mark(tc.id, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("mark %d %s: %d %s, want %d %q", tc.id, tc.body, code, body, tc.code, tc.want)
			}
		}
		e.clk.Set(starts)
		if code, body := mark(1, `{"attended": true}`); code != 200 || !strings.Contains(body, `"attended_at":"2026-12-06T10:00:00Z"`) {
			t.Fatalf("attendance at the start: %d %s", code, body)
		}
		if p := e.list(t, "/api/v1/signups"); p.Items[0]["attended_at"] != "2026-12-06T10:00:00Z" {
			t.Fatalf("after attendance: %+v", p.Items)
		}
		if code, body := mark(1, `{"attended": false}`); code != 200 || !strings.Contains(body, `"attended_at":null`) {
			t.Fatalf("unmark: %d %s", code, body)
		}
	})
}

// Sign-ups carry each waiting person's place on the list, and
// opportunities whether people can sign up now.
func TestWaitingPlacesAndOpenSignups(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		deadline := t0.Add(time.Hour)
		open := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة"}, Description: map[string]string{},
			StartsAt: t0.AddDate(0, 0, 3), Capacity: 1}
		closing := &store.Opportunity{Kind: "event", Title: map[string]string{"ar": "ملتقى"}, Description: map[string]string{},
			StartsAt: t0.AddDate(0, 0, 3), SignupDeadline: &deadline}
		for _, o := range []*store.Opportunity{open, closing} {
			if err := e.store.CreateOpportunity(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		for i, status := range []string{store.SignupRegistered, store.SignupWaitlisted, store.SignupWaitlisted, store.SignupWaitlisted} {
			c := addContact(t, e.store, "+9689123456"+strconv.Itoa(i), int64(10+i), "muscat")
			if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(c.ID, open.ID, status) }); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Minute)
		}
		var places []any
		for _, it := range e.list(t, "/api/v1/signups?opportunity_id="+strconv.FormatInt(open.ID, 10)).Items {
			places = append(places, it["waitlist_position"])
		}
		if got := fmt.Sprint(places); got != "[<nil> 1 2 3]" {
			t.Errorf("waiting places %s, want [<nil> 1 2 3]", got)
		}
		openNow := func() string {
			var out []any
			for _, it := range e.list(t, "/api/v1/opportunities").Items {
				out = append(out, it["signups_open"])
			}
			return fmt.Sprint(out)
		}
		if got := openNow(); got != "[true true]" {
			t.Errorf("signups_open %s before the deadline, want [true true]", got)
		}
		e.clk.Set(deadline)
		if got := openNow(); got != "[true false]" {
			t.Errorf("signups_open %s at the deadline, want [true false]", got)
		}
	})
}

// The sign-up list as CSV: without ?lang= the stable machine form (column
// codes, status codes), with it the reader's words; either way attendance is
// a column and times are in TAMKEEN_TIMEZONE with their offset, not UTC.
func TestSignupsCSVForMachinesAndReaders(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		c := addContact(t, e.store, "+96891234567", 7, "muscat")
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "خياطة", "en": "Sewing"}, Description: map[string]string{},
			StartsAt: t0.Add(time.Hour)}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(c.ID, o.ID, store.SignupRegistered) }); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(o.StartsAt)
		if code, body := e.do(t, "POST", "/api/v1/signups/1/attendance", token, `{"attended": true}`); code != 200 {
			t.Fatalf("attendance: %d %s", code, body)
		}
		for _, tc := range []struct {
			lang, header, row string
		}{
			{"", "\uFEFFid,contact_id,name,phone,telegram_chat_id,opportunity_id,opportunity_ar,opportunity_en,status,created_at,updated_at,attended_at,waitlist_position\n",
				",خياطة,Sewing,registered,2026-11-23T14:00:00+04:00,2026-11-23T14:00:00+04:00,2026-11-23T15:00:00+04:00,\n"},
			{"ar", "\uFEFFرقم التسجيل,رقم الشخص,الاسم,الهاتف,معرّف تيليجرام,",
				",خياطة,Sewing,مسجّل,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,حضر,\n"},
			{"en", "\uFEFFSign-up no.,Person no.,Name,Phone,Telegram chat,",
				",خياطة,Sewing,Registered,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,attended,\n"},
		} {
			code, body := e.do(t, "GET", "/api/v1/signups?format=csv&lang="+tc.lang, token, "")
			if code != 200 || !strings.HasPrefix(body, tc.header) || !strings.Contains(body, tc.row) {
				t.Errorf("lang=%q: %d\n%s\nwant it to start %q and hold %q", tc.lang, code, body, tc.header, tc.row)
			}
		}
		if code, body := e.do(t, "GET", "/api/v1/signups?format=csv&lang=fr", token, ""); code != 400 || !strings.Contains(body, "allowed are ar, en") {
			t.Errorf("lang=fr: %d %s", code, body)
		}
	})
}

// A broadcast that has not run yet says whom it would reach now, instead
// of counts that are all 0 until it runs; once it ran, only its counts.
func TestScheduledBroadcastSaysWhomItWouldReach(t *testing.T) {
	eachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		addContact(t, e.store, "+96891234567", 7, "muscat")
		addContact(t, e.store, "+96891234568", 8, "dhofar")
		code, body := e.do(t, "POST", "/api/v1/broadcasts", token,
			`{"texts": {"ar": "مرحبا"}, "audience": {"governorates": ["muscat"]}, "send_at": "2026-11-24T09:00:00+04:00"}`)
		if code != 202 {
			t.Fatalf("create: %d %s", code, body)
		}
		want := `"expected":{"targeted":1,"reach":1,"skipped":{"no_consent":0,"opted_out":0,"unreachable":0}}`
		if code, body := e.do(t, "GET", "/api/v1/broadcasts/1", token, ""); code != 200 || !strings.Contains(body, want) || !strings.Contains(body, `"targeted":0`) {
			t.Fatalf("scheduled broadcast: %d %s, want %s", code, body, want)
		}
		e.clk.Set(time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC))
		for {
			if _, found, err := e.bs.ExpandOnce(ctx); err != nil {
				t.Fatal(err)
			} else if !found {
				break
			}
		}
		if code, body := e.do(t, "GET", "/api/v1/broadcasts/1", token, ""); code != 200 || strings.Contains(body, `"expected"`) || !strings.Contains(body, `"targeted":1`) {
			t.Fatalf("after it ran: %d %s", code, body)
		}
	})
}
