package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
)

// Ctrl-C on `serve --chat` stops it promptly even though nobody typed
// anything and the terminal (here a pipe) stays open.
func TestServeChatStopsOnSIGINTWhileWaitingForALine(t *testing.T) {
	logs, out := &syncBuffer{}, &syncBuffer{}
	cmd := command(t.TempDir(), []string{"TAMKEEN_HTTP_ADDR=127.0.0.1:0"}, "serve", "--chat")
	cmd.Stderr, cmd.Stdout = logs, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Choose your language") {
		if time.Now().After(deadline) {
			t.Fatalf("serve --chat did not greet:\n%s\n%s", out.String(), logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := io.WriteString(stdin, "1\n"); err != nil { // one line, then silence
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve --chat did not stop cleanly: %v\n%s", err, logs.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("serve --chat still running 5 s after SIGINT with the terminal open:\n%s", logs.String())
	}
}

// A fresh start of `serve --chat` is one process sending: the terminal
// chat's dispatcher and serve's carry one name. So the start takes over
// nothing (no stopped dispatcher held anything: issue 19's "took over rows
// a stopped dispatcher held count=1" was the chat's own greeting, mid-send),
// and Telegram keeps its whole rate while someone chats at the terminal
// (the chat's dispatcher is not a second replica halving it).
func TestServeChatFreshStartTakesNothingOverAndKeepsTheWholeRate(t *testing.T) {
	fake := telegramtest.New(t)
	env := map[string]string{
		"TAMKEEN_DB":            filepath.Join(t.TempDir(), "t.db"),
		"TAMKEEN_HTTP_ADDR":     "127.0.0.1:0",
		"TELEGRAM_BOT_TOKEN":    telegramtest.Token,
		"TELEGRAM_API_ENDPOINT": fake.Endpoint(),
		"TELEGRAM_MODE":         "polling",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	stdin, typed := io.Pipe()
	defer typed.Close()
	var logs, out lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"--chat"}, stdin, &out, &logs, lookup) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.String())
		}
	}()
	waitFor(t, "the greeting", func() bool { return strings.Contains(out.String(), "Choose your language") })
	if _, err := io.WriteString(typed, "2\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer in English", func() bool { return strings.Count(out.String(), "\n\n") >= 2 })
	// Past two of serve's heartbeats (one a second): each counts the
	// dispatchers seen within three seconds, the chat's included.
	time.Sleep(2500 * time.Millisecond)
	for _, bad := range []string{"took over rows", "sharing the provider rate"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("a fresh serve --chat logged %q:\n%s", bad, logs.String())
		}
	}
}
