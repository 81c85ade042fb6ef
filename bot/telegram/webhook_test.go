package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/store"
)

func postUpdate(t *testing.T, w *world, raw []byte, secret string, want int) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(raw))
	if secret != "" {
		req.Header.Set(telegram.SecretHeader, secret)
	}
	rec := httptest.NewRecorder()
	w.bot.WebhookHandler().ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("webhook answered %d, want %d", rec.Code, want)
	}
}

// A post without the secret or with a wrong one is refused and stores
// nothing; the right one is stored before 200.
func TestWebhookSecret(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		u := telegramtest.User{ID: 7101, FirstName: "Noor"}
		raw := w.fake.Push(telegramtest.Command(u, "/start"))
		for _, tc := range []struct {
			name, secret string
			want         int
		}{
			{"missing", "", http.StatusUnauthorized},
			{"wrong", "s3cret_Token-2", http.StatusForbidden},
			{"prefix", secret[:5], http.StatusForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) { postUpdate(t, w, raw, tc.secret, tc.want) })
		}
		counts, _ := w.store.OutboxCounts(ctx)
		if len(counts) != 0 {
			t.Fatalf("a refused post stored replies: %v", counts)
		}
		postUpdate(t, w, raw, secret, http.StatusOK)
		counts, _ = w.store.OutboxCounts(ctx)
		if counts[store.OutboxPending] != 1 {
			t.Fatalf("accepted post: outbox %v, want one reply waiting", counts)
		}
		postUpdate(t, w, []byte("{not json"), secret, http.StatusBadRequest)
	})
}

// Posts for one chat arriving together are handled one after another.
func TestWebhookParallelPostsOfOneChat(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		u := telegramtest.User{ID: 7102, FirstName: "Reem"}
		var raws [][]byte
		for range 6 {
			raws = append(raws, w.fake.Push(telegramtest.Message(u, "hello")))
		}
		var wg sync.WaitGroup
		for _, raw := range raws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				postUpdate(t, w, raw, secret, http.StatusOK)
			}()
		}
		wg.Wait()
		counts, _ := w.store.OutboxCounts(context.Background())
		// The first greets with the language question; each later one is
		// "not understood" and the question again. Six contacts would be 6.
		if counts[store.OutboxPending] != 1+5*2 {
			t.Fatalf("outbox %v, want 11 replies for one contact", counts)
		}
	})
}

func TestSetWebhookAndCommands(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		w.fake.Fail("setWebhook", telegramtest.Internal) // retried after a pause on the Bot's clock:
		go func() { _ = w.clock.WaitForTimers(t.Context(), 1); w.clock.Advance(time.Minute) }()
		if err := w.bot.SetWebhook(ctx); err != nil {
			t.Fatal(err)
		}
		hook := w.fake.Webhook()
		if hook["url"] != "https://tamkeen.example/webhooks/telegram" || hook["secret_token"] != secret {
			t.Fatalf("setWebhook params = %v", hook)
		}
		var allowed []string
		if err := json.Unmarshal([]byte(hook["allowed_updates"]), &allowed); err != nil || len(allowed) != 4 {
			t.Fatalf("allowed_updates = %q", hook["allowed_updates"])
		}
		if err := w.bot.SetCommands(ctx); err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string]string{"": "القائمة الرئيسية", "ar": "القائمة الرئيسية", "en": "Main menu"} {
			cmds := w.fake.Commands(lang)
			if len(cmds) != 5 || cmds[1]["command"] != "menu" || cmds[1]["description"] != want {
				t.Errorf("commands for %q = %v", lang, cmds)
			}
		}
		// /menu from the command menu reaches the menu, /start@bot with a deep-link payload starts.
		u := telegramtest.User{ID: 7103, FirstName: "Zaid"}
		if got := w.deliver(t, telegramtest.Command(u, "/start@"+telegramtest.BotUsername+" campaign42")); len(got) != 1 || len(got[0].Payloads()) != 2 {
			t.Fatalf("/start with payload: got:\n%s", texts(got))
		}
	})
}
