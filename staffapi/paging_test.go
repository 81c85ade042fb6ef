package staffapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
		for _, c := range []struct {
			phone, name string
		}{{"+96891234567", "مريم الهنائية"}, {"+96892223333", "Salma Al-Busaidi"}, {"+96899998888", "100%_sure"}} {
			ct := addContact(t, e.store, c.phone, int64(len(c.name)), "muscat")
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
			{"%", "[3]"},    // typed wildcards are literal
			{"_", "[3]"},
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

func TestSignupsShowAttendance(t *testing.T) {
	e := newEnv(t, token)
	ctx := context.Background()
	c := addContact(t, e.store, "+96891234567", 7, "muscat")
	o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة"}, Description: map[string]string{}, StartsAt: t0.AddDate(0, 0, 3)}
	if err := e.store.CreateOpportunity(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(c.ID, o.ID, store.SignupRegistered) }); err != nil {
		t.Fatal(err)
	}
	if p := e.list(t, "/api/v1/signups"); len(p.Items) != 1 || p.Items[0]["attended_at"] != nil {
		t.Fatalf("before attendance: %+v", p.Items)
	}
	if err := e.store.SetAttended(ctx, o.ID, 1, true); err != nil {
		t.Fatal(err)
	}
	if p := e.list(t, "/api/v1/signups"); p.Items[0]["attended_at"] != "2026-11-23T10:00:00Z" {
		t.Fatalf("after attendance: %+v", p.Items)
	}
}
