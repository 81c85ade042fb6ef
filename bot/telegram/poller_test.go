package telegram_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/inbox"
)

// crashingInbox passes inputs on, and "crashes" the poller (ends its
// context) right after the update at crashAfter was stored, before its
// offset could be confirmed; failOnce makes one update fail the first time.
type crashingInbox struct {
	next       *inbox.Inbox
	mu         sync.Mutex
	handled    []string
	crashAfter string
	failOnce   string
	cancel     context.CancelFunc
	done       chan struct{}
	want       int
}

func (c *crashingInbox) Handle(ctx context.Context, in bot.Input) (inbox.Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if in.ExternalID == c.failOnce {
		c.failOnce = ""
		return inbox.Outcome{}, errors.New("database went away")
	}
	out, err := c.next.Handle(ctx, in)
	if err != nil {
		return out, err
	}
	if !out.Duplicate {
		c.handled = append(c.handled, in.Text)
	}
	if in.ExternalID == c.crashAfter {
		c.crashAfter = ""
		c.cancel()
	}
	if len(c.handled) == c.want && c.done != nil {
		close(c.done)
		c.done = nil
	}
	return out, nil
}

// The poller is stopped between storing an update and confirming it, then
// started again: every update is handled exactly once, in order, and a
// failed update is read again after a pause rather than skipped.
func TestPollingRestartLosesNothing(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		s := w.store
		u := telegramtest.User{ID: 7201, FirstName: "Omar"}
		var ids []string
		for _, text := range []string{"one", "two", "three", "four"} {
			raw := w.fake.Push(telegramtest.Message(u, text))
			ids = append(ids, updateID(t, raw))
		}
		ib := &crashingInbox{next: w.inbox, crashAfter: ids[1], failOnce: ids[2], want: 4, done: make(chan struct{})}
		done := ib.done
		newBot := func() *telegram.Bot {
			return telegram.New(telegram.Config{
				Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM",
				PollTimeout: 5e9, MinBackoff: 1e6, MaxBackoff: 5e6,
			}, w.renderer, s, ib, w.clock, discard(), nil)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ib.cancel = cancel
		if err := newBot().Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if w.fake.Pending() != 4 {
			t.Fatalf("updates confirmed before the crash: %d pending, want 4", w.fake.Pending())
		}
		ctx, cancel = context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			_ = newBot().Poll(ctx)
		}()
		<-done
		cancel()
		<-stopped
		if got := strings.Join(ib.handled, ","); got != "one,two,three,four" {
			t.Fatalf("handled %s", got)
		}
		if a := w.fake.AllowedUpdates(); a != `["message","edited_message","callback_query","my_chat_member"]` {
			t.Fatalf("allowed_updates = %s", a)
		}
	})
}

func updateID(t *testing.T, raw []byte) string {
	t.Helper()
	i := strings.Index(string(raw), `"update_id":`)
	if i < 0 {
		t.Fatalf("no update_id in %s", raw)
	}
	rest := string(raw)[i+len(`"update_id":`):]
	end := strings.IndexAny(rest, ",}")
	return rest[:end]
}
