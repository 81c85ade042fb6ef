package telegram_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// FuzzTelegramUpdate posts any body as an update to the webhook (the same
// handler the poller calls): the answer is 200 (handled or ignored) or 400
// (not an update), never a 5xx that would make Telegram resend it for ever,
// on either database.
func FuzzTelegramUpdate(f *testing.F) {
	for _, seed := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":0}]}}`,
		`{"update_id":2,"message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"text":"/help","entities":[{"type":"bot_command","offset":0,"length":99}]}}`,
		`{"update_id":3,"message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"text":"name\u0000with NUL"}}`,
		`{"update_id":4,"callback_query":{"id":"q","from":{"id":42,"is_bot":false,"first_name":"A"},"data":"\u0000\u202e"}}`,
		`{"update_id":5,"message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"contact":{"phone_number":"+9689ABCDEFG","first_name":"\u0000","user_id":42}}}`,
		`{"update_id":6,"message":{"message_id":1,"date":1700000000,"chat":{"id":-5,"type":"group"},"text":"hi"}}`,
		`{"update_id":7,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"B"},"status":"member"},"new_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"B"},"status":"kicked"}}}`,
		`{"update_id":8,"edited_message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"text":"x"}}`,
		`{"update_id":9}`,
		`{}`,
		`[]`,
		`not json`,
	} {
		f.Add([]byte(seed))
	}
	clk := clock.NewManual(t0)
	stores := []*store.Store{storetest.SQLite(f, clk)}
	if os.Getenv(storetest.PostgresEnv) != "" {
		stores = append(stores, storetest.Postgres(f, clk))
	}
	fake := telegramtest.New(f)
	var hooks []http.Handler
	for _, s := range stores {
		p := pipelinetest.New(f, s, clk)
		b := telegram.New(telegram.Config{
			Token: telegramtest.Token, APIEndpoint: fake.Endpoint(), Rate: 30, DefaultRegion: "OM", WebhookSecret: secret,
			MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		}, p.Renderer, p.Inbox, clk, p.Log)
		hooks = append(hooks, b.WebhookHandler())
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, h := range hooks {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(body))
			req.Header.Set(telegram.SecretHeader, secret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("update %q: %d %s", body, rec.Code, rec.Body)
			}
		}
	})
}
