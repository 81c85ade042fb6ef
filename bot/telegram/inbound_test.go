package telegram_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// A person goes from /start to a confirmed sign-up by tapping only: the
// language, consent, "share my number and name" (which answers the name
// question), the governorate, the menu, an opportunity and "sign up".
// Every tap is answered within a second.
func TestFromStartToSignupByButtonsOnly(t *testing.T) {
	for _, tc := range []struct {
		lang, langButton, first, last, confirmed string
	}{
		{"ar", "l:ar", "فاطمة", "البلوشي", "تم تسجيلك في"},
		{"en", "l:en", "Fatma", "Al Balushi", "You are registered for"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				u := telegramtest.User{ID: 7001, FirstName: tc.first, LastName: tc.last, Language: "en"}
				got := w.deliver(t, telegramtest.Command(u, "/start"))
				if len(got) != 1 || len(got[0].Payloads()) != 2 {
					t.Fatalf("/start: want the language choice with two buttons, got:\n%s", texts(got))
				}
				w.tap(t, u, tc.langButton)
				got = w.tap(t, u, "yes")
				ask := got[len(got)-1]
				if ask.Markup == nil || len(ask.Markup.Keyboard) != 1 || !ask.Markup.Keyboard[0][0].RequestContact {
					t.Fatalf("the name question should offer a share-my-number button, got %+v", ask.Markup)
				}
				got = w.deliver(t, telegramtest.ShareContact(u, "96891234567", u))
				if len(got) != 2 || got[0].Markup == nil || !got[0].Markup.RemoveKeyboard {
					t.Fatalf("after sharing: want a confirmation that removes the keyboard, then the governorate question, got:\n%s", texts(got))
				}
				w.tap(t, u, "g:muscat")
				w.tap(t, u, "op")
				w.tap(t, u, "o:")
				got = w.tap(t, u, "s:")
				if !strings.Contains(texts(got), tc.confirmed) {
					t.Fatalf("no sign-up confirmation, got:\n%s", texts(got))
				}
				c := w.contact(t, u.ID)
				if c.Name != tc.first+" "+tc.last || c.Phone == nil || *c.Phone != "+96891234567" || c.Language != tc.lang {
					t.Fatalf("contact = name %q phone %v lang %q", c.Name, c.Phone, c.Language)
				}
				if un := w.fake.Unanswered(); len(un) > 0 {
					t.Fatalf("unanswered taps: %v", un)
				}
				for id, d := range w.fake.Answered() {
					if d > time.Second {
						t.Errorf("tap %s answered after %v", id, d)
					}
				}
				for _, m := range w.fake.Sent() {
					if strings.Contains(m.Text, "{{") || strings.Contains(m.Text, "telegram.") {
						t.Errorf("unrendered text sent: %q", m.Text)
					}
				}
			})
		})
	}
}

// Taps on old or unknown buttons are answered (the spinner stops) and the
// person is shown where they are; a tap Telegram delivers twice is handled once.
func TestStaleUnknownAndRepeatedTaps(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7002, FirstName: "Sara"}
		w.deliver(t, telegramtest.Command(u, "/start"))
		w.tap(t, u, "l:en")
		for _, data := range []string{"o:999999", "zz-unknown", "l:ar"} {
			got := w.deliver(t, telegramtest.Tap(u, data))
			if len(got) != 2 || !strings.Contains(got[0].Text, "older message") {
				t.Fatalf("tap %q: want the stale-button note and the current question, got:\n%s", data, texts(got))
			}
		}
		if un := w.fake.Unanswered(); len(un) > 0 {
			t.Fatalf("unanswered taps: %v", un)
		}
		// The same update posted twice (a webhook retry): one set of replies.
		raw := w.fake.Push(telegramtest.Tap(u, "yes"))
		before := len(w.fake.Sent())
		for range 2 {
			postUpdate(t, w, raw, secret, 200)
			if err := w.dispatcher.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.fake.Sent()[before:]; len(got) != 1 || !strings.Contains(got[0].Text, "name") {
			t.Fatalf("repeated update: want one reply (the name question), got:\n%s", texts(got))
		}
	})
}

// Photos, stickers, voice notes and locations get a polite word about what
// the bot reads, then the current question; an edit gets its own word.
func TestWhatTheBotDoesNotRead(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7003, FirstName: "Ali"}
		w.deliver(t, telegramtest.Command(u, "/start"))
		w.tap(t, u, "l:en")
		for name, update := range map[string]map[string]any{
			"sticker": telegramtest.Sticker(u), "photo": telegramtest.Photo(u),
			"voice": telegramtest.Voice(u), "location": telegramtest.Location(u),
		} {
			got := w.deliver(t, update)
			if len(got) != 2 || !strings.Contains(got[0].Text, "text messages and button taps") || len(got[1].Payloads()) != 2 {
				t.Fatalf("%s: want the note and the consent question again, got:\n%s", name, texts(got))
			}
		}
		got := w.deliver(t, telegramtest.Edited(u, "changed"))
		if len(got) != 1 || !strings.Contains(got[0].Text, "edited") {
			t.Fatalf("edit: got:\n%s", texts(got))
		}
		// Staff see what each was: the kind of what could not be read.
		kept := map[string]string{}
		for _, m := range w.kept(t, vocab.Address{TelegramChatID: u.ID}) {
			kept[m.Kind] = ""
			if m.Text != nil {
				kept[m.Kind] = *m.Text
			}
		}
		// (No words: the privacy notice is not agreed to yet.)
		want := map[string]string{"text": "", "button": "", "sticker": "", "photo": "", "voice": "", "location": "", "edited": ""}
		if fmt.Sprint(kept) != fmt.Sprint(want) {
			t.Errorf("kept %v, want %v", kept, want)
		}
	})
}

// kept is what the person at a writes, as stored for staff.
func (w *world) kept(t *testing.T, a vocab.Address) []store.InboundMessage {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(a, "")
		id = c.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := w.store.InboundOf(ctx, id, time.Time{}, w.clock.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// Only the person's own number is linked; a number Telegram sends without
// "+" is read with its country code.
func TestSharedContactMustBeOwn(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7004, FirstName: "Mona"}
		friend := telegramtest.User{ID: 9999, FirstName: "Friend"}
		w.deliver(t, telegramtest.Command(u, "/start"))
		w.tap(t, u, "l:en")
		w.tap(t, u, "yes")
		got := w.deliver(t, telegramtest.ShareContact(u, "+96899887766", friend))
		if len(got) != 2 || !strings.Contains(got[0].Text, "your own number") {
			t.Fatalf("someone else's contact: got:\n%s", texts(got))
		}
		if c := w.contact(t, u.ID); c.Phone != nil || c.Name != "" {
			t.Fatalf("someone else's contact was taken: phone %v name %q", c.Phone, c.Name)
		}
		w.deliver(t, telegramtest.ShareContact(u, "96899887766", u))
		if c := w.contact(t, u.ID); c.Phone == nil || *c.Phone != "+96899887766" || c.Name != "Mona" {
			t.Fatalf("own contact: phone %v name %q", c.Phone, c.Name)
		}
	})
}

// A person who signed up by SMS and now shares the same number on Telegram
// becomes one contact: no duplicate, the SMS sign-up and name are kept, and
// the conversation continues on Telegram.
func TestSharedNumberMergesWithSMSContact(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		const number = "+96892223344"
		var smsID, oppID int64
		err := w.store.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: number}, "ar")
			if err != nil {
				return err
			}
			consent := t0.Add(-48 * time.Hour)
			c.Name, c.Governorate, c.ConsentAt = "Huda", "dhofar", &consent
			if err := tx.SaveContact(c); err != nil {
				return err
			}
			smsID = c.ID
			opps, _, err := tx.ConversationData(c.ID, t0)
			if err != nil || len(opps) == 0 {
				t.Fatalf("no demo opportunities: %v", err)
			}
			oppID = opps[0].ID
			return tx.SetSignup(c.ID, oppID, "registered")
		})
		if err != nil {
			t.Fatal(err)
		}
		u := telegramtest.User{ID: 7005, FirstName: "هدى"}
		w.deliver(t, telegramtest.Command(u, "/start"))
		w.tap(t, u, "l:en")
		w.tap(t, u, "yes")
		tgID := w.contact(t, u.ID).ID
		got := w.deliver(t, telegramtest.ShareContact(u, "+96892223344", u))
		if len(got) < 2 || !strings.Contains(got[0].Text, "earlier Tamkeen profile") || !strings.Contains(got[1].Text, "Main menu, Huda") {
			t.Fatalf("merge: want the merge note and the menu by the SMS name, got:\n%s", texts(got))
		}
		c := w.contact(t, u.ID)
		if c.ID != smsID || c.Phone == nil || *c.Phone != number || c.Language != "en" || c.Governorate != "dhofar" {
			t.Fatalf("merged contact = %+v, want the SMS contact %d with the chat", c, smsID)
		}
		old, err := w.store.Contact(ctx, tgID)
		if err != nil {
			t.Fatal(err)
		}
		if old.TelegramChatID != nil || old.ErasedAt == nil {
			t.Fatalf("the chat's old contact should be emptied: %+v", old)
		}
		got = w.tap(t, u, "ms")
		if !strings.Contains(texts(got), "registered") {
			t.Fatalf("my sign-ups after the merge should show the SMS sign-up, got:\n%s", texts(got))
		}
		// Sharing again changes nothing and says it is linked.
		got = w.deliver(t, telegramtest.ShareContact(u, "+96892223344", u))
		if !strings.Contains(texts(got), "now linked") {
			t.Fatalf("second share: got:\n%s", texts(got))
		}
	})
}

// A number already held by another Telegram chat is not taken over.
func TestNumberOfAnotherChatIsNotTaken(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		a := telegramtest.User{ID: 7006, FirstName: "Amal"}
		b := telegramtest.User{ID: 7007, FirstName: "Badr"}
		w.deliver(t, telegramtest.ShareContact(a, "+96893334455", a))
		got := w.deliver(t, telegramtest.ShareContact(b, "+96893334455", b))
		if !strings.Contains(texts(got), "تيليجرام آخر") {
			t.Fatalf("conflict: got:\n%s", texts(got))
		}
		if c := w.contact(t, b.ID); c.Phone != nil {
			t.Fatalf("second chat took the number")
		}
		if c := w.contact(t, a.ID); c.Phone == nil {
			t.Fatalf("first chat lost the number")
		}
	})
}

// Blocking the bot stops sending at once and for good (no retry); unblocking
// lets messages go again.
func TestBlockedChat(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		u := telegramtest.User{ID: 7008, FirstName: "Salim"}
		w.deliver(t, telegramtest.Command(u, "/start"))
		w.fake.Block(u.ID, true)
		w.deliver(t, telegramtest.Tap(u, "l:en"))
		if !w.contact(t, u.ID).TelegramBlocked {
			t.Fatal("a 403 'blocked' should mark the chat unreachable")
		}
		calls := w.fake.Calls("sendMessage")
		w.deliver(t, telegramtest.Tap(u, "yes"))
		w.clock.Advance(time.Hour)
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := w.fake.Calls("sendMessage"); n != calls {
			t.Fatalf("%d more sends to a blocked chat", n-calls)
		}
		counts, _ := w.store.OutboxCounts(ctx)
		if counts[store.OutboxPending] != 0 {
			t.Fatalf("rows still waiting to retry a blocked chat: %v", counts)
		}
		// The person unblocks (Telegram says "member"), then writes again.
		w.fake.Block(u.ID, false)
		w.deliver(t, telegramtest.MemberStatus(u, "member"))
		if w.contact(t, u.ID).TelegramBlocked {
			t.Fatal("unblocking should make the chat reachable")
		}
		if got := w.deliver(t, telegramtest.Command(u, "/start")); len(got) != 1 {
			t.Fatalf("after unblocking: got:\n%s", texts(got))
		}
		w.deliver(t, telegramtest.MemberStatus(u, "kicked"))
		if !w.contact(t, u.ID).TelegramBlocked {
			t.Fatal("my_chat_member kicked should mark the chat unreachable")
		}
	})
}
