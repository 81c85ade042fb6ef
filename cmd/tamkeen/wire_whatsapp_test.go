package main

import (
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
)

// A newcomer's WhatsApp: serve with the four WHATSAPP_* variables pointed
// at the fake Cloud API (as the README shows) logs the channel on, passes
// Meta's subscription check, and a person who writes «مرحبا» signs up for
// a training with taps alone, from the first message to the confirmation.
// Then staff broadcast from the console: the composer shows the audience
// and the cost per way before anything is sent; the broadcast reaches the
// person who wrote today as text and one who last wrote more than a day
// ago as the approved template (WhatsApp's 131047 for the free message
// first, since our record had not seen the window close: the same message
// again as the template, once); the next preview counts that person as a
// template at its price, and the next broadcast goes to them as one at once.
func TestServeWhatsAppAgainstTheFake(t *testing.T) {
	// The fake's clock judges WhatsApp's window: moved on a day and more
	// after the first person wrote, while serve's runs on.
	fakeClock := clock.NewManual(time.Now())
	fake := whatsapptest.New(t, whatsapptest.Config{Rate: 80, Clock: fakeClock,
		Templates: whatsapptest.Registered(slices.Sorted(maps.Values(config.DefaultTemplates()))...)})
	const admin = "a-long-admin-token-for-tests"
	env := []string{
		"TAMKEEN_DB=" + filepath.Join(t.TempDir(), "wa.db"),
		"TAMKEEN_QUIET_HOURS=",
		"TAMKEEN_ADMIN_TOKEN=" + admin,
		"TAMKEEN_SMS_SEGMENT_PRICE=0.012 OMR",
		"TAMKEEN_WHATSAPP_TEMPLATE_PRICE=0.010 OMR",
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
	type person struct {
		whatsapptest.User
		replies int
	}
	// next waits for the replies to what p just did and returns the last.
	next := func(p *person, what string, n int) whatsapptest.Sent {
		t.Helper()
		waitFor(t, what, func() bool { return len(fake.SentTo(p.User)) >= p.replies+n })
		sent := fake.SentTo(p.User)
		p.replies = len(sent)
		return sent[len(sent)-1]
	}
	// tap taps the choice of m whose title starts with prefix.
	tap := func(p *person, m whatsapptest.Sent, prefix string) {
		t.Helper()
		for _, c := range m.Choices() {
			if strings.HasPrefix(c.Title, prefix) {
				post := fake.Tap
				if m.Request.Interactive.Type == "list" {
					post = fake.Pick
				}
				if _, code, err := post(p.User, c.ID, c.Title); err != nil || code != 200 {
					t.Fatalf("tap %q: %d %v", c.Title, code, err)
				}
				return
			}
		}
		t.Fatalf("no choice %q in\n%s", prefix, m.Show())
	}
	say := func(p *person, text string) {
		t.Helper()
		if _, code, err := fake.Text(p.User, text); err != nil || code != 200 {
			t.Fatalf("say %q: %d %v", text, code, err)
		}
	}

	// Someone who agreed to hear from the program, and then wrote no more.
	away := &person{User: whatsapptest.User{Phone: "+96892000091", ID: "OM.91", Name: "Aisha"}}
	say(away, "مرحبا")
	tap(away, next(away, "the language question", 1), "العربية")
	tap(away, next(away, "the privacy notice", 1), "أوافق")
	next(away, "the name question", 1)
	fakeClock.Advance(25 * time.Hour)

	u := &person{User: whatsapptest.User{Phone: "+96892000090", ID: "OM.90", Name: "Fatma"}}
	say(u, "مرحبا")
	tap(u, next(u, "the language question", 1), "العربية")
	tap(u, next(u, "the privacy notice", 1), "أوافق")
	next(u, "the name question", 1)
	say(u, "فاطمة")
	next(u, "the governorate question", 1)
	say(u, "ظفار")
	tap(u, next(u, "the main menu", 2), "دورات")
	tap(u, next(u, "the opportunities", 1), "تجريبي: دورة خياطة")
	tap(u, next(u, "the training", 1), "سجّلني")
	done := next(u, "the confirmation", 1)
	if !strings.Contains(done.Show(), "تم تسجيلك في «تجريبي: دورة خياطة في ظفار»") {
		t.Fatalf("want the sign-up confirmed, got\n%s", done.Show())
	}
	if r := fake.Refused(); len(r) != 0 {
		t.Errorf("the fake refused %+v", r)
	}

	// Staff, in the console: the composer's people and cost per way, then send.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	base := "http://" + addr
	do := func(method, path string, form url.Values, header ...string) string {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d\n%s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	token := func(page string) string { return csrf.FindStringSubmatch(do(http.MethodGet, page, nil))[1] }
	do(http.MethodPost, "/console/login", url.Values{"token": {admin}, "csrf": {token("/console/login")}})
	compose := func(text string, english ...string) url.Values {
		return url.Values{"csrf": {token("/console/broadcasts/new")}, "text_ar": {text}, "text_en": english, "audience": {"all"}, "channel": {"whatsapp"}}
	}
	broadcast := func(text string, english ...string) {
		t.Helper()
		f := compose(text, english...)
		f.Set("confirmed", "yes")
		do(http.MethodPost, "/console/broadcasts", f)
	}
	waitText := func(p *person, text string) whatsapptest.Sent {
		t.Helper()
		var got whatsapptest.Sent
		waitFor(t, "«"+text+"» to "+p.Name, func() bool {
			for _, m := range fake.SentTo(p.User) {
				if m.Request.Text != nil && m.Request.Text.Body == text ||
					m.Request.Template != nil && len(m.Request.Template.Components) > 0 && m.Request.Template.Components[0].Parameters[0].Text == text {
					got = m
					return true
				}
			}
			return false
		})
		return got
	}

	const first = "معرض الأسر المنتجة يوم الخميس في صلالة."
	preview := do(http.MethodPost, "/console/broadcasts/preview", compose(first), "X-Requested-With", "fetch")
	mustHave(t, preview, `id="audience-count">ستصل الرسالة الآن إلى شخصين`,
		`id="way-whatsapp"><td>واتساب، خلال 24 ساعة من آخر رسالة منهم</td><td class="num">2</td><td>بلا كلفة`)
	broadcast(first)
	if m := waitText(u, first); m.Request.Type != "text" {
		t.Errorf("Fatma wrote today: want the broadcast as text, got %+v", m.Request)
	}
	m := waitText(away, first)
	if m.Request.Type != "template" || m.Request.Template.Name != "tamkeen_broadcast" || m.Request.Template.Language.Code != "ar" {
		t.Errorf("Aisha last wrote a day and more ago: want the broadcast template, got %+v", m.Request)
	}
	if r := fake.Refused(); len(r) != 1 || r[0].Code != whatsapp.CodeReEngagement {
		t.Errorf("want one 131047 (the free message to Aisha), the fake refused %+v", r)
	}

	// The second in both languages (the composer counts an audience afresh
	// when the languages written change, else within 10 seconds it reuses it).
	const second, secondEN = "تذكير: المعرض غدا من التاسعة صباحا.", "Reminder: the exhibition opens tomorrow at 9."
	preview = do(http.MethodPost, "/console/broadcasts/preview", compose(second, secondEN), "X-Requested-With", "fetch")
	mustHave(t, preview,
		`id="way-whatsapp"><td>واتساب، خلال 24 ساعة من آخر رسالة منهم</td><td class="num">1</td><td>بلا كلفة`,
		`id="way-whatsapp_template"><td>واتساب، بالقالب المعتمد tamkeen_broadcast</td><td class="num">1</td><td>0.010 ريال عماني`,
		"الكلفة التقديرية: 0.010 ريال عماني")
	broadcast(second, secondEN)
	if m := waitText(away, second); m.Request.Type != "template" {
		t.Errorf("the second broadcast to Aisha: %+v", m.Request)
	}
	if m := waitText(u, second); m.Request.Type != "text" {
		t.Errorf("the second broadcast to Fatma: %+v", m.Request)
	}
	if n := len(fake.Refused()); n != 1 {
		t.Errorf("%d refusals, want still 1: the second went as a template at once", n)
	}
	if n := len(fake.SentTo(away.User)) - away.replies; n != 2 {
		t.Errorf("Aisha got %d messages, want the two broadcasts once each", n)
	}
	if strings.Contains(logs.String(), whatsapptest.Token) || strings.Contains(logs.String(), "92000090") {
		t.Errorf("the logs show the token or the person's number:\n%s", logs.String())
	}
}

func mustHave(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, body)
		}
	}
}
