package console_test

import (
	"bytes"
	"context"
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
