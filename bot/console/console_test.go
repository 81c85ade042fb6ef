package console_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/console"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// A scripted session greets first, answers each line before reading the
// next, and copes with a 10,000-character line and a missing final newline.
func TestRunAnswersEachLineInTurn(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	s := storetest.SQLite(t, clk)
	p := pipelinetest.New(t, s, clk)
	var out bytes.Buffer
	d := notifier.NewDispatcher(s, []bot.Sender{console.NewSender(&out, p.Renderer)}, clk, p.Log, nil, notifier.DispatcherConfig{})
	prompts := 0
	session := console.Session{From: vocab.Address{ConsoleUser: "tester"}, Language: "en", Prompt: func() error { prompts++; return nil }}
	in := strings.NewReader("\n" + strings.Repeat("x", 10000) + "\n1")
	if err := console.Run(context.Background(), session, in, p.Inbox, d); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	consent := strings.Index(got, "Before we start")
	confused := strings.Index(got, "Sorry, I did not understand")
	name := strings.Index(got, "What is your name?")
	if consent < 0 || confused < consent || name < confused {
		t.Fatalf("want the consent notice, then a not-understood for the long line, then the name question:\n%s", got)
	}
	if prompts != 3 {
		t.Errorf("prompted %d times, want once before each of 3 reads", prompts)
	}
}

// Ctrl-C (the context ending) stops a session at once, even while it waits
// for a line that never comes (a terminal nobody types in).
func TestRunReturnsWhenCancelledWhileWaiting(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	s := storetest.SQLite(t, clk)
	p := pipelinetest.New(t, s, clk)
	var out lockedBuffer
	d := notifier.NewDispatcher(s, []bot.Sender{console.NewSender(&out, p.Renderer)}, clk, p.Log, nil, notifier.DispatcherConfig{})
	stdin, typing := io.Pipe()
	defer typing.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- console.Run(ctx, console.Session{From: vocab.Address{ConsoleUser: "idle"}, Language: "en"}, stdin, p.Inbox, d)
	}()
	if _, err := io.WriteString(typing, "1\n"); err != nil { // one line answered, then silence
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "What is your name?"); {
		if time.Now().After(deadline) {
			t.Fatalf("the line was not answered:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run still waiting for a line 2 s after the context ended")
	}
	if !strings.Contains(out.String(), "What is your name?") {
		t.Errorf("the line typed before Ctrl-C was not answered:\n%s", out.String())
	}
}

// lockedBuffer is a buffer the console writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// failingOn is a handler that cannot handle one line (a database fault, say)
// and hands every other line to next.
type failingOn struct {
	text string
	next bot.Handler
}

func (f failingOn) Handle(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	if in.Text == f.text {
		return bot.Outcome{}, errors.New("store: add assessment: constraint failed")
	}
	return f.next.Handle(ctx, in)
}

// A line the service cannot handle does not end the chat: Failed is told
// (serve and chat log it and say sorry), and the next line is answered.
func TestRunGoesOnAfterALineThatFails(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	s := storetest.SQLite(t, clk)
	p := pipelinetest.New(t, s, clk)
	var out bytes.Buffer
	d := notifier.NewDispatcher(s, []bot.Sender{console.NewSender(&out, p.Renderer)}, clk, p.Log, nil, notifier.DispatcherConfig{})
	var failed []string
	session := console.Session{From: vocab.Address{ConsoleUser: "tester"}, Language: "en",
		Failed: func(_ context.Context, line string, err error) error {
			failed = append(failed, line)
			out.WriteString("SORRY\n")
			return nil
		}}
	if err := console.Run(context.Background(), session, strings.NewReader("boom\n1\n"), failingOn{"boom", p.Inbox}, d); err != nil {
		t.Fatalf("one failed line ended the chat: %v", err)
	}
	if len(failed) != 1 || failed[0] != "boom" {
		t.Fatalf("Failed told of %q, want the one line that failed", failed)
	}
	got := out.String()
	if sorry, name := strings.Index(got, "SORRY"), strings.Index(got, "What is your name?"); sorry < 0 || name < sorry {
		t.Fatalf("want the apology, then the answer to the next line:\n%s", got)
	}
	// Without Failed, the failure ends Run with its error, as before.
	err := console.Run(context.Background(), console.Session{From: vocab.Address{ConsoleUser: "other"}, Language: "en"},
		strings.NewReader("boom\n"), failingOn{"boom", p.Inbox}, d)
	if err == nil {
		t.Fatal("a failed line without Failed must end Run with its error")
	}
}
