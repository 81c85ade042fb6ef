package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
)

// A newcomer's WhatsApp: serve with the four WHATSAPP_* variables pointed
// at the fake Cloud API (as the README shows) logs the channel on, passes
// Meta's subscription check, and a person who writes «مرحبا» signs up for
// a training with taps alone, from the first message to the confirmation.
func TestServeWhatsAppAgainstTheFake(t *testing.T) {
	fake := whatsapptest.New(t, whatsapptest.Config{Rate: 80})
	env := []string{
		"TAMKEEN_DB=" + filepath.Join(t.TempDir(), "wa.db"),
		"TAMKEEN_QUIET_HOURS=",
		"WHATSAPP_ACCESS_TOKEN=" + whatsapptest.Token,
		"WHATSAPP_PHONE_NUMBER_ID=" + whatsapptest.PhoneNumberID,
		"WHATSAPP_APP_SECRET=" + whatsapptest.AppSecret,
		"WHATSAPP_VERIFY_TOKEN=" + whatsapptest.VerifyToken,
		"WHATSAPP_API_BASE_URL=" + fake.URL(),
	}
	_, addr, logs := startServe(t, t.TempDir(), env)
	if !strings.Contains(logs.String(), "channel on: whatsapp") {
		t.Fatalf("serve does not say WhatsApp is on:\n%s", logs.String())
	}
	fake.SetApp("http://" + addr)
	if code, ok, err := fake.Subscribe("subscribe", whatsapptest.VerifyToken); err != nil || !ok {
		t.Fatalf("subscription check: %d, %v", code, err)
	}
	u := whatsapptest.User{Phone: "+96892000090", ID: "OM.90", Name: "Fatma"}
	replies := 0
	// next waits for the replies to what the person just did and returns the last.
	next := func(what string, n int) whatsapptest.Sent {
		t.Helper()
		waitFor(t, what, func() bool { return len(fake.SentTo(u)) >= replies+n })
		sent := fake.SentTo(u)
		replies = len(sent)
		return sent[len(sent)-1]
	}
	// tap taps the choice of m whose title starts with prefix.
	tap := func(m whatsapptest.Sent, prefix string) {
		t.Helper()
		for _, c := range m.Choices() {
			if strings.HasPrefix(c.Title, prefix) {
				post := fake.Tap
				if m.Request.Interactive.Type == "list" {
					post = fake.Pick
				}
				if _, code, err := post(u, c.ID, c.Title); err != nil || code != 200 {
					t.Fatalf("tap %q: %d %v", c.Title, code, err)
				}
				return
			}
		}
		t.Fatalf("no choice %q in\n%s", prefix, m.Show())
	}
	say := func(text string) {
		t.Helper()
		if _, code, err := fake.Text(u, text); err != nil || code != 200 {
			t.Fatalf("say %q: %d %v", text, code, err)
		}
	}

	say("مرحبا")
	tap(next("the language question", 1), "العربية")
	tap(next("the privacy notice", 1), "أوافق")
	next("the name question", 1)
	say("فاطمة")
	next("the governorate question", 1)
	say("ظفار")
	tap(next("the main menu", 2), "دورات")
	tap(next("the opportunities", 1), "تجريبي: دورة خياطة")
	tap(next("the training", 1), "سجّلني")
	done := next("the confirmation", 1)
	if !strings.Contains(done.Show(), "تم تسجيلك في «تجريبي: دورة خياطة في ظفار»") {
		t.Fatalf("want the sign-up confirmed, got\n%s", done.Show())
	}
	if r := fake.Refused(); len(r) != 0 {
		t.Errorf("the fake refused %+v", r)
	}
	if strings.Contains(logs.String(), whatsapptest.Token) || strings.Contains(logs.String(), "92000090") {
		t.Errorf("the logs show the token or the person's number:\n%s", logs.String())
	}
}
