package inbox_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/loadgen"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// BenchmarkTelegramWebhook posts text updates of distinct chats to the real
// Telegram webhook handler over real HTTP, on a real database: every update
// is stored, runs the conversation and queues its reply before its 200. It
// reports updates/s and the latency of each request (p50, p99).
//
//	go test ./inbox -run '^$' -bench TelegramWebhook -benchtime 1x
//
// TAMKEEN_BENCH_UPDATES sets how many updates (default 10,000),
// TAMKEEN_BENCH_CLIENTS how many clients post at once (default 32), and
// TAMKEEN_BENCH_RATE a steady rate in updates/s instead of as fast as the
// server answers. With TAMKEEN_TEST_POSTGRES_DSN set, the PostgreSQL variant
// runs too.
func BenchmarkTelegramWebhook(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		clk := clock.System{}
		benchWebhook(b, storetest.SQLite(b, clk), clk)
	})
	b.Run("postgres", func(b *testing.B) {
		clk := clock.System{}
		benchWebhook(b, storetest.Postgres(b, clk), clk)
	})
}

func benchWebhook(b *testing.B, s *store.Store, clk clock.Clock) {
	updates := envInt(b, "TAMKEEN_BENCH_UPDATES", 10_000)
	clients := envInt(b, "TAMKEEN_BENCH_CLIENTS", 32)
	rate := envInt(b, "TAMKEEN_BENCH_RATE", 0)
	p := pipelinetest.New(b, s, clk)
	api := telegramtest.New(b)
	const secret = "bench-secret"
	tg := telegram.New(telegram.Config{Token: "42:bench", APIEndpoint: api.Endpoint(), WebhookSecret: secret},
		p.Renderer, p.Inbox, clk, p.Log)
	srv := httptest.NewServer(tg.WebhookHandler())
	b.Cleanup(srv.Close)
	client := loadgen.Client(clients)

	var next atomic.Int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first := next.Add(int64(updates)) - int64(updates)
		cpu0 := cpuTime(b)
		res := loadgen.Run(context.Background(), client, loadgen.Config{
			URLs: []string{srv.URL}, Secret: secret, First: first, N: updates, Clients: clients, Rate: rate,
		})
		if res.Failed > 0 {
			b.Fatalf("%d of %d updates were not answered 200 (%s)", res.Failed, updates, res.FirstErr)
		}
		b.ReportMetric(res.PerSecond(), "updates/s")
		// CPU of this process (server and clients) per update: steadier than
		// updates/s on a machine shared with other work.
		b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(updates), "cpu-ms/update")
		b.ReportMetric(float64(res.Quantile(0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.Quantile(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(res.Quantile(1).Microseconds())/1000, "max-ms")
	}
	b.StopTimer()
	counts, err := s.OutboxCounts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if got, want := counts[store.OutboxPending], b.N*updates; got != want {
		b.Fatalf("%d replies queued, want %d (one per update)", got, want)
	}
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a whole number", name, v)
	}
	return n
}
