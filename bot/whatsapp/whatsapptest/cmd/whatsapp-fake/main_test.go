package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The command a newcomer runs: it prints the settings to give serve, and
// what they type reaches the service as a WhatsApp user (a number taps the
// last message's choice), with the service's answers printed back.
func TestChatThroughTheFake(t *testing.T) {
	var handler atomic.Pointer[http.Handler]
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not yet", http.StatusServiceUnavailable)
	}))
	defer app.Close()
	stdin, typing := io.Pipe()
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-app", app.URL}, stdin, out) }()
	wait := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), what); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in\n%s", what, out.String())
			}
		}
	}
	wait("go run ./cmd/tamkeen serve")
	base := regexp.MustCompile(`WHATSAPP_API_BASE_URL=(\S+)`).FindStringSubmatch(out.String())[1]

	s := storetest.SQLite(t, clock.System{})
	p := pipelinetest.New(t, s, clock.System{})
	ch, err := whatsapp.New(config.WhatsApp{AccessToken: whatsapptest.Token, PhoneNumberID: whatsapptest.PhoneNumberID,
		AppSecret: whatsapptest.AppSecret, VerifyToken: whatsapptest.VerifyToken, APIBaseURL: base, Rate: 80},
		whatsapp.Options{Renderer: p.Renderer, Log: p.Log}, whatsapp.WebhookOptions{Region: "OM", Inbox: p.Inbox, Receipts: p.Inbox, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range ch.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	var h http.Handler = mux
	handler.Store(&h)
	d := notifier.NewDispatcher(s, []bot.Sender{ch}, clock.System{}, p.Log, nil, notifier.DispatcherConfig{})
	go func() { _ = d.Run(ctx) }()

	for _, step := range []struct{ line, want string }{
		{"/verify", "challenge echoed: true"},
		{"مرحبا", "[العربية] [English]"},
		{"1", "[أوافق] [لا، شكراً]"},
		{"1", "ما اسمك؟"},
	} {
		if _, err := io.WriteString(typing, step.line+"\n"); err != nil {
			t.Fatal(err)
		}
		wait(step.want)
	}
	typing.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
