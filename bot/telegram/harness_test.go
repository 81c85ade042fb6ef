package telegram_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const secret = "s3cret_Token-1"

func discard() *slog.Logger { return pipelinetest.Discard() }

// world is serve's pieces around one fake Telegram: inbox, dispatcher and the channel.
type world struct {
	fake       *telegramtest.Server
	store      *store.Store
	clock      *clock.Manual
	bot        *telegram.Bot
	inbox      *inbox.Inbox
	dispatcher *notifier.Dispatcher
	renderer   *bot.Renderer
}

// newWorld builds the pieces on s, whose clock must be clk.
func newWorld(t *testing.T, s *store.Store, clk *clock.Manual) *world {
	t.Helper()
	return newWorldIn(t, s, clk, "")
}

// newWorldIn is newWorld with the pack of country ("" for the default, Oman).
func newWorldIn(t *testing.T, s *store.Store, clk *clock.Manual, country string) *world {
	t.Helper()
	p := pipelinetest.NewFor(t, s, clk, country)
	w := &world{fake: telegramtest.New(t), store: s, clock: clk, renderer: p.Renderer, inbox: p.Inbox}
	log := p.Log
	w.bot = telegram.New(telegram.Config{
		Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(), Rate: 30,
		WebhookURL: "https://tamkeen.example/webhooks/telegram", WebhookSecret: secret, DefaultRegion: "OM",
		PollTimeout: 5 * time.Second, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	}, w.renderer, w.inbox, clk, log)
	// The dispatcher's pacing is its own tests' business: here it sees a
	// sender without limits, so a conversation drains at once.
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{unpaced{w.bot}}, clk, log, nil, notifier.DispatcherConfig{})
	return w
}

type unpaced struct{ b *telegram.Bot }

func (u unpaced) Channel() string { return u.b.Channel() }
func (u unpaced) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	return u.b.Send(ctx, m)
}

// deliver hands an update to the channel as the webhook or the poller would,
// then sends every reply; it returns the messages the person received.
func (w *world) deliver(t *testing.T, update map[string]any) []telegramtest.Sent {
	t.Helper()
	before := len(w.fake.Sent())
	raw := w.fake.Push(update)
	var u tgbotapi.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.bot.HandleUpdate(ctx, u); err != nil {
		t.Fatalf("update %s: %v", raw, err)
	}
	if err := w.dispatcher.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	w.clock.Advance(time.Minute)
	return w.fake.Sent()[before:]
}

// staff carries out a caseworker's line in the conversation of the person
// at a and returns what was sent meanwhile.
func (w *world) staff(t *testing.T, l pipelinetest.Line, a vocab.Address) []telegramtest.Sent {
	t.Helper()
	before := len(w.fake.Sent())
	ctx := context.Background()
	var id int64
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(a, "")
		id = c.ID
		return err
	})
	if err == nil {
		err = pipelinetest.Staff(ctx, w.store, id, l.Text)
	}
	if err == nil {
		err = w.dispatcher.Drain(ctx)
	}
	if err != nil {
		t.Fatalf("%s: %v", l.Written(), err)
	}
	w.clock.Advance(time.Minute)
	return w.fake.Sent()[before:]
}

// tap taps the button whose payload starts with prefix in the last message
// the person received, failing when there is none.
func (w *world) tap(t *testing.T, u telegramtest.User, prefix string) []telegramtest.Sent {
	t.Helper()
	sent := w.fake.SentTo(u.ID)
	if len(sent) == 0 {
		t.Fatalf("no message to tap in")
	}
	last := sent[len(sent)-1]
	for _, p := range last.Payloads() {
		if strings.HasPrefix(p, prefix) {
			return w.deliver(t, telegramtest.Tap(u, p))
		}
	}
	t.Fatalf("no button %q under %q (buttons %v)", prefix, last.Text, last.Payloads())
	return nil
}

func (w *world) contact(t *testing.T, chat int64) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		c, _, err = tx.ContactByAddress(vocab.Address{TelegramChatID: chat}, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// each runs fn on SQLite, and on PostgreSQL when configured.
func each(t *testing.T, fn func(t *testing.T, w *world)) {
	var clk *clock.Manual
	newClock := func() clock.Clock { clk = clock.NewManual(t0); return clk }
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) { fn(t, newWorld(t, s, clk)) })
}

func texts(sent []telegramtest.Sent) string {
	var b strings.Builder
	for _, m := range sent {
		b.WriteString(m.Text)
		if m.Markup != nil {
			for _, row := range m.Markup.InlineKeyboard {
				for _, btn := range row {
					b.WriteString("\n[" + btn.Text + "]")
				}
			}
		}
		b.WriteString("\n---\n")
	}
	return b.String()
}
