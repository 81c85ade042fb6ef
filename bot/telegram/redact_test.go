package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// syncBuffer is a log destination safe for the poller's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// When Telegram cannot be reached, net/http names the URL, which carries the
// bot token: neither the send error (the dispatcher stores its text in
// outbox.error and logs it) nor any log
// line (sends, polling, setWebhook, the command menu) may show it.
func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	endpoint := gone.URL + "/bot%s/%s"
	gone.Close() // connection refused from now on

	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := telegram.New(telegram.Config{
		Token: telegramtest.Token, APIEndpoint: endpoint, Rate: 30, DefaultRegion: "OM",
		WebhookURL: "https://tamkeen.example/webhooks/telegram", WebhookSecret: secret,
		PollTimeout: time.Second, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	}, pipelinetest.New(t, s, clk).Renderer, nil, clk, log)

	_, err := b.Send(context.Background(), bot.Outgoing{Recipient: "42", Body: "hi"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.RetryLater {
		t.Fatalf("send to an unreachable Telegram: %#v, want a RetryLater SendError", err)
	}
	if !strings.Contains(err.Error(), "<token>") {
		t.Errorf("send error %q should still say which call failed, with the token masked", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = b.SetWebhook(ctx)
	_ = b.SetCommands(ctx)
	_ = b.Poll(ctx)

	for what, text := range map[string]string{"send error": err.Error(), "logs": logs.String()} {
		for _, form := range []string{telegramtest.Token, "TEST-token"} {
			if strings.Contains(text, form) {
				t.Errorf("%s show the bot token:\n%s", what, text)
			}
		}
	}
	if !strings.Contains(logs.String(), "setWebhook") {
		t.Errorf("no setWebhook warning was logged; logs:\n%s", logs.String())
	}
}
