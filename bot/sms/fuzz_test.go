package sms_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// fuzzStores are the databases a fuzz target stores into: SQLite, and
// PostgreSQL when TAMKEEN_TEST_POSTGRES_DSN is set.
func fuzzStores(f *testing.F, clk clock.Clock) []*store.Store {
	list := []*store.Store{storetest.SQLite(f, clk)}
	if os.Getenv(storetest.PostgresEnv) != "" {
		list = append(list, storetest.Postgres(f, clk))
	}
	return list
}

// FuzzTwilioWebhooks posts signed inbound texts and status callbacks with
// any sender, body and status: Twilio is never told to retry (no 5xx), on
// either database, whatever the bytes.
func FuzzTwilioWebhooks(f *testing.F) {
	for _, seed := range []struct{ from, body, status, code string }{
		{"+96891234567", "مرحبا", "delivered", ""},
		{"+96891234567", "1", "undelivered", "30003"},
		{"whatsapp:+96891234567", "hi", "failed", "21610"},
		{"+9689ABCDEFG", "\x00", "sent", "abc"},
		{"+96891234567", "name\x00with NUL", "read", "-1"},
		{"+96891234567", "\xff\xfe not UTF-8", "undelivered", "99999999999999999999"},
		{"+96891234567", strings.Repeat("طويل ", 2000), "", ""},
		{"", "", "", ""},
		{"+96891234567", "\u202eevil\u202c", "delivered", "0"},
	} {
		f.Add(seed.from, seed.body, seed.status, seed.code)
	}
	clk := clock.NewManual(t0)
	type app struct{ inbound, status http.Handler }
	var apps []app
	for _, s := range fuzzStores(f, clk) {
		p := pipelinetest.New(f, s, clk)
		wh, err := sms.NewWebhooks(sms.WebhookOptions{AuthToken: token, PublicURL: publicURL, Region: "OM", Inbox: p.Inbox, Receipts: p.Inbox, Log: p.Log})
		if err != nil {
			f.Fatal(err)
		}
		apps = append(apps, app{wh.Inbound(), wh.Status()})
	}
	post := func(t *testing.T, h http.Handler, path string, params url.Values) int {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(token, publicURL+path, params))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	f.Fuzz(func(t *testing.T, from, body, status, code string) {
		for _, a := range apps {
			sid := twiliotest.NewSID("SM")
			in := url.Values{"MessageSid": {sid}, "AccountSid": {account}, "From": {from}, "To": {ourNumber}, "Body": {body}}
			if got := post(t, a.inbound, sms.InboundPath, in); got != http.StatusOK {
				t.Fatalf("inbound from %q body %q: %d, want 200", from, body, got)
			}
			st := url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "ErrorCode": {code}}
			if got := post(t, a.status, sms.StatusPath, st); got != http.StatusNoContent {
				t.Fatalf("status %q code %q: %d, want 204", status, code, got)
			}
		}
	})
}
