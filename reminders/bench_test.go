package reminders

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// benchSignups is how many sign-ups the sweep benchmark seeds (TAMKEEN_BENCH_SIGNUPS, default 1,000,000).
func benchSignups(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("TAMKEEN_BENCH_SIGNUPS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10_000 {
			b.Fatalf("TAMKEEN_BENCH_SIGNUPS=%q: want a number of at least 10000", v)
		}
	}
	return n
}

// BenchmarkReminderSweep sweeps a database of N sign-ups (100 per
// opportunity, 5 per contact) of which 1 % are due for their day-before
// reminder. "first" measures a sweep that queues them all (the outbox is
// emptied between runs, outside the timer); "rerun" a sweep that finds them
// queued already.
func BenchmarkReminderSweep(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			n := benchSignups(b)
			var dsn string
			var dial gorm.Dialector
			if db == "sqlite" {
				dsn = storetest.SQLiteDSN(b)
				dial = sqlite.Open(dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
			} else {
				dsn = storetest.PostgresDSN(b)
				dial = postgres.Open(dsn)
			}
			now := local(4, 12, 0)
			clk := clock.NewManual(now.Add(-72 * time.Hour))
			ctx := context.Background()
			s, err := store.Open(ctx, dsn, clk)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			raw, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
			if err != nil {
				b.Fatal(err)
			}
			seedStart := time.Now()
			due := seedSignups(b, s, raw, n, now)
			b.Logf("%s: seeded %d sign-ups (%d due) in %v", db, n, due, time.Since(seedStart).Round(time.Millisecond))
			sw := New(s, Config{Offsets: []time.Duration{24 * time.Hour, 2 * time.Hour}, Location: muscat, Log: slog.New(slog.DiscardHandler)})

			b.Run("first", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					if err := raw.Exec("DELETE FROM outbox").Error; err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					rep, err := sw.Reminders(ctx, now)
					if err != nil || rep.Queued != due {
						b.Fatalf("%+v %v, want %d queued", rep, err, due)
					}
				}
			})
			b.Run("rerun", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rep, err := sw.Reminders(ctx, now)
					if err != nil || rep.Queued != 0 {
						b.Fatalf("%+v %v, want nothing new", rep, err)
					}
				}
			})
		})
	}
}

// seedSignups fills the database set-wise: n/100 opportunities of 100
// sign-ups each, n/5 contacts (half on Telegram, all with a phone), and 1 %
// of the opportunities starting within the day-before window. It returns how
// many reminders are due.
func seedSignups(b *testing.B, s *store.Store, raw *gorm.DB, n int, now time.Time) int {
	b.Helper()
	ctx := context.Background()
	opps, contacts := n/100, n/5
	dueOpps := opps / 100
	for i := range dueOpps { // ids 1..dueOpps, starting between 3 and 5 hours from now
		o := &store.Opportunity{Kind: "training", Track: "tailoring", Title: map[string]string{"ar": "دورة", "en": "Course"},
			Description: map[string]string{}, StartsAt: now.Add(3*time.Hour + time.Duration(i)*time.Minute).UTC()}
		if err := s.CreateOpportunity(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	at := now.Add(-72 * time.Hour).UTC()
	later := now.Add(30 * 24 * time.Hour).UTC()
	seq := func(max int) string {
		return `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ` + strconv.Itoa(max) + `) `
	}
	steps := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO opportunities (kind, track, governorate, title, description, starts_at, capacity, demo, created_at, updated_at) ` +
			seq(opps-dueOpps) + `SELECT 'training', 'tailoring', '', '{"ar":"دورة","en":"Course"}', '{}', ?, 0, FALSE, ?, ? FROM seq`,
			[]any{later, at, at}},
		{`INSERT INTO contacts (telegram_chat_id, phone, language, name, governorate, consent_at, created_at, updated_at) ` +
			seq(contacts) + `SELECT CASE WHEN n % 2 = 0 THEN n END, '+968' || CAST(90000000 + n AS TEXT), 'ar', 'x', 'muscat', ?, ?, ? FROM seq`,
			[]any{at, at, at}},
		{`INSERT INTO signups (contact_id, opportunity_id, status, created_at, updated_at) ` +
			seq(n) + `SELECT (n - 1) % ` + strconv.Itoa(contacts) + ` + 1, (n - 1) / 100 + 1, 'registered', ?, ? FROM seq`,
			[]any{at, at}},
	}
	for _, st := range steps {
		if err := raw.WithContext(ctx).Exec(st.sql, st.args...).Error; err != nil {
			b.Fatal(err)
		}
	}
	if err := raw.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	return dueOpps * 100
}
