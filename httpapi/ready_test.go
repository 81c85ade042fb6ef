package httpapi_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readyz(t *testing.T, db httpapi.Pinger) (int, string) {
	t.Helper()
	ts := httptest.NewServer(httpapi.New("127.0.0.1:0", db, metrics.New(), slog.New(slog.DiscardHandler)).Handler())
	defer ts.Close()
	return get(t, ts.URL+"/readyz")
}

// /readyz answers 503 while the database answers pings but cannot be
// written (every webhook would answer 500), on both databases: SQLite
// opened read-only, PostgreSQL in read-only transactions.
func TestReadyzChecksTheDatabaseTakesWrites(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dsn      func(t testing.TB) string
		readOnly string // what turns a connection read-only
	}{
		{"sqlite", storetest.SQLiteDSN, "?mode=ro"},
		{"postgres", storetest.PostgresDSN, "&default_transaction_read_only=on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn(t)
			rw := openStore(t, dsn)
			if _, err := rw.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if code, body := readyz(t, rw); code != 200 || !strings.Contains(body, `"database":"ok"`) {
				t.Fatalf("a writable database: %d %s", code, body)
			}
			ro := openStore(t, dsn+tc.readOnly)
			if err := ro.Ping(context.Background()); err != nil {
				t.Fatalf("the read-only database should still answer pings: %v", err)
			}
			if code, body := readyz(t, ro); code != 503 || !strings.Contains(body, "read-only") {
				t.Fatalf("a database that cannot be written: %d %s, want 503", code, body)
			}
			if code, _ := readyz(t, rw); code != 200 {
				t.Fatalf("the write check left something behind: %d", code)
			}
		})
	}
}
