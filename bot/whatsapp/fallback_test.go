package whatsapp_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/vocab"
)

// withSMS makes w send through a WhatsApp sender whose templates are
// templates, and SMS through Twilio (its fake, returned), at prices.
func (w *world) withSMS(t *testing.T, templates map[string]string, prices reach.Prices) *twiliotest.Fake {
	t.Helper()
	const account, token, from = "AC0123456789abcdef0123456789abcdef", "twiliotoken0123", "+96880000000"
	twilio := twiliotest.New(t, twiliotest.Config{AccountSID: account, AuthToken: token, From: from})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	text, err := sms.NewSender(config.Twilio{AccountSID: account, AuthToken: token, From: from, APIBaseURL: twilio.URL(), Rate: 1000},
		sms.Options{Renderer: w.renderer, Pages: w.store, Log: log, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.cfg
	cfg.Templates = templates
	wa, err := whatsapp.NewSender(cfg, whatsapp.Options{Renderer: w.renderer, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	w.dispatcher = notifier.NewDispatcher(w.store, []bot.Sender{unpaced{wa}, text}, w.clock, pipelinetest.Discard(), nil,
		notifier.DispatcherConfig{Prices: prices})
	return twilio
}

func without(kind string) map[string]string {
	m := config.DefaultTemplates()
	delete(m, kind)
	return m
}

// Outside the window a broadcast whose kind has no template goes by SMS to
// someone whose number SMS reaches; to someone WhatsApp knows only by their
// user id it waits, counted and said on the row, and goes as free text
// once they write. A broadcast staff kept to WhatsApp never moves to SMS:
// it waits too. Nothing is dropped.
func TestNoTemplateGoesBySMSOrWaits(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		byNumber := whatsapptest.User{Phone: "+96892000051"}
		byID := whatsapptest.User{ID: "OM.52"}
		w.join(t, byNumber)
		w.join(t, byID)
		w.clock.Advance(30 * time.Hour)
		twilio := w.withSMS(t, without("broadcast"), reach.Prices{})
		before := len(w.fake.Sent())

		b := w.broadcast(t, "سوق المنتجات المنزلية يفتح السبت", "whatsapp", "sms")
		if ways, err := w.store.BroadcastWays(ctx, b.ID); err != nil || len(ways) != 2 || ways["sms"] != 1 || ways["waiting"] != 1 {
			t.Errorf("the broadcast by way: %v, %v; want one by SMS, one waiting", ways, err)
		}
		if got := twilio.To(byNumber.Phone); len(got) != 1 || got[0] != "سوق المنتجات المنزلية يفتح السبت" {
			t.Fatalf("SMS to the number: %q", got)
		}
		if n := len(w.fake.Sent()) - before; n != 0 {
			t.Fatalf("%d WhatsApp messages went, want none", n)
		}
		if n, err := w.store.WaitingForWindow(ctx, 0); err != nil || n != 1 {
			t.Fatalf("waiting for a window: %d, %v; want the user id's 1", n, err)
		}
		c := w.contact(t, vocab.Address{WhatsAppID: byID.ID})
		if n, _ := w.store.WaitingForWindow(ctx, c.ID); n != 1 {
			t.Fatalf("waiting for %s: %d", byID.ID, n)
		}

		w.broadcast(t, "للتذكير: السوق يفتح السبت", "whatsapp")
		if n, _ := w.store.WaitingForWindow(ctx, 0); n != 2 {
			t.Fatalf("a broadcast kept to WhatsApp: %d waiting, want 2", n)
		}
		if got := twilio.To(byNumber.Phone); len(got) != 1 {
			t.Fatalf("a broadcast kept to WhatsApp went by SMS: %q", got)
		}

		// The user id writes: the waiting broadcast goes to them as free text.
		sent := w.say(t, byID, "مرحبا")
		found := false
		for _, m := range sent {
			if m.Request.Type == "text" && m.Request.Text != nil && m.Request.Text.Body == "سوق المنتجات المنزلية يفتح السبت" {
				found = true
			}
			if m.Request.Type == "template" {
				t.Fatalf("a template went to someone who just wrote: %+v", m.Request)
			}
		}
		if !found {
			t.Fatalf("the waiting broadcast did not go when they wrote: %+v", sent)
		}
		if n, _ := w.store.WaitingForWindow(ctx, c.ID); n != 0 {
			t.Fatalf("%d still waiting for someone who wrote", n)
		}
	})
}

// With both a template and SMS, outside the window the message goes the
// cheaper way: SMS when a segment costs less than a template, the template
// when it costs less (or the same).
func TestOutsideTheWindowTheCheaperWay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prices reach.Prices
		bySMS  bool
	}{
		{"template cheaper", reach.Prices{Template: 0.01, SMSSegment: 0.012}, false},
		{"same price", reach.Prices{Template: 0.012, SMSSegment: 0.012}, false},
		{"sms cheaper", reach.Prices{Template: 0.05, SMSSegment: 0.012}, true},
		{"no prices set", reach.Prices{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				u := whatsapptest.User{Phone: "+96892000053"}
				w.join(t, u)
				w.clock.Advance(30 * time.Hour)
				twilio := w.withSMS(t, config.DefaultTemplates(), tc.prices)
				before := len(w.fake.SentTo(u))
				w.broadcast(t, "ورشة التسويق الإلكتروني", "whatsapp", "sms")
				wa := w.fake.SentTo(u)[before:]
				texts := twilio.To(u.Phone)
				if tc.bySMS && (len(texts) != 1 || len(wa) != 0) || !tc.bySMS && (len(texts) != 0 || len(wa) != 1) {
					t.Fatalf("SMS %q, WhatsApp %d; want by SMS %v", texts, len(wa), tc.bySMS)
				}
				if !tc.bySMS {
					wantTemplate(t, wa[0], "tamkeen_broadcast", "ar", "ورشة التسويق الإلكتروني")
				}
			})
		})
	}
}
