package telegram_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// Telegram answers 200 but the connection drops before its body is read:
// the person has the message, so the send is a success whose message id is
// unknown, never an error that would show it twice.
func TestOKWithAnUnreadableBodyIsASend(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/sendMessage") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "400")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"ok":true,"result":{"message_id":`))
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_ = conn.Close()
		}
	}))
	defer api.Close()
	s := storetest.SQLite(t, clock.System{})
	p := pipelinetest.New(t, s, clock.System{})
	tg := telegram.New(telegram.Config{Token: telegramtest.Token, APIEndpoint: api.URL + "/bot%s/%s", Rate: 30},
		p.Renderer, p.Inbox, clock.System{}, p.Log)
	id, err := tg.Send(context.Background(), bot.Outgoing{ID: 1, Recipient: "7001", Language: "ar", Body: "مرحبا"})
	if err != nil {
		t.Fatalf("a 200 is a send, got %v", err)
	}
	if id != "7001:" {
		t.Fatalf("id = %q, want the chat with an unknown message id", id)
	}
}
