// Package loadgen posts webhook requests at a service (Telegram updates by
// default, or whatever a Config.Request builds, such as Meta's signed
// WhatsApp notifications), as fast as it answers or at a steady rate, and
// measures how long each answer took. The inbox benchmarks and the
// tamkeen-load command share it.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// SecretHeader carries the webhook's secret token (as Telegram sends it).
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Config says what to post.
type Config struct {
	URLs    []string // webhook URLs; updates go to each in turn (replicas)
	Secret  string
	First   int64 // update ids First+1… from chats 1,000,000+First…, one new chat per update
	N       int   // how many updates
	Clients int   // requests in flight at most
	Rate    int   // updates per second; 0: as fast as the service answers
	// Answered, if set, is called with the update_id of each update answered 200.
	Answered func(updateID int64)
	// Request, if set, builds the body and headers of request i (First+0…):
	// another provider's webhook. Unset: Telegram's Update(i) with Secret
	// in SecretHeader.
	Request func(i int64) (body []byte, header http.Header)
}

// Result is what a run measured.
type Result struct {
	Elapsed   time.Duration
	Latencies []time.Duration // of the requests answered 200, sorted
	Failed    int             // requests not answered 200
	FirstErr  string
}

// Quantile returns the q-quantile latency (0.5 for the median).
func (r Result) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[int(q*float64(len(r.Latencies)-1))]
}

// PerSecond is how many updates were answered per second.
func (r Result) PerSecond() float64 { return float64(len(r.Latencies)) / r.Elapsed.Seconds() }

// String is a one-line summary.
func (r Result) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	s := fmt.Sprintf("%d updates in %.2f s: %.0f updates/s; p50 %s, p99 %s, max %s",
		len(r.Latencies), r.Elapsed.Seconds(), r.PerSecond(), ms(r.Quantile(0.5)), ms(r.Quantile(0.99)), ms(r.Quantile(1)))
	if r.Failed > 0 {
		s += fmt.Sprintf("; %d failed (%s)", r.Failed, r.FirstErr)
	}
	return s
}

// Run posts cfg.N updates with client and waits for every answer.
func Run(ctx context.Context, client *http.Client, cfg Config) Result {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, cfg.N)
	var failed atomic.Int64
	var firstErr atomic.Value
	fail := func(msg string) {
		failed.Add(1)
		firstErr.CompareAndSwap(nil, msg)
	}
	jobs := make(chan int64)
	var wg sync.WaitGroup
	for range max(cfg.Clients, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				url := cfg.URLs[int(i)%len(cfg.URLs)]
				start := time.Now()
				body, header := cfg.request(cfg.First + i)
				if err := post(ctx, client, url, header, body); err != nil {
					fail(err.Error())
					continue
				}
				d := time.Since(start)
				if cfg.Answered != nil {
					cfg.Answered(1 + cfg.First + i)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range int64(cfg.N) {
		if cfg.Rate > 0 {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(cfg.Rate))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	r := Result{Elapsed: time.Since(start), Latencies: lat, Failed: int(failed.Load())}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstErr = e
	}
	slices.Sort(r.Latencies)
	return r
}

// request is the body and headers of request i.
func (cfg Config) request(i int64) ([]byte, http.Header) {
	if cfg.Request != nil {
		return cfg.Request(i)
	}
	return Update(i), http.Header{SecretHeader: {cfg.Secret}}
}

func post(ctx context.Context, client *http.Client, url string, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Update is the JSON of a text message "hello" from chat 1,000,000+i, update id 1+i.
func Update(i int64) []byte {
	chat := 1_000_000 + i
	u := map[string]any{
		"update_id": 1 + i,
		"message": map[string]any{
			"message_id": 1, "date": 1764000000, "text": "hello",
			"from": map[string]any{"id": chat, "is_bot": false, "first_name": "B"},
			"chat": map[string]any{"id": chat, "type": "private", "first_name": "B"},
		},
	}
	raw, _ := json.Marshal(u)
	return raw
}

// Client is an HTTP client that keeps up to conns connections per host open.
func Client(conns int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns * 4, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
	}}
}
