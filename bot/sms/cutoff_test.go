package sms_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// Twilio answers 201 but the connection drops before its body is read (a
// SIGTERM, a proxy): the message is out, so the send is a success with an
// unknown sid, never a failure that would send it again.
func TestCreatedWithAnUnreadableBodyIsASend(t *testing.T) {
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "400")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sid": "SM0123`))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer twilio.Close()
	p := pipelinetest.New(t, storetest.SQLite(t, clock.System{}), clock.System{})
	s, err := sms.NewSender(config.Twilio{AccountSID: account, AuthToken: token, From: ourNumber, APIBaseURL: twilio.URL, Rate: 1},
		sms.Options{Renderer: p.Renderer, Pages: nopPages{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.Send(context.Background(), bot.Outgoing{ID: 1, Recipient: "+96891234567", Language: "ar", Body: "مرحبا"})
	if err != nil {
		t.Fatalf("a 201 is a send, got %v", err)
	}
	if sid != "" {
		t.Fatalf("sid = %q, want unknown", sid)
	}
}

type nopPages struct{}

func (nopPages) SetSMSMore(context.Context, int64, []string) error { return nil }
