package telegram_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

func units(s string) int { return len(utf16.Encode([]rune(s))) }

// What the person receives for one outgoing message, and what the
// dispatcher is told when Telegram refuses it.
func TestSend(t *testing.T) {
	long := strings.Repeat("فقرة قصيرة عن برنامج التمكين الاقتصادي 🌱\n", 60) + "\n" + strings.Repeat("سطر ثانٍ للنص الطويل\n", 200)
	clk := clock.NewManual(t0)
	w := newWorld(t, storetest.SQLite(t, clk), clk)
	for _, tc := range []struct {
		name     string
		out      bot.Outgoing
		fail     []telegramtest.Failure
		parts    int
		buttons  []string // payloads under the last part
		contains string
		kind     bot.ErrorKind
		after    time.Duration
		failed   bool
	}{
		{name: "options become buttons with short payloads", out: bot.Outgoing{Language: "ar", Reply: &flows.Reply{Key: "consent.notice", Options: []flows.Option{{Payload: "yes", Key: "consent.agree"}, {Payload: "no", Key: "consent.decline"}}}},
			parts: 1, buttons: []string{"yes", "no"}, contains: "هل نتابع بموافقتك"},
		{name: "people's words are escaped", out: bot.Outgoing{Body: "<b>Ali & Sons</b> <script>"},
			parts: 1, contains: "<b>Ali & Sons</b> <script>"},
		{name: "long text splits on line boundaries, buttons under the last part", out: bot.Outgoing{Body: long, Reply: nil},
			parts: 3}, // a paragraph, then lines up to the limit, then the rest
		{name: "payload over 64 bytes falls back to numbered lines", out: bot.Outgoing{Language: "en", Reply: &flows.Reply{Key: "consent.notice", Options: []flows.Option{{Payload: strings.Repeat("x", 65), Key: "consent.agree"}}}},
			parts: 1, contains: "1. I agree"},
		{name: "429 waits retry_after for the whole channel", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{telegramtest.TooMany(7)},
			failed: true, kind: bot.RetryLater, after: 7 * time.Second},
		{name: "blocked", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{telegramtest.Blocked}, failed: true, kind: bot.Unreachable},
		{name: "deactivated", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{telegramtest.Deactivated}, failed: true, kind: bot.Unreachable},
		{name: "chat not found", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{telegramtest.ChatMissing}, failed: true, kind: bot.Permanent},
		{name: "server error", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{telegramtest.Internal}, failed: true, kind: bot.RetryLater},
		{name: "bad token", out: bot.Outgoing{Body: "hi"}, fail: []telegramtest.Failure{{Code: 401, Description: "Unauthorized"}}, failed: true, kind: bot.BadConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chat := int64(8000 + len(w.fake.Sent()))
			tc.out.Recipient = itoa(chat)
			w.fake.Fail("sendMessage", tc.fail...)
			_, err := w.bot.Send(context.Background(), tc.out)
			if tc.failed {
				var se *bot.SendError
				if !errors.As(err, &se) || se.Kind != tc.kind || se.RetryAfter != tc.after {
					t.Fatalf("error = %#v, want kind %v after %v", err, tc.kind, tc.after)
				}
				if tc.kind == bot.RetryLater && tc.after > 0 && se.Scope != bot.ScopeUnknown {
					t.Fatalf("Telegram does not say whose limit a 429 is; got scope %v", se.Scope)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := w.fake.SentTo(chat)
			if len(got) != tc.parts {
				t.Fatalf("%d parts, want %d", len(got), tc.parts)
			}
			var whole strings.Builder
			for i, m := range got {
				if units(m.Text) > telegram.MaxTextUnits {
					t.Fatalf("part %d has %d units", i, units(m.Text))
				}
				if i < len(got)-1 && m.Markup != nil {
					t.Fatalf("buttons on part %d of %d", i+1, len(got))
				}
				whole.WriteString(m.Text + "\n")
			}
			if tc.out.Reply == nil && tc.parts > 1 {
				squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
				if squash(whole.String()) != squash(tc.out.Body) {
					t.Fatal("the parts do not add up to the text")
				}
			}
			if p := got[len(got)-1].Payloads(); strings.Join(p, ",") != strings.Join(tc.buttons, ",") {
				t.Fatalf("buttons %v, want %v", p, tc.buttons)
			}
			if !strings.Contains(whole.String(), tc.contains) {
				t.Fatalf("text %q lacks %q", whole.String(), tc.contains)
			}
		})
	}
	t.Run("network down", func(t *testing.T) {
		down := telegram.New(telegram.Config{Token: telegramtest.Token, APIEndpoint: "http://127.0.0.1:1/bot%s/%s"}, w.renderer, w.inbox, w.clock, discard())
		_, err := down.Send(context.Background(), bot.Outgoing{Recipient: "1", Body: "hi"})
		if k, _ := bot.KindOf(err); k != bot.RetryLater {
			t.Fatalf("kind %v, want retry later", k)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Through the dispatcher: after a 429 nothing is sent to Telegram inside the
// announced window, and the message goes once it has passed.
func TestNoSecond429InsideTheWindow(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		s := w.store
		ctx := context.Background()
		d := notifier.NewDispatcher(s, []bot.Sender{w.bot}, w.clock, discard(), nil, notifier.DispatcherConfig{})
		var rows []*store.OutboxMessage
		for i, chat := range []int64{8101, 8102, 8103} {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: chat}, "en")
				rows = append(rows, &store.OutboxMessage{ContactID: c.ID, Channel: bot.Telegram, Recipient: itoa(chat),
					Priority: store.PriorityNotice, Body: "notice", DedupeKey: "n:" + itoa(int64(i))})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Enqueue(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		w.fake.Fail("sendMessage", telegramtest.TooMany(30))
		for range 5 {
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(5 * time.Second) // 25 s in all: still inside the window
		}
		if n := w.fake.Calls("sendMessage"); n != 1 {
			t.Fatalf("%d calls inside the 30 s window, want only the one refused", n)
		}
		for range 5 {
			w.clock.Advance(5 * time.Second)
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(w.fake.Sent()); n != 3 {
			t.Fatalf("%d messages sent after the window, want 3", n)
		}
	})
}
