package sms_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

func each(t *testing.T, fn func(t *testing.T, w *world)) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		fn(t, newWorld(t, s, clock.NewManual(t0)))
	})
}

// TestInboundSignature: only a text signed by Twilio for the public address
// is taken; anything else is refused with 403 and leaves no trace.
func TestInboundSignature(t *testing.T) {
	const from = "+96891234567"
	tests := []struct {
		name      string
		signedFor string // "" the public URL, "-" unsigned
		token     string // signing key ("" the account's)
		tamper    bool   // change the body after signing
		want      int
	}{
		{"signed for the public URL", "", "", false, http.StatusOK},
		{"unsigned", "-", "", false, http.StatusForbidden},
		{"signed for the listener's own address", "http://127.0.0.1:8080" + sms.InboundPath, "", false, http.StatusForbidden},
		{"signed for another path", publicURL + sms.StatusPath, "", false, http.StatusForbidden},
		{"signed for another host", "https://evil.example.org" + sms.InboundPath, "", false, http.StatusForbidden},
		{"signed with another token", "", "ffffffffffffffffffffffffffffffff", false, http.StatusForbidden},
		{"body changed after signing", "", "", true, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				params := w.fake.InboundParams(twiliotest.NewSID("SM"), from, "hello")
				signedFor := tt.signedFor
				if signedFor == "" {
					signedFor = publicURL + sms.InboundPath
				}
				req, err := http.NewRequest(http.MethodPost, w.appURL+sms.InboundPath, nil)
				if err != nil {
					t.Fatal(err)
				}
				tok := tt.token
				if tok == "" {
					tok = token
				}
				sig := twiliotest.Sign(tok, signedFor, params)
				if tt.tamper {
					params.Set("Body", "STOP")
				}
				code, body := post(t, req, params, sig, signedFor != "-")
				if code != tt.want {
					t.Fatalf("status %d, want %d (%s)", code, tt.want, body)
				}
				w.drain()
				counts, err := w.store.OutboxCounts(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if tt.want == http.StatusOK {
					if !strings.Contains(body, "<Response/>") {
						t.Errorf("want empty TwiML, got %q", body)
					}
					if len(w.fake.To(from)) != 1 {
						t.Errorf("want the greeting, got %q", w.fake.To(from))
					}
					return
				}
				if len(counts) != 0 || len(w.fake.Messages()) != 0 {
					t.Errorf("a refused webhook stored or sent something: outbox %v, sent %d", counts, len(w.fake.Messages()))
				}
				// Nothing stored: the same MessageSid, properly signed, is still new.
				params.Set("Body", "hello")
				code, _ = post(t, req, params, twiliotest.Sign(token, publicURL+sms.InboundPath, params), true)
				w.drain()
				if code != http.StatusOK || len(w.fake.To(from)) != 1 {
					t.Errorf("the genuine message after a forged one: status %d, replies %d", code, len(w.fake.To(from)))
				}
			})
		})
	}
}

func post(t *testing.T, req *http.Request, params url.Values, sig string, signed bool) (int, string) {
	t.Helper()
	r := req.Clone(context.Background())
	r.Body = http.NoBody
	enc := params.Encode()
	r.Body = io.NopCloser(strings.NewReader(enc))
	r.ContentLength = int64(len(enc))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signed {
		r.Header.Set("X-Twilio-Signature", sig)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b := new(strings.Builder)
	_, _ = io.Copy(b, res.Body)
	return res.StatusCode, b.String()
}

// TestDuplicateMessageSid: Twilio retries a webhook it thinks failed; the
// same MessageSid is handled once.
func TestDuplicateMessageSid(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const from = "+96891234567"
		params := w.fake.InboundParams("SM0123456789abcdef0123456789abcdef", from, "hello")
		for i := 0; i < 3; i++ {
			code, body, err := w.fake.Post(sms.InboundPath, params, "")
			if err != nil || code != http.StatusOK || !strings.Contains(body, "<Response/>") {
				t.Fatalf("try %d: %d %q %v", i, code, body, err)
			}
		}
		w.drain()
		if got := w.fake.To(from); len(got) != 1 {
			t.Fatalf("want one greeting, got %d: %q", len(got), got)
		}
		// A repeated "more" request is handled once too: a long notice is paged.
		c := w.contact(from)
		if _, err := w.store.Enqueue(context.Background(), &store.OutboxMessage{
			ContactID: c.ID, Channel: bot.SMS, Recipient: from, Language: "ar", Priority: store.PriorityNotice,
			Body: strings.Repeat("نص طويل من تمكين. ", 25), DedupeKey: "test:long-notice",
		}); err != nil {
			t.Fatal(err)
		}
		w.drain()
		got := w.fake.To(from)[1:]
		if len(got) != 1 || !strings.HasSuffix(got[0], w.moreLine("ar")) {
			t.Fatalf("want the first page of the long notice, got %q", got)
		}
		more := w.fake.InboundParams(twiliotest.NewSID("SM"), from, "٩")
		for i := 0; i < 2; i++ {
			if code, _, err := w.fake.Post(sms.InboundPath, more, ""); err != nil || code != http.StatusOK {
				t.Fatalf("more: %d %v", code, err)
			}
		}
		w.drain()
		if got := w.fake.To(from); len(got) != 3 {
			t.Fatalf("want greeting, page 1, page 2; got %d: %q", len(got), got)
		}
	})
}

// TestInboundFromNoPhoneNumber: a text from an alphanumeric sender or a bad
// number is dropped (200, so Twilio does not retry) and nothing is stored.
func TestInboundFromNoPhoneNumber(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for _, from := range []string{"TAMKEEN", "+1", ""} {
			code, body, err := w.fake.Post(sms.InboundPath, w.fake.InboundParams(twiliotest.NewSID("SM"), from, "hi"), "")
			if err != nil || code != http.StatusOK || !strings.Contains(body, "<Response/>") {
				t.Errorf("from %q: %d %q %v", from, code, body, err)
			}
		}
		w.drain()
		if counts, _ := w.store.OutboxCounts(context.Background()); len(counts) != 0 {
			t.Errorf("outbox: %v", counts)
		}
	})
}
