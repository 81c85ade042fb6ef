package telegram_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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
	failed     chan struct{} // closed when failOnce failed
	cancel     context.CancelFunc
	done       chan struct{}
	want       int
}

func (c *crashingInbox) Handle(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if in.ExternalID == c.failOnce {
		c.failOnce = ""
		if c.failed != nil {
			close(c.failed)
		}
		return bot.Outcome{}, errors.New("database went away")
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
// failed update is read again after a pause (MinBackoff on the clock,
// exactly) rather than skipped.
func TestPollingRestartLosesNothing(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7201, FirstName: "Omar"}
		var ids []string
		for _, text := range []string{"one", "two", "three", "four"} {
			raw := w.fake.Push(telegramtest.Message(u, text))
			ids = append(ids, updateID(t, raw))
		}
		ib := &crashingInbox{next: w.inbox, crashAfter: ids[1], want: 4, done: make(chan struct{}), failed: make(chan struct{})}
		done := ib.done
		const pause = 3 * time.Second
		newBot := func() *telegram.Bot {
			return telegram.New(telegram.Config{
				Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM",
				PollTimeout: 5e9, MinBackoff: pause, MaxBackoff: 4 * pause,
			}, w.renderer, ib, w.clock, discard())
		}
		ctx, cancel := context.WithCancel(context.Background())
		ib.cancel = cancel
		if err := newBot().Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if w.fake.Pending() != 4 {
			t.Fatalf("updates confirmed before the crash: %d pending, want 4", w.fake.Pending())
		}
		ib.mu.Lock()
		ib.failOnce = ids[2] // fails once after the restart
		ib.mu.Unlock()
		ctx, cancel = context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			_ = newBot().Poll(ctx)
		}()
		<-ib.failed
		failedAt := w.clock.Now()
		waitForPause(t, w, failedAt.Add(pause))
		polls := w.fake.Calls("getUpdates")
		w.clock.Advance(pause - time.Nanosecond)
		if w.clock.Pending() != 1 || w.fake.Calls("getUpdates") != polls {
			t.Fatalf("the failed update was read again before the %v pause was over", pause)
		}
		w.clock.Advance(time.Nanosecond)
		select {
		case <-done:
		case <-time.After(time.Minute):
			ib.mu.Lock()
			got := strings.Join(ib.handled, ",")
			ib.mu.Unlock()
			t.Fatalf("after the pause, handled %s: an update is never handled (stored while stopping, then counted a duplicate?)", got)
		}
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

// waitForPause waits until the poller waits on the clock, and checks that
// it waits until at.
func waitForPause(t *testing.T, w *world, at time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the poller does not wait on its clock")
	}
	if next, _ := w.clock.Next(); !next.Equal(at) {
		t.Fatalf("the poller waits until %v, want %v", next.Sub(t0), at.Sub(t0))
	}
}

// Failed calls are tried again after pauses on the Bot's clock: doubling
// from MinBackoff up to MaxBackoff, and never shorter than a 429's
// retry_after. Nothing is called again before its pause is over.
func TestPollingBacksOffOnTheClock(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		failures []telegramtest.Failure
		pauses   []time.Duration
	}{
		{"getUpdates failures double up to the cap", "getUpdates",
			[]telegramtest.Failure{telegramtest.Internal, telegramtest.Internal, telegramtest.Internal, telegramtest.Internal},
			[]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"a 429 on deleteWebhook waits its retry_after", "deleteWebhook",
			[]telegramtest.Failure{telegramtest.TooMany(7), telegramtest.Internal},
			[]time.Duration{7 * time.Second, 2 * time.Second}},
		{"a short retry_after does not shorten the backoff", "deleteWebhook",
			[]telegramtest.Failure{telegramtest.Internal, telegramtest.TooMany(1)},
			[]time.Duration{time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				w.fake.Fail(tt.method, tt.failures...)
				b := telegram.New(telegram.Config{
					Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM",
					PollTimeout: time.Second, MinBackoff: time.Second, MaxBackoff: 3 * time.Second,
				}, w.renderer, w.inbox, w.clock, discard())
				ctx, cancel := context.WithCancel(context.Background())
				stopped := make(chan struct{})
				go func() {
					defer close(stopped)
					_ = b.Poll(ctx)
				}()
				defer func() { cancel(); <-stopped }()
				for i, pause := range tt.pauses {
					waitForPause(t, w, w.clock.Now().Add(pause))
					calls := w.fake.Calls(tt.method)
					if calls != i+1 {
						t.Fatalf("%s called %d times before pause %d, want %d", tt.method, calls, i+1, i+1)
					}
					w.clock.Advance(pause - time.Nanosecond)
					if w.clock.Pending() != 1 || w.fake.Calls(tt.method) != calls {
						t.Fatalf("%s was called again before the %v pause was over", tt.method, pause)
					}
					w.clock.Advance(time.Nanosecond)
				}
				// The last failure's pause is over: the poller long-polls.
				push := w.fake.Push(telegramtest.Message(telegramtest.User{ID: 7301, FirstName: "Huda"}, "hello"))
				for deadline := time.Now().Add(10 * time.Second); w.fake.Pending() > 0; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("polling did not resume after the pauses: update %s still pending", push)
					}
				}
			})
		})
	}
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

// recordingInbox passes inputs on and records, per chat, the texts handled
// and how many inputs were being handled at once at most.
type recordingInbox struct {
	next      *inbox.Inbox
	mu        sync.Mutex
	inFlight  int
	maxAtOnce int
	byChat    map[int64][]string
	handled   int
	want      int
	done      chan struct{}
}

func (r *recordingInbox) Handle(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	r.mu.Lock()
	r.inFlight++
	r.maxAtOnce = max(r.maxAtOnce, r.inFlight)
	r.mu.Unlock()
	out, err := r.next.Handle(ctx, in)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight--
	if err == nil && !out.Duplicate {
		r.byChat[in.From.TelegramChatID] = append(r.byChat[in.From.TelegramChatID], in.Text)
		if r.handled++; r.handled == r.want {
			close(r.done)
		}
	}
	return out, err
}

// Many people write while the bot polls: the updates of one poll are
// handled together (different chats at once, so the inbox can commit them
// in one batch), each chat's in the order written, and all are confirmed.
func TestPollingHandlesChatsTogetherAndEachInOrder(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const chats = 30
		for _, text := range []string{"one", "two", "three"} {
			for i := range chats {
				w.fake.Push(telegramtest.Message(telegramtest.User{ID: int64(8000 + i), FirstName: "P"}, text))
			}
		}
		ib := &recordingInbox{next: w.inbox, byChat: map[int64][]string{}, want: 3 * chats, done: make(chan struct{})}
		b := telegram.New(telegram.Config{
			Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30, DefaultRegion: "OM",
			PollTimeout: 5e9, MinBackoff: 1e6, MaxBackoff: 5e6,
		}, w.renderer, ib, w.clock, discard())
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			_ = b.Poll(ctx)
		}()
		<-ib.done
		waitUntilConfirmed := func() bool { return w.fake.Pending() == 0 }
		for deadline := time.Now().Add(5 * time.Second); !waitUntilConfirmed() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-stopped
		if n := w.fake.Pending(); n != 0 {
			t.Fatalf("%d updates not confirmed", n)
		}
		for i := range chats {
			if got := strings.Join(ib.byChat[int64(8000+i)], ","); got != "one,two,three" {
				t.Errorf("chat %d handled %s, want one,two,three", 8000+i, got)
			}
		}
		if ib.maxAtOnce < 2 {
			t.Errorf("at most %d update handled at once: the poll's chats were handled one by one", ib.maxAtOnce)
		}
	})
}
