package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/console"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
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
	session := console.Session{From: store.Address{ConsoleUser: "tester"}, Language: "en", Prompt: func() error { prompts++; return nil }}
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
