package sms_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// t0 is a Monday morning in Muscat.
var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

const (
	publicURL = "https://tamkeen.example.org"
	account   = "AC00000000000000000000000000000001"
	token     = "0123456789abcdef0123456789abcdef"
	ourNumber = "+96824000000"
)

// world is the SMS channel end to end on a real database: the fake Twilio
// posts signed webhooks to the service's HTTP handlers, the inbox runs the
// flows, and the dispatcher sends through the real twilio-go client back to
// the fake.
type world struct {
	t          *testing.T
	store      *store.Store
	clock      *clock.Manual
	bundle     *locales.Bundle
	fake       *twiliotest.Fake
	sender     *sms.Sender
	dispatcher *notifier.Dispatcher
	inbox      *inbox.Inbox
	appURL     string // where the service listens (not the public URL)
	renderer   *bot.Renderer
}

func newWorld(t *testing.T, s *store.Store, clk *clock.Manual) *world {
	t.Helper()
	return newWorldIn(t, s, clk, "")
}

// newWorldIn is newWorld with the pack of country ("" for the default, Oman).
func newWorldIn(t *testing.T, s *store.Store, clk *clock.Manual, country string) *world {
	t.Helper()
	p := pipelinetest.NewFor(t, s, clk, country)
	log := p.Log
	w := &world{t: t, store: s, clock: clk, bundle: p.Bundle}
	w.fake = twiliotest.New(t, twiliotest.Config{AccountSID: account, AuthToken: token, From: ourNumber, PublicURL: publicURL})
	w.renderer = p.Renderer
	w.sender = w.newSender(t, nil)
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{w.sender}, clk, log, nil, notifier.DispatcherConfig{})
	w.inbox = p.Inbox
	wh, err := sms.NewWebhooks(sms.WebhookOptions{
		AuthToken: token, PublicURL: publicURL, Region: p.Bundle.Content.Pack.PhoneRegion, Inbox: w.inbox, Receipts: w.inbox, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+sms.InboundPath, wh.Inbound())
	mux.Handle("POST "+sms.StatusPath, wh.Status())
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	w.appURL = app.URL
	w.fake.SetApp(app.URL)
	return w
}

// text sends body from number as a signed inbound SMS, lets the dispatcher
// send what is due, and returns the texts that reached number meanwhile.
func (w *world) text(from, body string) []string {
	w.t.Helper()
	before := len(w.fake.To(from))
	_, code, err := w.fake.Text(sms.InboundPath, from, body)
	if err != nil || code != http.StatusOK {
		w.t.Fatalf("%s> %s: webhook answered %d, %v", from, body, code, err)
	}
	w.drain()
	w.clock.Advance(time.Minute)
	return w.fake.To(from)[before:]
}

func (w *world) drain() {
	w.t.Helper()
	if err := w.dispatcher.Drain(context.Background()); err != nil {
		w.t.Fatalf("drain: %v", err)
	}
}

// number finds the option whose label contains label in the texts and
// returns its number, written in Arabic-Indic digits when arabic.
func number(t *testing.T, texts []string, label string, arabic bool) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^([0-9]+)\. (.*)$`)
	for i := len(texts) - 1; i >= 0; i-- {
		for _, m := range re.FindAllStringSubmatch(texts[i], -1) {
			if strings.Contains(m[2], label) {
				if !arabic {
					return m[1]
				}
				return strings.Map(func(r rune) rune { return r - '0' + '٠' }, m[1])
			}
		}
	}
	t.Fatalf("no option %q in:\n%s", label, strings.Join(texts, "\n---\n"))
	return ""
}

func (w *world) word(lang, key string) string {
	w.t.Helper()
	s, err := w.bundle.Text(lang, key, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *world) contact(phone string) *store.Contact {
	w.t.Helper()
	var found *store.Contact
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(vocab.Address{Phone: phone}, "")
		found = c
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return found
}

// senderConfig is what a test may change in the sender's settings.
type senderConfig struct {
	token, base, from, service string
}

// newSender returns a sender for the fake account, changed by edit (may be nil).
func (w *world) newSender(t *testing.T, edit func(*senderConfig)) *sms.Sender {
	t.Helper()
	c := senderConfig{token: token, base: w.fake.URL(), from: ourNumber}
	if edit != nil {
		edit(&c)
	}
	cfg := config.Twilio{AccountSID: account, AuthToken: c.token, From: c.from, MessagingServiceSID: c.service, APIBaseURL: c.base, Rate: 1000}
	s, err := sms.NewSender(cfg, sms.Options{
		PublicURL: publicURL, Renderer: w.renderer, Pages: w.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
