package inbox_test

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/console"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/conversations")

// t0 is a Monday morning in Muscat.
var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// world is the whole conversation pipeline on a real database: inbox, flows,
// store, dispatcher and the console channel writing to a transcript.
type world struct {
	store      *store.Store
	inbox      *inbox.Inbox
	dispatcher *notifier.Dispatcher
	clock      *clock.Manual
	transcript bytes.Buffer
	sent       *pipelinetest.Recorder // every reply the console was asked to show
	check      *pipelinetest.Checker
}

func newWorld(t *testing.T, s *store.Store, clk *clock.Manual) *world {
	t.Helper()
	return newWorldIn(t, s, clk, "")
}

// newWorldIn is newWorld with the pack of country ("" for the default, Oman).
func newWorldIn(t *testing.T, s *store.Store, clk *clock.Manual, country string) *world {
	t.Helper()
	p := pipelinetest.NewFor(t, s, clk, country)
	w := &world{store: s, clock: clk, inbox: p.Inbox, check: p.Checker()}
	w.sent = &pipelinetest.Recorder{Next: console.NewSender(&w.transcript, p.Renderer)}
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{w.sent}, clk, p.Log, nil, notifier.DispatcherConfig{})
	return w
}

// say sends one line as user and appends it and every reply to the transcript.
func (w *world) say(t *testing.T, user, text string) {
	t.Helper()
	w.transcript.WriteString(user + "> " + text + "\n")
	ctx := context.Background()
	if _, err := w.inbox.Handle(ctx, bot.Input{Channel: bot.Console, From: vocab.Address{ConsoleUser: user}, Text: text}); err != nil {
		t.Fatalf("%s> %s: %v", user, text, err)
	}
	if err := w.dispatcher.Drain(ctx); err != nil {
		t.Fatalf("%s> %s: drain: %v", user, text, err)
	}
	w.clock.Advance(time.Minute)
}

// staff carries out a caseworker's line in the person's conversation and
// appends it and what reached the person to the transcript.
func (w *world) staff(t *testing.T, l pipelinetest.Line) {
	t.Helper()
	w.transcript.WriteString(l.Written() + "\n")
	ctx := context.Background()
	if err := pipelinetest.Staff(ctx, w.store, contactAt(t, w.store, vocab.Address{ConsoleUser: l.User}), l.Text); err != nil {
		t.Fatal(err)
	}
	if err := w.dispatcher.Drain(ctx); err != nil {
		t.Fatalf("%s: drain: %v", l.Written(), err)
	}
	w.clock.Advance(time.Minute)
}

// TestConversations replays each script in testdata/conversations and compares
// the transcript with its golden file, on SQLite and (when configured)
// PostgreSQL. Script lines are "user> text"; "#" lines are comments; the
// pseudo-line "user> <long>" sends 10,000 characters. A first line
// "country: JO" runs the script with that country pack (default Oman). Run with -update to
// rewrite the golden files after an intended change, then read the diff.
func TestConversations(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	for _, script := range pipelinetest.LoadScripts(t, "testdata/conversations") {
		t.Run(script.Name, func(t *testing.T) {
			storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
				runScript(t, s, script)
			})
		})
	}
}

func runScript(t *testing.T, s *store.Store, script pipelinetest.Script) {
	w := newWorldIn(t, s, clock.NewManual(t0), script.Country)
	for _, l := range script.Lines {
		if l.Staff {
			w.staff(t, l)
			continue
		}
		text := l.Text
		if text == pipelinetest.LongText {
			text = strings.Repeat("ب", 10000)
			w.transcript.WriteString("# (10,000 characters)\n")
		}
		w.say(t, l.User, text)
	}
	counts, err := s.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxFailed] != 0 || counts[store.OutboxPending] != 0 || counts[store.OutboxSending] != 0 {
		t.Errorf("every reply must be sent, outbox: %v", counts)
	}
	// Every reply, in every language, in full and short: no "<no value>", no catalog key, no template error.
	for _, err := range w.check.CheckReplies(w.sent.Messages()) {
		t.Errorf("renderer check: %v", err)
	}
	golden := filepath.Join("testdata/conversations", script.Name+".golden")
	got := strings.ReplaceAll(w.transcript.String(), strings.Repeat("ب", 10000), "<long>")
	// Written from the SQLite run only; PostgreSQL must then read the same.
	pipelinetest.Golden(t, golden, got, *update && s.Dialect() == "sqlite")
}
