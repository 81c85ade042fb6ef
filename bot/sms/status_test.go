package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/store"
)

// lastRow returns the outbox row of the last message the fake accepted.
func (w *world) lastRow() (twiliotest.Message, *store.OutboxMessage) {
	w.t.Helper()
	msgs := w.fake.Messages()
	if len(msgs) == 0 {
		w.t.Fatal("nothing was sent")
	}
	m := msgs[len(msgs)-1]
	row, err := w.store.OutboxByProvider(context.Background(), bot.SMS, m.SID)
	if err != nil {
		w.t.Fatalf("outbox row of %s: %v", m.SID, err)
	}
	return m, row
}

func (w *world) status(sid, status string, code int) {
	w.t.Helper()
	if got, err := w.fake.Status(sid, status, code); err != nil || got != http.StatusNoContent {
		w.t.Fatalf("status %s %s: %d %v", sid, status, got, err)
	}
}

// TestStatusCallbacks: Twilio's reports move outbox rows forward; 21610
// opts the number out; 30003/30005/30006 mark it unreachable after repeated
// failures, and a delivery or a text from the number undoes that.
func TestStatusCallbacks(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		const from = "+96891234567"
		w.text(from, "hello")
		m, row := w.lastRow()
		if row.Status != store.OutboxSent {
			t.Fatalf("row %d: %s", row.ID, row.Status)
		}
		if m.StatusCallback != publicURL+sms.StatusPath {
			t.Errorf("status callback %q", m.StatusCallback)
		}
		for _, st := range []string{"queued", "sent", "delivered", "sent"} { // a late "sent" does not undo "delivered"
			w.status(m.SID, st, 0)
		}
		if _, row = w.lastRow(); row.Status != store.OutboxDelivered {
			t.Errorf("after delivered: %s", row.Status)
		}

		// A forged report changes nothing.
		params := url.Values{"MessageSid": {m.SID}, "MessageStatus": {"failed"}, "ErrorCode": {"21610"}}
		if code, _, _ := w.fake.Post(sms.StatusPath, params, "-"); code != http.StatusForbidden {
			t.Errorf("unsigned status: %d", code)
		}
		if code, _, _ := w.fake.Post(sms.StatusPath, params, publicURL+sms.InboundPath); code != http.StatusForbidden {
			t.Errorf("status signed for another URL: %d", code)
		}
		if c := w.contact(from); c.OptedOutAt != nil {
			t.Fatal("a forged report opted the number out")
		}

		// An unknown sid is fine (a message of another system on the same account).
		if code, _, _ := w.fake.Post(sms.StatusPath, url.Values{"MessageSid": {"SMunknown"}, "MessageStatus": {"delivered"}}, ""); code != http.StatusNoContent {
			t.Errorf("unknown sid: %d", code)
		}

		// Dead handset: unreachable after UnreachableAfter failures in a row.
		c := w.contact(from)
		for i, code := range []int{30003, 30005, 30006} {
			if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.SMS, Recipient: from, Priority: store.PriorityNotice,
				Body: "reminder", DedupeKey: "test:reminder:" + strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
			w.drain()
			m, _ := w.lastRow()
			w.status(m.SID, "undelivered", code)
			if _, row := w.lastRow(); row.Status != store.OutboxFailed || row.Error == "" {
				t.Errorf("undelivered row: %s %q", row.Status, row.Error)
			}
			if got, want := w.contact(from).SMSUnreachable, i+1 >= inbox.UnreachableAfter; got != want {
				t.Errorf("after %d failures unreachable=%v, want %v", i+1, got, want)
			}
		}
		// Nothing more goes to an unreachable number...
		if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.SMS, Recipient: from, Priority: store.PriorityBulk, Body: "news", DedupeKey: "test:news"}); err != nil {
			t.Fatal(err)
		}
		n := len(w.fake.Messages())
		w.drain()
		if len(w.fake.Messages()) != n {
			t.Error("a message went to an unreachable number")
		}
		// ...until the person texts again: the number works.
		if got := w.text(from, "menu"); len(got) == 0 {
			t.Error("no reply after the number texted us")
		}
		if w.contact(from).SMSUnreachable {
			t.Error("still unreachable after a text from the number")
		}

		// Carrier-level unsubscribe.
		m, _ = w.lastRow()
		w.status(m.SID, "failed", 21610)
		if w.contact(from).OptedOutAt == nil {
			t.Error("21610 did not opt the number out")
		}
	})
}

// TestProviderErrors: each Twilio answer becomes the right decision, through
// the real twilio-go client against the fake.
func TestProviderErrors(t *testing.T) {
	tests := []struct {
		name   string
		to     string
		setup  func(f *twiliotest.Fake, to string)
		kind   bot.ErrorKind
		after  time.Duration
		global bool // the whole account must slow down (bot.ScopeChannel)
	}{
		{"invalid number 21211", "+12", nil, bot.Permanent, 0, false},
		{"landline 21614", "+96824111111", func(f *twiliotest.Fake, to string) { f.Landline(to) }, bot.Permanent, 0, false},
		{"unsubscribed 21610", "+96891111111", func(f *twiliotest.Fake, to string) { f.OptOut(to) }, bot.OptedOut, 0, false},
		{"too many requests 20429", "+96891111112", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 429, Code: 20429, Message: "Too Many Requests"})
		}, bot.RetryLater, 0, true},
		{"bare 429 with Retry-After", "+96891111113", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 429, RetryAfter: 7})
		}, bot.RetryLater, 7 * time.Second, true},
		{"server error 500", "+96891111114", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 500, Code: 20500, Message: "Internal Server Error"})
		}, bot.RetryLater, 0, false},
		{"bad gateway without JSON", "+96891111115", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 502})
		}, bot.RetryLater, 0, false},
		{"auth 20003", "+96891111116", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 401, Code: 20003, Message: "Authenticate"})
		}, bot.BadConfig, 0, false},
		{"sender not ours 21606", "+96891111117", func(f *twiliotest.Fake, to string) {
			f.FailNext(to, twiliotest.Failure{HTTPStatus: 400, Code: 21606})
		}, bot.BadConfig, 0, false},
	}
	each(t, func(t *testing.T, w *world) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.setup != nil {
					tt.setup(w.fake, tt.to)
				}
				_, err := w.sender.Send(context.Background(), bot.Outgoing{ID: 1, Recipient: tt.to, Language: "en", Body: "hello"})
				var se *bot.SendError
				if !errors.As(err, &se) {
					t.Fatalf("want a *bot.SendError, got %v", err)
				}
				if global := se.Scope == bot.ScopeChannel; se.Kind != tt.kind || se.RetryAfter != tt.after || global != tt.global {
					t.Errorf("got %v after=%v scope=%v, want %v after=%v global=%v (%v)", se.Kind, se.RetryAfter, se.Scope, tt.kind, tt.after, tt.global, err)
				}
				if len(tt.to) > 4 && strings.Contains(err.Error(), tt.to) {
					t.Errorf("the error quotes the phone number, which would reach logs and the outbox: %v", err)
				}
			})
		}
	})
}

// TestWrongCredentials: a wrong token is a configuration error, and the
// fake refuses it as Twilio does.
func TestWrongCredentials(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		s := w.newSender(t, func(c *senderConfig) { c.token = "ffffffffffffffffffffffffffffffff" })
		_, err := s.Send(context.Background(), bot.Outgoing{Recipient: "+96891234567", Language: "en", Body: "hi"})
		if kind, _ := bot.KindOf(err); kind != bot.BadConfig {
			t.Errorf("got %v (%v), want bad config", kind, err)
		}
		s = w.newSender(t, func(c *senderConfig) { c.base = "http://127.0.0.1:1" }) // nobody listens
		_, err = s.Send(context.Background(), bot.Outgoing{Recipient: "+96891234567", Language: "en", Body: "hi"})
		if kind, _ := bot.KindOf(err); kind != bot.RetryLater {
			t.Errorf("unreachable API: got %v (%v), want retry later", kind, err)
		}
	})
}
