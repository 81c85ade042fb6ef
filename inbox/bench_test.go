package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
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
		p.Renderer, s, p.Inbox, clk, p.Log, nil)
	srv := httptest.NewServer(tg.WebhookHandler())
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}

	var next atomic.Int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base := next.Add(int64(updates)) - int64(updates)
		res := postUpdates(b, client, srv.URL, secret, base, updates, clients, rate)
		b.ReportMetric(float64(updates)/res.elapsed.Seconds(), "updates/s")
		b.ReportMetric(float64(res.p(0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.p(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(res.max().Microseconds())/1000, "max-ms")
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

type loadResult struct {
	elapsed   time.Duration
	latencies []time.Duration // sorted
}

func (r loadResult) p(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(q*float64(len(r.latencies)-1))]
}

func (r loadResult) max() time.Duration { return r.p(1) }

// postUpdates posts n text updates, each from its own new chat, with the given
// number of clients, paced to rate per second when rate > 0.
func postUpdates(b *testing.B, client *http.Client, base, secret string, first int64, n, clients, rate int) loadResult {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, n)
	jobs := make(chan int64)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				body := updateJSON(id)
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, base, bytes.NewReader(body))
				req.Header.Set(telegram.SecretHeader, secret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					if resp != nil {
						resp.Body.Close()
					}
					continue
				}
				resp.Body.Close()
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range int64(n) {
		if rate > 0 {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		jobs <- first + i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d updates were not answered 200", f, n)
	}
	slices.Sort(lat)
	return loadResult{elapsed: elapsed, latencies: lat}
}

// updateJSON is a text message "hello" from chat 1,000,000+id, update id 1+id.
func updateJSON(id int64) []byte {
	chat := 1_000_000 + id
	u := map[string]any{
		"update_id": 1 + id,
		"message": map[string]any{
			"message_id": 1, "date": 1764000000, "text": "hello",
			"from": map[string]any{"id": chat, "is_bot": false, "first_name": "B"},
			"chat": map[string]any{"id": chat, "type": "private", "first_name": "B"},
		},
	}
	raw, _ := json.Marshal(u)
	return raw
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

var _ = fmt.Sprint
