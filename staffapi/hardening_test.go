package staffapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// eachEnv runs fn with the staff API on SQLite, and on PostgreSQL when configured.
func eachEnv(t *testing.T, fn func(t *testing.T, e env)) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		bs := notifier.NewBroadcasts(s, clk, log, nil, notifier.BroadcastConfig{})
		h := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
		staffapi.New(s, bs, clk, log, staffapi.Config{Token: token, Region: "OM", Languages: []string{"ar", "en"},
			Governorates: []string{"muscat", "dhofar"}, Tracks: []string{"training", "job", "project"}, Location: muscat, Words: words(t)}).Mount(h)
		srv := httptest.NewServer(h.Handler())
		t.Cleanup(srv.Close)
		fn(t, env{srv: srv, store: s, bs: bs, clk: clk})
	})
}

// What PostgreSQL cannot store (NUL, a capacity past its 32-bit column) or
// what would mislead (a direction override) is a 400 naming the field on
// both databases, and nothing is stored.
func TestStaffInputThatCannotBeStored(t *testing.T) {
	const opp = `{"kind": "training", "title": {"ar": "خياطة"}, "starts_at": "2026-12-01T09:00:00+04:00", "capacity": 10}`
	eachEnv(t, func(t *testing.T, e env) {
		for _, tc := range []struct {
			name, path, body, field string
		}{
			{"NUL in a broadcast text", "/api/v1/broadcasts", `{"texts": {"ar": "مرحبا\u0000"}, "audience": {"all": true}}`, "texts.ar"},
			{"override in a broadcast text", "/api/v1/broadcasts", `{"texts": {"ar": "مرحبا", "en": "pay \u202Eto"}, "audience": {"all": true}}`, "texts.en"},
			{"capacity 2^31", "/api/v1/opportunities", strings.Replace(opp, `"capacity": 10`, `"capacity": 2147483648`, 1), "capacity"},
			{"capacity past int64", "/api/v1/opportunities", strings.Replace(opp, `"capacity": 10`, `"capacity": 99999999999999999999`, 1), "capacity"},
			{"NUL in a title", "/api/v1/opportunities", strings.Replace(opp, `"خياطة"`, `"خياطة\u0000"`, 1), "title.ar"},
			{"NUL in a description", "/api/v1/opportunities", strings.Replace(opp, `"capacity": 10`, `"capacity": 10, "description": {"en": "a\u0000b"}`, 1), "description.en"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, body := e.do(t, "POST", tc.path, token, tc.body)
				if code != 400 || !strings.Contains(body, tc.field) {
					t.Fatalf("got %d %s, want 400 naming %s", code, body, tc.field)
				}
			})
		}
		if list, err := e.store.Broadcasts(context.Background(), 0, 10); err != nil || len(list) != 0 {
			t.Fatalf("broadcasts stored: %d, %v", len(list), err)
		}
		if code, body := e.do(t, "GET", "/api/v1/opportunities", token, ""); code != 200 || strings.Contains(body, "خياطة") {
			t.Fatalf("an opportunity was stored: %d %s", code, body)
		}
		// Multi-line texts with the marks Arabic uses are fine.
		if code, body := e.do(t, "POST", "/api/v1/broadcasts", token, `{"texts": {"ar": "\u200fمرحبا\nسطر ثان"}, "audience": {"all": true}}`); code != 202 {
			t.Fatalf("a clean broadcast: %d %s", code, body)
		}
	})
}

// Staff API answers (phone numbers, names) are never cached and never
// sniffed as another type, whatever the answer.
func TestStaffAnswersAreNotCached(t *testing.T) {
	e := newEnv(t, token)
	for _, tc := range []struct{ path, tok string }{
		{"/api/v1/contacts", token}, {"/api/v1/contacts?format=csv", token}, {"/api/v1/contacts", "wrong"}, {"/api/v1/broadcasts/999", token},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if cc, nos := res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"); cc != "no-store" || nos != "nosniff" {
			t.Errorf("GET %s (%d): Cache-Control %q, X-Content-Type-Options %q; want no-store, nosniff", tc.path, res.StatusCode, cc, nos)
		}
	}
}

// Guessing the bearer token is slowed as at the console's sign-in: after 5
// wrong tokens from one address, even the right one gets 429 (with
// Retry-After) for a while. Calls without a token are not counted.
func TestStaffAPIWrongTokensThrottled(t *testing.T) {
	e := newEnv(t, token)
	for range 6 {
		if code, _ := e.do(t, "GET", "/api/v1/contacts", "", ""); code != 401 {
			t.Fatalf("no token: %d", code)
		}
	}
	for i := range 5 {
		if code, _ := e.do(t, "GET", "/api/v1/contacts", "guess-"+itoa(int64(i)), ""); code != 401 {
			t.Fatalf("wrong token %d: %d", i+1, code)
		}
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("right token after 5 wrong ones: %d, Retry-After %q; want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
