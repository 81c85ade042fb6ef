package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
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
	p := pipelinetest.New(b, s, clk)
	api := telegramtest.New(b)
	const secret = "bench-secret"
	tg := telegram.New(telegram.Config{Token: "42:bench", APIEndpoint: api.Endpoint(), WebhookSecret: secret},
		p.Renderer, p.Inbox, clk, p.Log)
	srv := httptest.NewServer(tg.WebhookHandler())
	b.Cleanup(srv.Close)
	benchInbound(b, s, loadgen.Config{URLs: []string{srv.URL}, Secret: secret})
}

// BenchmarkWhatsAppWebhook is BenchmarkTelegramWebhook for WhatsApp: Meta's
// notifications, each one text message («مرحبا») from a new number with a
// fresh wamid, signed with the app secret in X-Hub-Signature-256 as the
// fake Cloud API signs them, posted to the real channel's POST
// /webhooks/whatsapp over real HTTP on a real database. Every message is
// stored, runs the conversation and queues its reply before its 200. The
// same settings and metrics (messages count as updates).
//
//	go test ./inbox -run '^$' -bench WhatsAppWebhook -benchtime 1x
func BenchmarkWhatsAppWebhook(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		clk := clock.System{}
		benchWhatsApp(b, storetest.SQLite(b, clk), clk)
	})
	b.Run("postgres", func(b *testing.B) {
		clk := clock.System{}
		benchWhatsApp(b, storetest.Postgres(b, clk), clk)
	})
}

func benchWhatsApp(b *testing.B, s *store.Store, clk clock.Clock) {
	p := pipelinetest.New(b, s, clk)
	fake := whatsapptest.New(b, whatsapptest.Config{Clock: clk})
	cfg := config.WhatsApp{AccessToken: whatsapptest.Token, PhoneNumberID: whatsapptest.PhoneNumberID,
		AppSecret: whatsapptest.AppSecret, VerifyToken: whatsapptest.VerifyToken, APIBaseURL: fake.URL(), Rate: 80}
	ch, err := whatsapp.New(cfg, whatsapp.Options{Renderer: p.Renderer, Log: p.Log},
		whatsapp.WebhookOptions{Region: "OM", Inbox: p.Inbox, Receipts: p.Inbox, Log: p.Log})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range ch.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	text := map[string]any{"text": map[string]any{"body": "مرحبا"}}
	benchInbound(b, s, loadgen.Config{URLs: []string{srv.URL + whatsapp.WebhookPath},
		Request: func(i int64) ([]byte, http.Header) {
			_, body, err := fake.InboundBody(whatsapptest.User{Phone: fmt.Sprintf("+9689%07d", i)}, "text", text)
			if err != nil {
				panic(err) // a map of strings always marshals
			}
			return body, http.Header{whatsapp.SignatureHeader: {fake.Signature(body)}}
		}})
}

// benchInbound posts b.N rounds of TAMKEEN_BENCH_UPDATES requests built
// as cfg says (its First, N, Clients and Rate set here) and reports the
// rate, CPU and latencies; every request must be answered 200 and have
// queued one reply.
func benchInbound(b *testing.B, s *store.Store, cfg loadgen.Config) {
	updates := envInt(b, "TAMKEEN_BENCH_UPDATES", 10_000)
	clients := envInt(b, "TAMKEEN_BENCH_CLIENTS", 32)
	rate := envInt(b, "TAMKEEN_BENCH_RATE", 0)
	client := loadgen.Client(clients)

	var next atomic.Int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first := next.Add(int64(updates)) - int64(updates)
		cpu0 := cpuTime(b)
		cfg.First, cfg.N, cfg.Clients, cfg.Rate = first, updates, clients, rate
		res := loadgen.Run(context.Background(), client, cfg)
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
