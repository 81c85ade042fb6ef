package whatsapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Meta's subscription check: only mode "subscribe" with the verify token
// gets the challenge back.
func TestVerifySubscription(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		tests := []struct {
			mode, token string
			code        int
		}{
			{"subscribe", whatsapptest.VerifyToken, http.StatusOK},
			{"subscribe", whatsapptest.VerifyToken + "x", http.StatusForbidden},
			{"subscribe", "", http.StatusForbidden},
			{"unsubscribe", whatsapptest.VerifyToken, http.StatusForbidden},
			{"", whatsapptest.VerifyToken, http.StatusForbidden},
		}
		for _, tt := range tests {
			code, echoed, err := w.fake.Subscribe(tt.mode, tt.token)
			if err != nil || code != tt.code || echoed != (tt.code == http.StatusOK) {
				t.Errorf("mode %q token %q: %d (challenge echoed %v), %v; want %d", tt.mode, tt.token, code, echoed, err, tt.code)
			}
		}
	})
}

// A notification must carry the app secret's signature of its raw body:
// without one the answer is 401, with a wrong one 403, and in neither case
// is anything stored or answered. A signed body that is not JSON is 400,
// one over the size limit 413.
func TestSignatureGuardsTheWebhook(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		body, _ := json.Marshal(map[string]any{
			"object": "whatsapp_business_account",
			"entry": []any{map[string]any{"id": "1", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]any{"phone_number_id": whatsapptest.PhoneNumberID},
				"messages":          []any{map[string]any{"from": "96892000020", "id": "wamid.sig", "timestamp": strconv.FormatInt(w.clock.Now().Unix(), 10), "type": "text", "text": map[string]any{"body": "مرحبا"}}},
			}}}}},
		})
		good := w.fake.Signature(body)
		other := whatsapptest.New(t, whatsapptest.Config{AppSecret: "another app's secret"}).Signature(body)
		tampered := bytes.Replace(body, []byte("مرحبا"), []byte("STOP!"), 1)
		tests := []struct {
			name string
			body []byte
			sig  string
			code int
		}{
			{"no signature", body, "", http.StatusUnauthorized},
			{"another secret", body, other, http.StatusForbidden},
			{"the body changed", tampered, good, http.StatusForbidden},
			{"sha1", body, "sha1=" + strings.TrimPrefix(good, "sha256="), http.StatusForbidden},
			{"no prefix", body, strings.TrimPrefix(good, "sha256="), http.StatusForbidden},
			{"cut short", body, good[:len(good)-2], http.StatusForbidden},
			{"upper-case hex of another", body, strings.ToUpper(other), http.StatusForbidden},
		}
		for _, tt := range tests {
			code, _, err := w.fake.Post(tt.body, tt.sig)
			if err != nil || code != tt.code {
				t.Errorf("%s: %d, %v; want %d", tt.name, code, err, tt.code)
			}
		}
		if n := contacts(t, w.store); n != 0 || len(w.fake.Sent()) != 0 {
			t.Fatalf("refused notifications left %d contacts and %d messages", n, len(w.fake.Sent()))
		}
		notJSON := []byte(`{"object": "whatsapp_business_account", "entry": [`)
		if code, _, _ := w.fake.Post(notJSON, w.fake.Signature(notJSON)); code != http.StatusBadRequest {
			t.Errorf("signed bad JSON: %d, want 400", code)
		}
		huge := bytes.Repeat([]byte(" "), whatsapp.MaxWebhookBody+1)
		if code, _, _ := w.fake.Post(huge, w.fake.Signature(huge)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("over the limit: %d, want 413", code)
		}
		if code, _, _ := w.fake.Post(body, good); code != http.StatusOK {
			t.Fatalf("the signed notification: %d", code)
		}
		if err := w.dispatcher.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(w.fake.Sent()); n != 1 {
			t.Fatalf("the signed notification got %d replies, want the greeting", n)
		}
	})
}

func contacts(t *testing.T, s *store.Store) int {
	t.Helper()
	n := 0
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		found, err := tx.ContactsByAddresses([]vocab.Address{{ConsoleUser: "probe"}}, []string{"ar"})
		n = int(found["c:probe"].ID) - 1 // ids count up from 1: the probe is the next
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Meta delivers at least once: the same message posted again (its wamid)
// is answered once.
func TestRepeatedMessageAnsweredOnce(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := whatsapptest.User{Phone: "+96892000021", ID: "OM.21"}
		w.say(t, u, "مرحبا")
		before := len(w.fake.Sent())
		body, _ := json.Marshal(map[string]any{
			"object": "whatsapp_business_account",
			"entry": []any{map[string]any{"id": "1", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]any{"phone_number_id": whatsapptest.PhoneNumberID},
				"messages": []any{map[string]any{"from": "96892000021", "from_user_id": "OM.21", "id": "wamid.again",
					"timestamp": "1700000000", "type": "text", "text": map[string]any{"body": "1"}}},
			}}}}},
		})
		for range 3 {
			if code, _, err := w.fake.Post(body, w.fake.Signature(body)); err != nil || code != http.StatusOK {
				t.Fatalf("%d, %v", code, err)
			}
			if err := w.dispatcher.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(w.fake.Sent()) - before; n != 1 {
			t.Fatalf("one message posted three times got %d replies, want 1", n)
		}
	})
}

// What WhatsApp can carry that is not text (a photo, a voice note, a
// location, a sticker, someone else's contact card, a type WhatsApp itself
// cannot show) gets the same answer as on Telegram: only text is read,
// then the question again. Reactions and system notices get no answer.
func TestUnreadableGetsTheTelegramAnswer(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := whatsapptest.User{Phone: "+96892000022", ID: "OM.22"}
		w.say(t, u, "مرحبا")
		want := w.word(t, "ar", "input.unreadable")
		posts := map[string]func() (string, int, error){
			"someone else's card": func() (string, int, error) { return w.fake.Card(u, "+96891111111", "Huda", "") },
		}
		for _, kind := range []string{"image", "audio", "voice", "video", "document", "sticker", "location", "unsupported"} {
			posts[kind] = func() (string, int, error) { return w.fake.Media(u, kind) }
		}
		for name, post := range posts {
			sent := w.deliver(t, post)
			if len(sent) < 2 || sent[0].Show() != want || !strings.Contains(sent[1].Show(), "English") {
				t.Errorf("%s: got\n%s\nwant %q, then the language question", name, shows(sent), want)
			}
		}
		for _, kind := range []string{"reaction", "system"} {
			if sent := w.deliver(t, func() (string, int, error) { return w.fake.Inbound(u, kind, nil) }); len(sent) != 0 {
				t.Errorf("%s answered: %s", kind, shows(sent))
			}
		}
		// Staff see the kind of each, and no words of it.
		count := map[string]int{}
		for _, m := range w.kept(t, vocab.Address{Phone: u.Phone}) {
			count[m.Kind]++
			if m.Kind != store.InboundText && m.Text != nil {
				t.Errorf("a %s keeps the text %q", m.Kind, *m.Text)
			}
		}
		wantKinds := map[string]int{"text": 1, "photo": 1, "voice": 2, "video": 1, "document": 1, "sticker": 1, "location": 1, "other": 1, "contact": 1}
		if fmt.Sprint(count) != fmt.Sprint(wantKinds) {
			t.Errorf("kept %v, want %v", count, wantKinds)
		}
	})
}

// kept is what the person at a wrote, as stored for staff.
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

// Statuses become receipts: delivered and read mark the message
// delivered; three undeliverable reports (131026) in a row mark the person
// unreachable on WhatsApp, and a message from them makes them reachable
// again; a closed window (131047) is recorded on the person.
func TestStatusesBecomeReceipts(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000023", ID: "OM.23"}
		sent := w.say(t, u, "مرحبا")
		if code, err := w.fake.Status(sent[0].WAMID, "delivered", 0); err != nil || code != http.StatusOK {
			t.Fatalf("status: %d %v", code, err)
		}
		if code, err := w.fake.Status(sent[0].WAMID, "read", 0); err != nil || code != http.StatusOK {
			t.Fatalf("status: %d %v", code, err)
		}
		row, err := w.store.OutboxByProvider(ctx, "whatsapp", sent[0].WAMID)
		if err != nil || row.Status != store.OutboxDelivered {
			t.Fatalf("after delivered: %+v, %v", row, err)
		}
		c := w.contact(t, vocab.Address{WhatsAppID: u.ID})
		for i := range 3 {
			if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: "whatsapp", Recipient: u.Phone,
				Priority: store.PriorityNotice, Body: "notice", DedupeKey: "notice:" + string(rune('a'+i))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		notices := w.fake.SentTo(u)[1:]
		if len(notices) != 3 {
			t.Fatalf("%d notices sent, want 3", len(notices))
		}
		for i, m := range notices {
			if code, err := w.fake.Status(m.WAMID, "failed", whatsapp.CodeUndeliverable); err != nil || code != http.StatusOK {
				t.Fatalf("status: %d %v", code, err)
			}
			if c := w.contact(t, vocab.Address{WhatsAppID: u.ID}); c.WhatsAppUnreachable != (i == 2) || c.WhatsAppFailures != i+1 {
				t.Fatalf("after %d failures: unreachable %v, failures %d", i+1, c.WhatsAppUnreachable, c.WhatsAppFailures)
			}
		}
		w.say(t, u, "مرحبا")
		if c := w.contact(t, vocab.Address{WhatsAppID: u.ID}); c.WhatsAppUnreachable || c.WhatsAppFailures != 0 {
			t.Fatalf("a message from them must make them reachable again: unreachable %v, failures %d", c.WhatsAppUnreachable, c.WhatsAppFailures)
		}
		last := w.fake.SentTo(u)
		wamid := last[len(last)-1].WAMID
		if _, err := w.fake.Status(wamid, "failed", whatsapp.CodeReEngagement); err != nil {
			t.Fatal(err)
		}
		if c := w.contact(t, vocab.Address{WhatsAppID: u.ID}); c.WhatsAppWindowClosedAt == nil {
			t.Fatal("a closed window (131047) is not recorded on the person")
		}
	})
}
