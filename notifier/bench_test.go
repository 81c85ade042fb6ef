package notifier_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// Benchmarks run on SQLite, or on PostgreSQL with TAMKEEN_BENCH_POSTGRES=1
// and TAMKEEN_TEST_POSTGRES_DSN. Sizes come from the environment so the goals
// can be measured at full size:
//
//	TAMKEEN_BENCH_CONTACTS=1000000 go test ./notifier -run '^$' -bench Expansion -benchtime 1x
//	TAMKEEN_BENCH_ROWS=100000 go test ./notifier -run '^$' -bench 'Dispatch|Reply' -benchtime 1x
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// seeded opens a migrated database holding n consenting contacts with a
// Telegram chat and a phone, inserted by one SQL statement: SQLite, or
// PostgreSQL when TAMKEEN_BENCH_POSTGRES=1 (with TAMKEEN_TEST_POSTGRES_DSN).
func seeded(b *testing.B, n int) *store.Store {
	b.Helper()
	now := time.Now().UTC()
	if os.Getenv("TAMKEEN_BENCH_POSTGRES") == "1" {
		dsn := storetest.PostgresDSN(b)
		return seedWith(b, dsn, postgres.Open(dsn), `INSERT INTO contacts (telegram_chat_id, phone, language, name, governorate, track, consent_at, created_at, updated_at)
		SELECT 1000000 + i, '+9689' || lpad(i::text, 7, '0'), CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ar' END, '',
			CASE WHEN i % 2 = 0 THEN 'muscat' ELSE 'dhofar' END, '', ?, ?, ? FROM generate_series(1, ?) AS i`, now, now, now, n)
	}
	dsn := storetest.SQLiteDSN(b)
	return seedWith(b, dsn, sqlite.Open(dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)"), `INSERT INTO contacts (telegram_chat_id, phone, language, name, governorate, track, consent_at, created_at, updated_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT 1000000 + i, '+9689' || printf('%07d', i), CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ar' END, '',
			CASE WHEN i % 2 = 0 THEN 'muscat' ELSE 'dhofar' END, '', ?, ?, ? FROM n`, n, now, now, now)
}

// seedWith migrates the database at dsn, then runs the seeding statement
// through a plain connection of its own.
func seedWith(b *testing.B, dsn string, raw gorm.Dialector, seed string, args ...any) *store.Store {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, clock.System{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db, err := gorm.Open(raw, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Exec(seed, args...).Error; err != nil {
		b.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
	return s
}

// broadcastAll creates a broadcast to everyone and expands it; it returns the time expansion took.
func broadcastAll(b *testing.B, s *store.Store) time.Duration {
	b.Helper()
	ctx := context.Background()
	bs := notifier.NewBroadcasts(s, clock.System{}, discard(), nil, notifier.BroadcastConfig{})
	if _, err := bs.Create(ctx, &store.Broadcast{
		Texts: map[string]string{"ar": "مرحبا", "en": "Hello"}, Audience: store.Audience{All: true}, Channels: []string{bot.Telegram, bot.SMS},
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := bs.Expand(ctx); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func BenchmarkBroadcastExpansion(b *testing.B) {
	n := benchSize("TAMKEEN_BENCH_CONTACTS", 100_000)
	for range b.N {
		b.StopTimer()
		s := seeded(b, n)
		b.StartTimer()
		took := broadcastAll(b, s)
		b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
		b.ReportMetric(took.Seconds(), "s/expansion")
	}
}

// drain runs a dispatcher with sender until the outbox holds nothing pending.
func drain(b *testing.B, s *store.Store, f *fakeSender, want int) time.Duration {
	b.Helper()
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
	start := time.Now()
	stop := run(b, d)
	for f.count() < want {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	stop()
	return took
}

func BenchmarkDispatchUnlimited(b *testing.B) {
	n := benchSize("TAMKEEN_BENCH_ROWS", 20_000)
	for range b.N {
		b.StopTimer()
		s := seeded(b, n)
		broadcastAll(b, s)
		f := newFake(bot.Telegram, 0)
		sms := newFake(bot.SMS, 0)
		b.StartTimer()
		d := notifier.NewDispatcher(s, []bot.Sender{f, sms}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
		start := time.Now()
		stop := run(b, d)
		for f.count()+sms.count() < n {
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(start)
		stop()
		b.ReportMetric(float64(n)/took.Seconds(), "msgs/s")
	}
}

func BenchmarkDispatchAt30PerSecond(b *testing.B) {
	rate := float64(benchSize("TAMKEEN_BENCH_RATE", 30)) // another rate: WhatsApp's 80
	n := benchSize("TAMKEEN_BENCH_RATED", 300)           // 10 s at 30/s
	for range b.N {
		b.StopTimer()
		s := seeded(b, n)
		broadcastAll(b, s)
		b.StartTimer()
		f := newFake(bot.Telegram, rate)
		drain(b, s, f, n)
		f.mu.Lock()
		first, last := f.sentAt[0], f.sentAt[len(f.sentAt)-1]
		achieved := float64(len(f.sentAt)-1) / last.Sub(first).Seconds()
		b.ReportMetric(100*achieved/rate, "%_of_limit")
		b.ReportMetric(float64(f.tooFast), "429s")
		// Where the time goes: the gaps between sends, and those far over the spacing.
		var gaps []time.Duration
		for i := 1; i < len(f.sentAt); i++ {
			gaps = append(gaps, f.sentAt[i].Sub(f.sentAt[i-1]))
		}
		f.mu.Unlock()
		slices.Sort(gaps)
		spacing := time.Duration(float64(time.Second) / rate)
		stalls, lost := 0, time.Duration(0)
		for _, g := range gaps {
			if g > 3*spacing {
				stalls, lost = stalls+1, lost+g-spacing
			}
		}
		b.Logf("gaps between sends: p50 %v, p90 %v, p99 %v, max %v; %d over three spacings, losing %v",
			gaps[len(gaps)/2].Round(time.Millisecond), gaps[len(gaps)*9/10].Round(time.Millisecond),
			gaps[len(gaps)*99/100].Round(time.Millisecond), gaps[len(gaps)-1].Round(time.Millisecond), stalls, lost.Round(time.Millisecond))
	}
}

func BenchmarkReplyLatencyDuringBroadcast(b *testing.B) {
	n := benchSize("TAMKEEN_BENCH_ROWS", 20_000)
	for range b.N {
		b.StopTimer()
		s := seeded(b, n)
		broadcastAll(b, s)
		tg, sms := newFake(bot.Telegram, 0), newFake(bot.SMS, 0)
		enqueuedAt := map[string]time.Time{}
		var lat []time.Duration
		hook := func(m bot.Outgoing) error {
			if m.Language == "reply" {
				tg.mu.Lock()
				lat = append(lat, time.Since(enqueuedAt[m.Body]))
				tg.mu.Unlock()
			}
			return nil
		}
		tg.onSend, sms.onSend = hook, hook
		b.StartTimer()
		d := notifier.NewDispatcher(s, []bot.Sender{tg, sms}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
		stop := run(b, d)
		ctx := context.Background()
		replies := 0
		for tg.count()+sms.count() < n {
			time.Sleep(20 * time.Millisecond)
			key := "reply:" + strconv.Itoa(replies)
			tg.mu.Lock()
			enqueuedAt[key] = time.Now()
			tg.mu.Unlock()
			cid := int64(replies%n + 1)
			if _, err := s.Enqueue(ctx, &store.OutboxMessage{ContactID: cid, Channel: bot.Telegram, Recipient: strconv.FormatInt(1_000_000+cid, 10),
				Language: "reply", Priority: store.PriorityReply, Body: key, DedupeKey: key}); err != nil {
				b.Fatal(err)
			}
			d.Notify()
			replies++
		}
		stop()
		tg.mu.Lock()
		slices.Sort(lat)
		if len(lat) == 0 {
			b.Fatal("no reply measured")
		}
		p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(p(0.5), "p50_ms")
		b.ReportMetric(p(0.99), "p99_ms")
		b.ReportMetric(float64(len(lat)), "replies")
		tg.mu.Unlock()
		fmt.Fprintf(os.Stderr, "reply latency over %d replies while %d rows drained: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			len(lat), n, p(0.5), p(0.99), float64(lat[len(lat)-1].Microseconds())/1000)
	}
}
