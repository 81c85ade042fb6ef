package whatsapp_test

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// FuzzWhatsAppWebhook posts any body, correctly signed, to the webhook:
// the answer is 200 (handled or ignored) or 400 (not JSON), never a 5xx
// that would make Meta post it again for days, on either database.
func FuzzWhatsAppWebhook(f *testing.F) {
	wrap := func(value string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"` +
			whatsapptest.PhoneNumberID + `"},` + value + `}}]}]}`
	}
	for _, seed := range []string{
		wrap(`"messages":[{"from":"96891234567","id":"wamid.1","timestamp":"1700000000","type":"text","text":{"body":"مرحبا"}}]`),
		wrap(`"messages":[{"from":"96891234567","id":"wamid.2","timestamp":"1700000000","type":"text","text":{"body":"name\u0000with NUL"}}]`),
		wrap(`"messages":[{"from_user_id":"OM.1","id":"wamid.3","timestamp":"1700000000000","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"\u0000\u202e","title":""}}}]`),
		wrap(`"messages":[{"from":"US.1234","id":"wamid.4","timestamp":"x","type":"button","button":{"payload":"","text":""}}]`),
		wrap(`"messages":[{"from":"+968 9ABC","id":"wamid.5\u0000","timestamp":"1","type":"text"}]`),
		wrap(`"messages":[{"from":"96891234567","id":"wamid.6","timestamp":"1","type":"contacts","origin":"contact_request","contacts":[{"phones":[{"phone":"\u0000"},{"wa_id":"999"}]}]}]`),
		wrap(`"messages":[{"from":"96891234567","id":"wamid.7","timestamp":"1","type":"interactive","interactive":{"type":"nfm_reply"}}]`),
		wrap(`"messages":[{"from":"96891234567","id":"","type":"text","text":{"body":"no id"}}]`),
		wrap(`"statuses":[{"id":"wamid.unknown","status":"failed","errors":[{"code":131047}]},{"id":"","status":"read"}]`),
		wrap(`"messages":[{"from":"96891234567","group_id":"g","id":"wamid.8","type":"text","text":{"body":"group"}}]`),
		`{"object":"page","entry":[]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"other"}}}]}]}`,
		`{}`, `[]`, `null`, `not json`,
	} {
		f.Add([]byte(seed))
	}
	clk := clock.NewManual(t0)
	stores := []*store.Store{storetest.SQLite(f, clk)}
	if os.Getenv(storetest.PostgresEnv) != "" {
		stores = append(stores, storetest.Postgres(f, clk))
	}
	fake := whatsapptest.New(f, whatsapptest.Config{Clock: clk})
	var hooks []http.Handler
	for _, s := range stores {
		p := pipelinetest.New(f, s, clk)
		ch, err := whatsapp.New(config.WhatsApp{AccessToken: whatsapptest.Token, PhoneNumberID: whatsapptest.PhoneNumberID,
			AppSecret: whatsapptest.AppSecret, VerifyToken: whatsapptest.VerifyToken, APIBaseURL: fake.URL(), Rate: 80},
			whatsapp.Options{Renderer: p.Renderer, Log: p.Log}, whatsapp.WebhookOptions{Region: "OM", Inbox: p.Inbox, Receipts: p.Inbox, Log: p.Log})
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range ch.Routes() {
			if strings.HasPrefix(r.Pattern, "POST") {
				hooks = append(hooks, r.Handler)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sig := "sha256=" + hex.EncodeToString(whatsapp.Sign(whatsapptest.AppSecret, body))
		for _, h := range hooks {
			req := httptest.NewRequest(http.MethodPost, whatsapp.WebhookPath, bytes.NewReader(body))
			req.Header.Set(whatsapp.SignatureHeader, sig)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("notification %q: %d %s", body, rec.Code, rec.Body)
			}
		}
	})
}
