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
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
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

// A full disk lets the probe's small update through while every write that
// needs room fails: /readyz answers 503 as soon as one of the service's own
// writes failed for lack of space, and for WriteFailureHold after the last
// one. SQLite is really full (its page count pinned, max_page_count);
// PostgreSQL refuses inserts with disk_full (SQLSTATE 53100) from a trigger.
func TestReadyzFailsWhenWritesFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(t testing.TB) string
		full func(t *testing.T, dsn string) string // makes the database refuse writes; the DSN to open it with
	}{
		{"sqlite", storetest.SQLiteDSN, func(t *testing.T, dsn string) string {
			return dsn + "?_pragma=max_page_count(1)" // SQLite keeps the current size: nothing can grow
		}},
		{"postgres", storetest.PostgresDSN, func(t *testing.T, dsn string) string {
			db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { sqlDB, _ := db.DB(); sqlDB.Close() }()
			err = db.Exec(`CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
				CREATE TRIGGER disk_full BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_writes();`).Error
			if err != nil {
				t.Fatal(err)
			}
			return dsn
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := tc.dsn(t)
			if _, err := openStore(t, dsn).Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			clk := clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			full, err := store.Open(ctx, tc.full(t, dsn), clk)
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			if code, body := readyz(t, full); code != 200 {
				t.Fatalf("before any write: %d %s (the probe's update needs no room)", code, body)
			}
			// The service writes, as a sign-in flood would, until the database refuses.
			var writeErr error
			for i := 0; i < 10000 && writeErr == nil; i++ {
				writeErr = full.Audit(ctx, store.AuditEvent{Actor: "x", Action: "signin_refused", Target: strings.Repeat("t", 250), Address: "203.0.113.1"})
			}
			if writeErr == nil {
				t.Fatal("the database never refused a write")
			}
			t.Logf("refused: %v", writeErr)
			if code, body := readyz(t, full); code != 503 || !strings.Contains(body, "writes failing") {
				t.Fatalf("after a write failed for lack of space: %d %s, want 503", code, body)
			}
			clk.Advance(store.WriteFailureHold - time.Second)
			if code, _ := readyz(t, full); code != 503 {
				t.Fatalf("%v after the failure: %d, want 503", store.WriteFailureHold-time.Second, code)
			}
			clk.Advance(time.Second)
			if code, _ := readyz(t, full); code != 200 {
				t.Fatalf("no failed write for %v: %d, want the probe's verdict (200)", store.WriteFailureHold, code)
			}
		})
	}
}
