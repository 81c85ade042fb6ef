package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store/storetest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestProbesPanicsAndMetrics(t *testing.T) {
	db := storetest.SQLite(t, clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
	m := metrics.New()
	srv := httpapi.New("127.0.0.1:0", db, m, slog.New(slog.DiscardHandler))
	srv.Handle("GET /boom", "boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	srv.Handle("POST /echo", "echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	if code, body := get(t, ts.URL+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz = %d %s", code, body)
	}
	if code, body := get(t, ts.URL+"/readyz"); code != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("readyz with the database up = %d %s", code, body)
	}
	if code, body := get(t, ts.URL+"/boom"); code != 500 || !strings.Contains(body, "internal error") {
		t.Errorf("a panicking handler = %d %s, want 500 with a JSON error", code, body)
	}
	if code, _ := get(t, ts.URL+"/healthz"); code != 200 {
		t.Errorf("the server stopped answering after a panic: %d", code)
	}
	resp, err := http.Post(ts.URL+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", httpapi.MaxBodyBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit reached the handler whole: %d", resp.StatusCode)
	}
	if _, body := get(t, ts.URL+"/metrics"); !strings.Contains(body, `tamkeen_http_requests_total{code="500",route="boom"} 1`) {
		t.Errorf("the panic is not counted in /metrics:\n%s", body)
	}

	db.Close()
	if code, body := get(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "unreachable") {
		t.Errorf("readyz with the database gone = %d %s, want 503", code, body)
	}
}
