package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
)

var servingOn = regexp.MustCompile(`(?:msg="serving HTTP" addr=|"msg":"serving HTTP","addr":")([^\s"]+)`)

// lockedBuffer collects serve's logs while the test reads them.
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

// waitFor checks cond until it holds or 10 s pass (the dispatcher spaces
// messages to one chat by a second, on the wall clock).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serve with a Telegram token talks to the Bot API it is pointed at, in
// both modes, and stops cleanly.
func TestServeWiresTelegram(t *testing.T) {
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			fake := telegramtest.New(t)
			env := map[string]string{
				"TAMKEEN_DB":            filepath.Join(t.TempDir(), "t.db"),
				"TAMKEEN_HTTP_ADDR":     "127.0.0.1:0",
				"TAMKEEN_QUIET_HOURS":   "",
				"TELEGRAM_BOT_TOKEN":    telegramtest.Token,
				"TELEGRAM_API_ENDPOINT": fake.Endpoint(),
				"TELEGRAM_MODE":         mode,
			}
			const secret = "wire-test-secret"
			if mode == "webhook" {
				env["TAMKEEN_PUBLIC_URL"] = "https://tamkeen.example"
				env["TELEGRAM_WEBHOOK_SECRET"] = secret
			}
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			ctx, cancel := context.WithCancel(context.Background())
			var logs lockedBuffer
			done := make(chan error, 1)
			go func() { done <- serve(ctx, nil, strings.NewReader(""), io.Discard, &logs, lookup) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve: %v\n%s", err, logs.String())
				}
			}()
			waitFor(t, "the command menu", func() bool { return len(fake.Commands("en")) == 5 })

			u := telegramtest.User{ID: 4242, FirstName: "Layla"}
			if mode == "polling" {
				fake.Push(telegramtest.Command(u, "/start"))
			} else {
				waitFor(t, "setWebhook", func() bool { return fake.Webhook()["secret_token"] == secret })
				var addr string
				waitFor(t, "the HTTP server", func() bool {
					m := servingOn.FindStringSubmatch(logs.String())
					if m != nil {
						addr = m[1]
					}
					return m != nil
				})
				raw := fake.Push(telegramtest.Command(u, "/start"))
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/telegram", bytes.NewReader(raw))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("webhook answered %d", resp.StatusCode)
				}
			}
			waitFor(t, "the language question", func() bool { return len(fake.SentTo(u.ID)) == 1 })
			if p := fake.SentTo(u.ID)[0].Payloads(); len(p) != 2 {
				t.Fatalf("want two language buttons, got %v", p)
			}
		})
	}
}
