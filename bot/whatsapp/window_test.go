package whatsapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// join brings u in as a consenting Arabic-speaking person (مرحبا, then
// Arabic, then "I agree") and returns their contact.
func (w *world) join(t *testing.T, u whatsapptest.User) *store.Contact {
	t.Helper()
	w.say(t, u, "مرحبا")
	w.say(t, u, "1")
	w.say(t, u, "1")
	c := w.contact(t, vocab.Address{Phone: u.Phone, WhatsAppID: u.ID})
	if c.ConsentAt == nil {
		t.Fatalf("%s has not consented", u.Phone)
	}
	return c
}

// broadcast sends text to everyone on channels and drains the outbox.
func (w *world) broadcast(t *testing.T, text string, channels ...string) *store.Broadcast {
	t.Helper()
	ctx := context.Background()
	b := &store.Broadcast{Texts: map[string]string{"ar": text, "en": text}, Audience: store.Audience{All: true}, Channels: channels, SendAt: w.clock.Now()}
	if err := w.store.CreateBroadcast(ctx, b); err != nil {
		t.Fatal(err)
	}
	for {
		ex, err := w.store.ExpandBroadcast(ctx, b.ID, 100, store.PriorityBulk, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if ex.Done {
			break
		}
	}
	if err := w.dispatcher.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

// last is the last message that went to u.
func last(t *testing.T, f *whatsapptest.Fake, u whatsapptest.User) whatsapptest.Sent {
	t.Helper()
	sent := f.SentTo(u)
	if len(sent) == 0 {
		t.Fatalf("nothing went to %s", u.Phone)
	}
	return sent[len(sent)-1]
}

// wantTemplate fails unless m is template name in lang carrying text.
func wantTemplate(t *testing.T, m whatsapptest.Sent, name, lang, text string) {
	t.Helper()
	tpl := m.Request.Template
	if m.Request.Type != "template" || tpl == nil || tpl.Name != name || tpl.Language.Code != lang ||
		len(tpl.Components) != 1 || len(tpl.Components[0].Parameters) != 1 || tpl.Components[0].Parameters[0].Text != text {
		t.Fatalf("want template %s (%s) carrying %q, got %+v", name, lang, text, m.Request)
	}
}

// A broadcast reaches someone who wrote an hour ago as a free text, and
// someone who wrote two days ago as the approved broadcast template in
// their language, the announcement in its parameter; WhatsApp refuses
// nothing, and the row records the template.
func TestBroadcastInsideTheWindowAsTextOutsideAsTemplate(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		away := whatsapptest.User{Phone: "+96892000041"}
		here := whatsapptest.User{Phone: "+96892000042"}
		w.join(t, away)
		w.clock.Advance(47 * time.Hour)
		w.join(t, here)
		w.clock.Advance(time.Hour)
		text := "ورشة تعبئة وتغليف المنتجات يوم الأحد في مسقط.\nالتسجيل من القائمة."
		b := w.broadcast(t, text, "whatsapp")
		if ways, err := w.store.BroadcastWays(ctx, b.ID); err != nil || len(ways) != 2 || ways["whatsapp"] != 1 || ways["whatsapp_template"] != 1 {
			t.Errorf("the broadcast by way: %v, %v; want one text, one template", ways, err)
		}
		if m := last(t, w.fake, here); m.Request.Type != "text" || m.Request.Text == nil || m.Request.Text.Body != text {
			t.Fatalf("inside the window: %+v", m.Request)
		}
		m := last(t, w.fake, away)
		wantTemplate(t, m, "tamkeen_broadcast", "ar", whatsapp.Param(text))
		if n := len(w.fake.Refused()); n != 0 {
			t.Fatalf("WhatsApp refused %d messages: %+v", n, w.fake.Refused())
		}
		row, err := w.store.OutboxByProvider(ctx, "whatsapp", m.WAMID)
		if err != nil || row.Template != "tamkeen_broadcast" || row.Kind != "broadcast" || row.Status != store.OutboxSent {
			t.Fatalf("the template's row: %+v, %v", row, err)
		}
	})
}

// staleWindow makes our record say u wrote an hour ago while WhatsApp
// knows they wrote a day and more ago: the window WhatsApp keeps closed
// earlier than ours (its own clock, a message we never saw).
func (w *world) staleWindow(t *testing.T, c *store.Contact) {
	t.Helper()
	w.clock.Advance(25 * time.Hour)
	if err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.SetWhatsAppInbound(map[int64]time.Time{c.ID: w.clock.Now().Add(-time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
}

// WhatsApp's 131047 in answer to a free message: the window is marked
// closed, the same message goes at once as its template (one message
// reaches the person, not two), and the next one goes as a template
// straight away, until the person writes; then free text again.
func TestWindowClosedOnSendGoesAgainAsTemplate(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000043"}
		c := w.join(t, u)
		w.staleWindow(t, c)
		before := len(w.fake.SentTo(u))
		w.broadcast(t, "معرض الأسر المنتجة غدا", "whatsapp")
		sent := w.fake.SentTo(u)[before:]
		if len(sent) != 1 {
			t.Fatalf("%d messages reached them, want the template alone: %+v", len(sent), sent)
		}
		wantTemplate(t, sent[0], "tamkeen_broadcast", "ar", "معرض الأسر المنتجة غدا")
		refused := w.fake.Refused()
		if len(refused) != 1 || refused[0].Code != whatsapp.CodeReEngagement {
			t.Fatalf("refusals: %+v, want one 131047", refused)
		}
		if c := w.contact(t, vocab.Address{Phone: u.Phone}); c.WhatsAppWindowClosedAt == nil {
			t.Fatal("the closed window is not recorded")
		}
		// The next message goes as a template without trying free text.
		if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: "whatsapp", Recipient: u.Phone, Language: "ar",
			Priority: store.PriorityNotice, Body: "تذكير", DedupeKey: "reminder:signup:1:24h"}); err != nil {
			t.Fatal(err)
		}
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		wantTemplate(t, last(t, w.fake, u), "tamkeen_reminder", "ar", "تذكير")
		if n := len(w.fake.Refused()); n != 1 {
			t.Fatalf("%d refusals, want still 1", n)
		}
		// They write, a minute later: replies are free text again.
		w.clock.Advance(time.Minute)
		if m := w.say(t, u, "مساعدة"); len(m) == 0 || m[0].Request.Type == "template" {
			t.Fatalf("after they wrote: %+v", m)
		}
	})
}

// The same when WhatsApp accepts the free message and refuses it later in
// a failed status: the message goes again at once as its template, and a
// repeat of that status sends nothing more.
func TestWindowClosedInAStatus(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000024"}
		c := w.join(t, u)
		w.staleWindow(t, c)
		before := len(w.fake.SentTo(u))
		w.broadcast(t, "فرص تدريب جديدة", "whatsapp")
		first := w.fake.SentTo(u)[before:]
		if len(first) != 1 || first[0].Request.Type != "text" {
			t.Fatalf("first: %+v", first)
		}
		if n, err := w.fake.FlushStatuses(); err != nil || n != 1 {
			t.Fatalf("statuses flushed: %d, %v", n, err)
		}
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		again := w.fake.SentTo(u)[before+1:]
		if len(again) != 1 {
			t.Fatalf("%d messages after the failed status, want the template once", len(again))
		}
		wantTemplate(t, again[0], "tamkeen_broadcast", "ar", "فرص تدريب جديدة")
		// The same failed status again (WhatsApp repeats, or someone replays it).
		if _, err := w.fake.Status(first[0].WAMID, "failed", whatsapp.CodeReEngagement); err != nil {
			t.Fatal(err)
		}
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(w.fake.SentTo(u)) - before; n != 2 {
			t.Fatalf("%d messages in all, want 2 (the refused text and its template)", n)
		}
		row, err := w.store.OutboxByProvider(ctx, "whatsapp", again[0].WAMID)
		if err != nil || row.Template != "tamkeen_broadcast" || row.Status != store.OutboxSent || !strings.HasPrefix(row.DedupeKey, "broadcast:") {
			t.Fatalf("the row: %+v, %v", row, err)
		}
	}, func(c *whatsapptest.Config) { c.WindowInStatus = true })
}
