package whatsapp_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// smsPerson makes a registered SMS contact named name at number, signed up
// for the first open opportunity, and returns it.
func smsPerson(t *testing.T, w *world, number, name string) *store.Contact {
	t.Helper()
	ctx := context.Background()
	var c *store.Contact
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, _, err = tx.ContactByAddress(vocab.Address{Phone: number}, "ar"); err != nil {
			return err
		}
		now := w.clock.Now()
		c.Name, c.Governorate, c.ConsentAt = name, "muscat", &now
		if err := tx.SaveContact(c); err != nil {
			return err
		}
		open, err := tx.OpenOpportunities(now)
		if err != nil || len(open) == 0 {
			return fmt.Errorf("no open opportunity: %v", err)
		}
		return tx.SetSignup(c.ID, open[0].ID, "registered")
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WhatsApp's wa_id is the number: a person who registered by SMS and now
// writes on WhatsApp from the same number is the same person (greeted by
// name at the menu, with their sign-up), and is answered on WhatsApp.
func TestSMSPersonOnWhatsAppIsOnePerson(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const number = "+96892000030"
		sms := smsPerson(t, w, number, "مريم")
		u := whatsapptest.User{Phone: number, ID: "OM.30"}
		sent := w.say(t, u, "قائمة")
		if len(sent) == 0 || !strings.Contains(sent[0].Show(), "مريم") || sent[0].To != number {
			t.Fatalf("want the menu for مريم on WhatsApp, got\n%s", shows(sent))
		}
		c := w.contact(t, vocab.Address{WhatsAppID: u.ID})
		if c.ID != sms.ID || c.WhatsAppLastInboundAt == nil {
			t.Fatalf("WhatsApp contact %d (last inbound %v), want the SMS contact %d", c.ID, c.WhatsAppLastInboundAt, sms.ID)
		}
		w.choose(t, u, "ms")
		sent = w.fake.SentTo(u)
		if last := sent[len(sent)-1].Show(); !strings.Contains(last, "تجريبي") {
			t.Errorf("the SMS sign-up is not in «my sign-ups» on WhatsApp:\n%s", last)
		}
	})
}

// Someone known only by their WhatsApp user id (a username hides their
// number) is a WhatsApp-only person, answered by "recipient". When they
// share their number through WhatsApp's contact request, and that number
// is an SMS contact's, the two become one: the SMS record keeps its id and
// sign-ups and takes the WhatsApp user id and the conversation.
func TestUserIDOnlyPersonJoinsTheirSMSRecord(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const number = "+96892000031"
		sms := smsPerson(t, w, number, "هدى")
		u := whatsapptest.User{ID: "OM.31", Name: "Huda"}
		sent := w.say(t, u, "مرحبا")
		if len(sent) == 0 || sent[0].Recipient != u.ID || sent[0].To != "" {
			t.Fatalf("a user id alone must be answered by recipient: %+v", sent)
		}
		alone := w.contact(t, vocab.Address{WhatsAppID: u.ID})
		if alone.ID == sms.ID || alone.Phone != nil {
			t.Fatalf("before sharing, the user id is a person of its own: %+v", alone)
		}
		w.choose(t, u, "l:ar")
		sent = w.deliver(t, func() (string, int, error) { return w.fake.Card(u, number, "Huda", "contact_request") })
		if len(sent) == 0 || sent[0].Show() != w.word(t, "ar", "contact.merged") {
			t.Fatalf("sharing the number: want %q, got\n%s", w.word(t, "ar", "contact.merged"), shows(sent))
		}
		one := w.contact(t, vocab.Address{WhatsAppID: u.ID})
		if one.ID != sms.ID || one.Phone == nil || *one.Phone != number {
			t.Fatalf("after sharing: contact %d with phone %v, want the SMS contact %d", one.ID, one.Phone, sms.ID)
		}
		sent = w.say(t, u, "قائمة")
		if len(sent) == 0 || !strings.Contains(sent[0].Show(), "هدى") {
			t.Fatalf("after joining, the menu greets the SMS record's name: %s", shows(sent))
		}
	})
}

// A contact card of the sender's own number (WhatsApp by number) links as
// on Telegram; a card of someone else is only not read.
func TestOwnCardLinks(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := whatsapptest.User{Phone: "+96892000032"}
		w.say(t, u, "مرحبا")
		w.choose(t, u, "l:ar")
		sent := w.deliver(t, func() (string, int, error) { return w.fake.Card(u, u.Phone, "Fatma", "") })
		if len(sent) == 0 || sent[0].Show() != w.word(t, "ar", "contact.linked") {
			t.Fatalf("own card: got\n%s", shows(sent))
		}
	})
}

// STOP, توقف and إيقاف stop everything at once, at every step of
// registration and after it, in Arabic and English: one confirmation, then
// nothing (a broadcast queued afterwards included) until START.
func TestStopWordsStopEverything(t *testing.T) {
	paths := map[string][]string{
		"ar": {"مرحبا", "١", "١", "فاطمة", "١"},
		"en": {"hello", "2", "1", "Fatma", "1"},
	}
	stops := []string{"STOP", "stop", "توقف", "إيقاف", "ايقاف", "  Stop  "}
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		n := 0
		for _, lang := range []string{"ar", "en"} {
			for step := 1; step <= len(paths[lang]); step++ {
				stop := stops[n%len(stops)]
				n++
				u := whatsapptest.User{Phone: fmt.Sprintf("+9689210%04d", n), ID: fmt.Sprintf("OM.9%d", n)}
				name := fmt.Sprintf("%s after %d lines, %q", lang, step, stop)
				for _, in := range paths[lang][:step] {
					w.say(t, u, in)
				}
				replyLang := lang
				if step == 1 {
					replyLang = "ar" // no language chosen yet
				}
				got := w.say(t, u, stop)
				if len(got) != 1 || got[0].Show() != w.word(t, replyLang, "stop.done") {
					t.Errorf("%s: want one confirmation, got\n%s", name, shows(got))
				}
				c := w.contact(t, vocab.Address{WhatsAppID: u.ID})
				if c.OptedOutAt == nil {
					t.Errorf("%s: not opted out", name)
				}
				if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.WhatsApp, Recipient: u.Phone,
					Language: lang, Priority: store.PriorityBulk, Body: "broadcast", DedupeKey: "test:broadcast:" + u.ID}); err != nil {
					t.Fatal(err)
				}
				if err := w.dispatcher.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				if all := w.fake.SentTo(u); all[len(all)-1].Show() == "broadcast" {
					t.Errorf("%s: a broadcast reached a person who said STOP", name)
				}
				got = w.say(t, u, "START")
				if len(got) == 0 || got[0].Show() != w.word(t, replyLang, "stop.resumed") || w.contact(t, vocab.Address{WhatsAppID: u.ID}).OptedOutAt != nil {
					t.Errorf("%s: START: got\n%s", name, shows(got))
				}
			}
		}
	})
}

// The 24-hour window opens when the person wrote, as WhatsApp dates the
// message: a webhook delivered two hours late dates it two hours back; a
// date ahead of our clock counts as now; a repeat changes nothing.
func TestWindowOpensWhenThePersonWrote(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := whatsapptest.User{Phone: "+96892000033", ID: "OM.33"}
		post := func(id string, at time.Time) *store.Contact {
			t.Helper()
			w.deliver(t, func() (string, int, error) {
				code, _, err := w.fake.Notify(map[string]any{"messages": []any{map[string]any{
					"from": strings.TrimPrefix(u.Phone, "+"), "from_user_id": u.ID, "id": id,
					"timestamp": strconv.FormatInt(at.Unix(), 10), "type": "text", "text": map[string]any{"body": "مرحبا"}}}})
				return id, code, err
			})
			return w.contact(t, vocab.Address{WhatsAppID: u.ID})
		}
		late := w.clock.Now().Add(-2 * time.Hour)
		if c := post("wamid.late", late); c.WhatsAppLastInboundAt == nil || !c.WhatsAppLastInboundAt.Equal(late) {
			t.Fatalf("late webhook: window from %v, want %v", c.WhatsAppLastInboundAt, late)
		}
		now := w.clock.Now()
		if c := post("wamid.ahead", now.Add(time.Hour)); !c.WhatsAppLastInboundAt.Equal(now) {
			t.Fatalf("a date ahead of us: window from %v, want now %v", c.WhatsAppLastInboundAt, now)
		}
		if c := post("wamid.late", late.Add(-time.Hour)); !c.WhatsAppLastInboundAt.Equal(now) {
			t.Fatalf("a repeat moved the window to %v", c.WhatsAppLastInboundAt)
		}
	})
}
