package telegram_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/inbox"
)

// commandWithLength is a /command message whose bot_command entity claims
// the given length (Telegram never sends 0 or more than the text, a forger can).
func commandWithLength(u telegramtest.User, text string, length int) map[string]any {
	up := telegramtest.Message(u, text)
	up["message"].(map[string]any)["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": length}}
	return up
}

// A bot_command entity of length 0 (or longer than the text) made the
// client library panic; the command is now read from the text itself.
func TestMalformedCommandEntity(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for i, length := range []int{0, 500} {
			u := telegramtest.User{ID: int64(7400 + i), FirstName: "Huda"}
			got := w.deliver(t, commandWithLength(u, "/start", length))
			if len(got) == 0 || !strings.Contains(texts(got), "English") {
				t.Fatalf("length %d: /start got %q, want the language question", length, texts(got))
			}
		}
	})
}

// panickingInbox panics on every input whose text is "boom".
type panickingInbox struct {
	next    *inbox.Inbox
	mu      sync.Mutex
	handled []string
	booms   int
}

func (p *panickingInbox) Handle(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	p.mu.Lock()
	if in.Text == "boom" {
		p.booms++
		p.mu.Unlock()
		panic("cannot read this update")
	}
	p.mu.Unlock()
	out, err := p.next.Handle(ctx, in)
	if err == nil && !out.Duplicate {
		p.mu.Lock()
		p.handled = append(p.handled, in.Text)
		p.mu.Unlock()
	}
	return out, err
}

func (p *panickingInbox) state() (string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.handled, ","), p.booms
}

// An update whose handling panics does not end polling: it is tried a few
// times, then skipped (its offset confirmed), and later updates are handled.
func TestPollingSurvivesAPanickingUpdate(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7410, FirstName: "Salim"}
		for _, text := range []string{"one", "boom", "three"} {
			w.fake.Push(telegramtest.Message(u, text))
		}
		ib := &panickingInbox{next: w.inbox}
		pollUntilHandled(t, w, ib, "one,three")
		if _, booms := ib.state(); booms != 3 {
			t.Fatalf("the panicking update was tried %d times, want 3", booms)
		}
	})
}

// In webhook mode the same update answers 500 (Telegram sends it again)
// until it has failed three times, then 200 so Telegram moves on.
func TestWebhookSkipsAPanickingUpdateAfterThreeTries(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ib := &panickingInbox{next: w.inbox}
		b := telegram.New(telegram.Config{
			Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM", WebhookSecret: secret,
		}, w.renderer, ib, w.clock, discard())
		raw := w.fake.Push(telegramtest.Message(telegramtest.User{ID: 7420, FirstName: "Mona"}, "boom"))
		var codes []int
		for range 3 {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(raw))
			req.Header.Set(telegram.SecretHeader, secret)
			rec := httptest.NewRecorder()
			b.WebhookHandler().ServeHTTP(rec, req)
			codes = append(codes, rec.Code)
		}
		if fmt.Sprint(codes) != "[500 500 200]" {
			t.Fatalf("answers %v, want [500 500 200]", codes)
		}
	})
}

// An update the client library cannot decode (a field of another type) does
// not stop polling: it is recorded and skipped, and the updates around it
// are handled.
func TestPollingSkipsAnUnreadableUpdate(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7430, FirstName: "Amal"}
		w.fake.Push(telegramtest.Message(u, "one"))
		bad := telegramtest.Message(u, "two")
		bad["message"].(map[string]any)["message_id"] = "not a number"
		w.fake.Push(bad)
		w.fake.Push(telegramtest.Message(u, "three"))
		ib := &panickingInbox{next: w.inbox}
		pollUntilHandled(t, w, ib, "one,three")
	})
}

// In webhook mode an update the library cannot decode is taken (200, so
// Telegram does not resend it) and stores nothing; a body that is not an
// update at all is a 400.
func TestWebhookTakesAnUnreadableUpdate(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		bad := telegramtest.Message(telegramtest.User{ID: 7440, FirstName: "Rana"}, "hi")
		bad["message"].(map[string]any)["message_id"] = "not a number"
		raw := w.fake.Push(bad)
		for body, want := range map[string]int{string(raw): http.StatusOK, `{"message":"x"}`: http.StatusBadRequest, `nope`: http.StatusBadRequest} {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", strings.NewReader(body))
			req.Header.Set(telegram.SecretHeader, secret)
			rec := httptest.NewRecorder()
			w.bot.WebhookHandler().ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s: %d, want %d", body, rec.Code, want)
			}
		}
		counts, err := w.store.OutboxCounts(context.Background())
		if err != nil || len(counts) != 0 {
			t.Fatalf("something was queued: %v %v", counts, err)
		}
	})
}

// pollUntilHandled polls the fake with ib as the inbox until ib has handled
// want (texts joined by commas) and no update is left unconfirmed.
func pollUntilHandled(t *testing.T, w *world, ib *panickingInbox, want string) {
	t.Helper()
	b := telegram.New(telegram.Config{
		Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM",
		PollTimeout: time.Second, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	}, w.renderer, ib, w.clock, discard())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = b.Poll(ctx)
	}()
	defer func() { cancel(); <-stopped }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		handled, _ := ib.state()
		if handled == want && w.fake.Pending() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %q, %d updates still pending", handled, w.fake.Pending())
		}
		w.clock.Advance(5 * time.Millisecond) // the poller's backoff (at most 5 ms) waits on this clock
	}
}
