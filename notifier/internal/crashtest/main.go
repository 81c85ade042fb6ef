// Command crashtest runs the real broadcast expansion and dispatcher against
// a fake provider reached over HTTP, until it is killed. Only the notifier's
// crash-safety test uses it: the test SIGKILLs it mid-broadcast and starts it
// again on the same database.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
)

// httpSender posts each message to a fake provider.
type httpSender struct {
	url  string
	rate float64
	c    *http.Client
}

func (s *httpSender) Channel() string    { return bot.Telegram }
func (s *httpSender) Limits() bot.Limits { return bot.Limits{PerSecond: s.rate} }

func (s *httpSender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	body, _ := json.Marshal(map[string]any{"id": m.ID, "contact_id": m.ContactID, "body": m.Body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return "", &bot.SendError{Kind: bot.BadConfig, Err: err}
	}
	res, err := s.c.Do(req)
	if err != nil {
		return "", &bot.SendError{Kind: bot.RetryLater, Err: err}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", &bot.SendError{Kind: bot.RetryLater, Err: fmt.Errorf("provider answered %d", res.StatusCode)}
	}
	return string(b), nil
}

func main() {
	dsn := flag.String("db", "", "database")
	url := flag.String("provider", "", "fake provider URL")
	rate := flag.Float64("rate", 100, "messages per second")
	lease := flag.Duration("lease", 2*time.Second, "claim lease")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clk := clock.System{}
	s, err := store.Open(ctx, *dsn, clk)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := s.Migrate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sender := &httpSender{url: *url, rate: *rate, c: &http.Client{Timeout: 5 * time.Second}}
	d := notifier.NewDispatcher(s, []bot.Sender{sender}, clk, log, nil,
		notifier.DispatcherConfig{Lease: *lease, PollInterval: 100 * time.Millisecond, Batch: 20})
	b := notifier.NewBroadcasts(s, clk, log, d.Notify, notifier.BroadcastConfig{Batch: 50, PollInterval: 100 * time.Millisecond})
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{d.Run, b.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(ctx) }()
	}
	fmt.Println("running")
	wg.Wait()
}
