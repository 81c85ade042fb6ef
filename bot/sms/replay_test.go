package sms_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/store"
)

// A delivery report counts once per message: the same signed 30003 sent
// three times is one failure (the number stays reachable), and a captured
// 21610 replayed after the person came back with START does not opt them
// out again.
func TestRepeatedStatusCallbacksCountOnce(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		const from = "+96891234560"
		w.text(from, "hello")
		c := w.contact(from)
		if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.SMS, Recipient: from, Priority: store.PriorityNotice,
			Body: "reminder", DedupeKey: "test:replay:1"}); err != nil {
			t.Fatal(err)
		}
		w.drain()
		m, _ := w.lastRow()
		for range inbox.UnreachableAfter {
			w.status(m.SID, "undelivered", 30003)
		}
		if w.contact(from).SMSUnreachable {
			t.Fatal("one message's report, repeated, marked the number unreachable")
		}

		w.status(m.SID, "failed", 21610)
		if w.contact(from).OptedOutAt != nil {
			t.Fatal("a second report on a message already failed opted the number out")
		}

		// A real 21610 on a fresh message opts out; START comes back; the replay changes nothing.
		if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.SMS, Recipient: from, Priority: store.PriorityNotice,
			Body: "news", DedupeKey: "test:replay:2"}); err != nil {
			t.Fatal(err)
		}
		w.drain()
		m2, _ := w.lastRow()
		w.status(m2.SID, "failed", 21610)
		if w.contact(from).OptedOutAt == nil {
			t.Fatal("21610 did not opt out")
		}
		w.text(from, "START")
		if w.contact(from).OptedOutAt != nil {
			t.Fatal("START did not opt back in")
		}
		w.status(m2.SID, "failed", 21610)
		if w.contact(from).OptedOutAt != nil {
			t.Fatal("a replayed 21610 opted the person out again")
		}
	})
}

// Only a phone number is an SMS sender: another channel's address
// (whatsapp:…), keypad letters or a NUL inside From create no contact and
// send nothing.
func TestInboundFromNotAPhoneNumber(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		for i, from := range []string{"whatsapp:+96891234561", "+9689ABCDEFG", "+9689123\x004561", "messenger:1234"} {
			t.Run(strconv.Quote(from), func(t *testing.T) {
				code, _, err := w.fake.Post(sms.InboundPath, w.fake.InboundParams(twiliotest.NewSID("SM"), from, fmt.Sprint("hello ", i)), "")
				if err != nil || code != http.StatusOK {
					t.Fatalf("answered %d, %v; want 200 (dropped, so Twilio does not retry)", code, err)
				}
				w.drain()
				counts, err := w.store.OutboxCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(counts) != 0 || len(w.fake.Messages()) != 0 {
					t.Fatalf("something was queued or sent: %v, %d messages", counts, len(w.fake.Messages()))
				}
			})
		}
	})
}

// A failed call names the address really called (TWILIO_API_BASE_URL), not
// api.twilio.com, which the client library builds every URL on.
func TestErrorsNameTheConfiguredAPIBase(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		s := w.newSender(t, func(c *senderConfig) { c.base = "http://127.0.0.1:1/twilio" }) // nobody listens
		_, err := s.Send(context.Background(), bot.Outgoing{Recipient: "+96891234567", Language: "en", Body: "hi"})
		if kind, _ := bot.KindOf(err); kind != bot.RetryLater {
			t.Fatalf("got %v (%v), want retry later", kind, err)
		}
		if msg := err.Error(); strings.Contains(msg, "api.twilio.com") || !strings.Contains(msg, "http://127.0.0.1:1/twilio/2010-04-01/") {
			t.Fatalf("error %q should name the configured base, not api.twilio.com", msg)
		}
	})
}

// A signed inbound text whose MessageSid is not a Twilio id (NUL, not
// UTF-8, too long) is a 400 and stores nothing, on both databases
// (PostgreSQL would refuse to store it and answer 500 for ever).
func TestInboundWithAForgedMessageSid(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for _, sid := range []string{"SM\x00abc", "SM\xff\xfe", "SM" + strings.Repeat("a", 100), "SM-1"} {
			params := w.fake.InboundParams(sid, "+96891234562", "hello")
			params.Set("SmsSid", sid)
			if code, body, err := w.fake.Post(sms.InboundPath, params, ""); err != nil || code != http.StatusBadRequest {
				t.Fatalf("sid %q: %d %s %v, want 400", sid, code, body, err)
			}
		}
		counts, err := w.store.OutboxCounts(context.Background())
		if err != nil || len(counts) != 0 {
			t.Fatalf("something was queued: %v %v", counts, err)
		}
	})
}
