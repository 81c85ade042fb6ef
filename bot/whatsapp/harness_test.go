package whatsapp_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// templates are the approved templates the fake knows in tests: those the
// README asks the program to register, in Arabic and English.
var templates = whatsapptest.Registered(slices.Sorted(maps.Values(config.DefaultTemplates()))...)

// world is serve's pieces around one fake Cloud API: the inbox, the
// dispatcher, and the channel with its webhook on a real HTTP server.
type world struct {
	fake       *whatsapptest.Fake
	store      *store.Store
	clock      *clock.Manual
	ch         *whatsapp.Channel
	cfg        config.WhatsApp
	dispatcher *notifier.Dispatcher
	renderer   *bot.Renderer
	logs       *syncBuffer // everything the channel logged, at debug level
}

// newWorld builds the pieces on s, whose clock must be clk; fc adjusts the fake.
func newWorld(t *testing.T, s *store.Store, clk *clock.Manual, country string, fc ...func(*whatsapptest.Config)) *world {
	t.Helper()
	p := pipelinetest.NewFor(t, s, clk, country)
	fcfg := whatsapptest.Config{Clock: clk, Templates: templates}
	for _, f := range fc {
		f(&fcfg)
	}
	w := &world{fake: whatsapptest.New(t, fcfg), store: s, clock: clk, renderer: p.Renderer, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.cfg = config.WhatsApp{
		AccessToken: whatsapptest.Token, PhoneNumberID: whatsapptest.PhoneNumberID, AppSecret: whatsapptest.AppSecret,
		VerifyToken: whatsapptest.VerifyToken, APIBaseURL: w.fake.URL(), Rate: 80, Templates: config.DefaultTemplates(),
	}
	ch, err := whatsapp.New(w.cfg, whatsapp.Options{Renderer: p.Renderer, Log: log},
		whatsapp.WebhookOptions{Region: "OM", Inbox: p.Inbox, Receipts: p.Inbox, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	w.ch = ch
	mux := http.NewServeMux()
	for _, r := range ch.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	w.fake.SetApp(app.URL)
	// The dispatcher's pacing is its own tests' business: here it sees a
	// sender without limits, so a conversation drains at once.
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{unpaced{ch}}, clk, pipelinetest.Discard(), nil, notifier.DispatcherConfig{})
	return w
}

// each runs fn on SQLite, and on PostgreSQL when configured.
func each(t *testing.T, fn func(t *testing.T, w *world), fc ...func(*whatsapptest.Config)) {
	var clk *clock.Manual
	newClock := func() clock.Clock { clk = clock.NewManual(t0); return clk }
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) { fn(t, newWorld(t, s, clk, "", fc...)) })
}

type unpaced struct{ s bot.Sender }

func (u unpaced) Channel() string { return u.s.Channel() }
func (u unpaced) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	return u.s.Send(ctx, m)
}
func (u unpaced) Template(kind string) (string, bool) { return u.s.(bot.Templater).Template(kind) }

// deliver makes the fake post what post posts (a person's message, a
// status), sends every reply, moves the clock on a minute, and returns
// the messages that went out meanwhile.
func (w *world) deliver(t *testing.T, post func() (string, int, error)) []whatsapptest.Sent {
	t.Helper()
	before := len(w.fake.Sent())
	if _, code, err := post(); err != nil || code != http.StatusOK {
		t.Fatalf("webhook answered %d, %v", code, err)
	}
	if err := w.dispatcher.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
	w.clock.Advance(time.Minute)
	return w.fake.Sent()[before:]
}

// say posts a text from u and returns what went out.
func (w *world) say(t *testing.T, u whatsapptest.User, text string) []whatsapptest.Sent {
	t.Helper()
	return w.deliver(t, func() (string, int, error) { return w.fake.Text(u, text) })
}

// choose taps (buttons) or picks (a list) the choice of u's last message
// whose id starts with prefix.
func (w *world) choose(t *testing.T, u whatsapptest.User, prefix string) []whatsapptest.Sent {
	t.Helper()
	sent := w.fake.SentTo(u)
	if len(sent) == 0 {
		t.Fatal("no message to choose in")
	}
	last := sent[len(sent)-1]
	for _, c := range last.Choices() {
		if strings.HasPrefix(c.ID, prefix) {
			return w.deliver(t, func() (string, int, error) { return tap(w.fake, u, last, c) })
		}
	}
	t.Fatalf("no choice %q under %q (choices %v)", prefix, last.Show(), last.Choices())
	return nil
}

// tap answers a choice of m the way its kind is answered: a button tap or a list pick.
func tap(f *whatsapptest.Fake, u whatsapptest.User, m whatsapptest.Sent, c whatsapp.Reply) (string, int, error) {
	if m.Request.Interactive.Type == "list" {
		return f.Pick(u, c.ID, c.Title)
	}
	return f.Tap(u, c.ID, c.Title)
}

// contact loads the contact at addr.
func (w *world) contact(t *testing.T, addr vocab.Address) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		c, _, err = tx.ContactByAddress(addr, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// word renders a catalog text in lang.
func (w *world) word(t *testing.T, lang, key string) string {
	t.Helper()
	s, err := w.renderer.Text(lang, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func shows(sent []whatsapptest.Sent) string {
	var parts []string
	for _, s := range sent {
		parts = append(parts, s.Show())
	}
	return strings.Join(parts, "\n---\n")
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)
