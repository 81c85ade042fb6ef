package main

import (
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
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
