package notifier_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// fakeSender records sends. With a rate it behaves like a provider that
// publishes a rolling limit (Telegram's 30 a second, Twilio's segments a
// second): more than rate units in any rolling second, measured when a send
// arrives, and it answers a 429 for the whole channel.
type fakeSender struct {
	channel string
	limits  bot.Limits
	clk     clock.Clock
	unit    int // what one message costs of limits.PerSecond (an SMS's segments); 0 is 1

	mu        sync.Mutex
	sent      []bot.Outgoing
	sentAt    []time.Time
	byID      map[int64]int
	tooFast   int
	onSend    func(m bot.Outgoing) error // may block or fail a send
	providerN int
}

func newFake(channel string, perSecond float64) *fakeSender {
	return &fakeSender{channel: channel, limits: bot.Limits{PerSecond: perSecond}, clk: clock.System{}, byID: map[int64]int{}}
}

func (f *fakeSender) Channel() string    { return f.channel }
func (f *fakeSender) Limits() bot.Limits { return f.limits }

func (f *fakeSender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	f.mu.Lock()
	hook := f.onSend
	f.mu.Unlock()
	if hook != nil {
		if err := hook(m); err != nil {
			return "", err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clk.Now()
	if n := int(f.limits.PerSecond) / max(f.unit, 1); n > 0 && len(f.sentAt) >= n && now.Sub(f.sentAt[len(f.sentAt)-n]) < time.Second {
		f.tooFast++
		return "", &bot.SendError{Kind: bot.RetryLater, RetryAfter: time.Second, Scope: bot.ScopeChannel, Err: errors.New("429 too many requests")}
	}
	f.sent = append(f.sent, m)
	f.sentAt = append(f.sentAt, now)
	f.byID[m.ID]++
	f.providerN++
	return "fake-" + strconv.Itoa(f.providerN), nil
}

func (f *fakeSender) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

func (f *fakeSender) duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.byID {
		n += c - 1
	}
	return n
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// contact makes a consenting contact with a Telegram chat id and a phone.
func contact(t testing.TB, s *store.Store, i int, lang string) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		c, _, err = tx.ContactByAddress(vocab.Address{TelegramChatID: int64(1000 + i)}, lang)
		if err != nil {
			return err
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := fmt.Sprintf("+9689%07d", i)
		c.Phone, c.ConsentAt, c.Governorate = &p, &now, "muscat"
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func enqueue(t testing.TB, s *store.Store, msgs ...*store.OutboxMessage) {
	t.Helper()
	if _, err := s.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func msg(c *store.Contact, channel string, priority int, key string) *store.OutboxMessage {
	return &store.OutboxMessage{
		ContactID: c.ID, Channel: channel, Recipient: strconv.FormatInt(*c.TelegramChatID, 10),
		Priority: priority, Body: key, DedupeKey: key,
	}
}

// waitFor polls cond (a database or a counter) until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func counts(t testing.TB, s *store.Store) map[string]int {
	t.Helper()
	c, err := s.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
