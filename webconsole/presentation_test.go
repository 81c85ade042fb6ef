package webconsole_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
	"github.com/tamkeen/tamkeen/webconsole"
)

// The sign-in form's labels each share a box with their own field, so the
// password label cannot end up beside the username box; every field of
// every page has a label, and every label[for] names a field.
func TestEveryFieldHasItsLabel(t *testing.T) {
	e := busyConsole(t)
	for _, lang := range []string{"ar", "en"} {
		for _, p := range labelProblems(e.get(t, "/console/login?lang="+lang).body) {
			t.Errorf("sign-in page in %s: %s", lang, p)
		}
	}
	admin := e.as(t, "manager", "manager pass phrase")
	for _, lang := range []string{"ar", "en"} {
		for _, page := range consolePages {
			for _, p := range labelProblems(admin.get(t, withLang(page, lang)).body) {
				if !strings.Contains(p, "does not share a box") { // pairs in a box are the sign-in form's layout
					t.Errorf("%s in %s: %s", page, lang, p)
				}
			}
		}
	}
}

// No Arabic words sit in a left-to-right box on any Arabic page, where they
// read backwards: the SMS page line of the composer, a phone number with
// its status, the name of who is signed in.
func TestArabicNeverLaidOutLeftToRight(t *testing.T) {
	e := busyConsole(t)
	contact(t, e.store, vocab.Address{Phone: "+96890000001"}, func(c *store.Contact) { c.SMSUnreachable = true })
	admin := e.as(t, "manager", "manager pass phrase")
	pages := map[string]string{}
	for _, page := range consolePages {
		pages[page] = admin.get(t, withLang(page, "ar")).body
	}
	pages["the composer's preview"] = `<div dir="rtl">` + admin.previewOf(t, admin.form(t, "text_ar", "تبدأ الورشة غداً في صحار", "text_en", "Workshop tomorrow",
		"audience", "all", "channel", "sms")).body + `</div>`
	pages["a confirmation"] = admin.post(t, "/console/broadcasts", admin.form(t, "text_ar", "تبدأ الورشة غداً", "audience", "all", "channel", "sms")).body
	for page, body := range pages {
		for _, p := range arabicInLeftToRight(body) {
			t.Errorf("%s: Arabic laid out left to right, read backwards: %s", page, p)
		}
	}
}

// A person typed by a Latin name inside an Arabic question keeps the
// question's order: names and titles travel inside Unicode isolates.
func TestNamesInsideSentencesAreIsolated(t *testing.T) {
	e := busyConsole(t)
	admin := e.as(t, "manager", "manager pass phrase")
	a := admin.post(t, "/console/opportunities/1/signups/4/cancel", admin.form(t))
	mustContain(t, a.body, "إلغاء تسجيل \u2068Fatma Al Balushi\u2069 في «\u2068")
}

// The Arabic console says a count with its noun the way Arabic does: every
// counted console text is rendered for 0, 1, 2, 3, 11 and 100 in Arabic.
// One and two are words (شخص واحد، شخصان), never «1 شخصاً»; 3 to 10 take the
// plural (3 أشخاص), 11 to 99 the singular (11 شخصاً); zero is said in words.
func TestArabicCountsAgreeWithTheirNouns(t *testing.T) {
	e := sqlite(t, token)
	var counted []string
	for _, k := range e.bundle.Keys("ar") {
		if !strings.HasPrefix(k, "console.") {
			continue
		}
		if s, err := e.bundle.Text("ar", k, map[string]any{"Count": 987654}); err == nil && strings.Contains(s, "987654") {
			counted = append(counted, k)
		}
	}
	if len(counted) < 6 {
		t.Fatalf("counted console texts: %v", counted)
	}
	digits := regexp.MustCompile(`[0-9]+`)
	for _, k := range counted {
		forms := map[int]string{}
		for _, n := range []int{0, 1, 2, 3, 11, 100} {
			s, err := e.bundle.Text("ar", k, map[string]any{"Count": n})
			if err != nil {
				t.Errorf("%s with %d: %v", k, n, err)
				continue
			}
			forms[n] = s
			shown := strings.Contains(" "+s+" ", " "+strconv.Itoa(n)+" ")
			if words := n <= 2; words == shown {
				t.Errorf("%s with %d: %q (one and two are said in words, 3 and more in digits)", k, n, s)
			}
		}
		same := func(a, b int) bool {
			return digits.ReplaceAllString(forms[a], "N") == digits.ReplaceAllString(forms[b], "N")
		}
		if same(1, 2) || same(2, 3) || same(3, 11) || same(0, 100) {
			t.Errorf("%s: a noun does not change with the count: %v", k, forms)
		}
	}
	// Every count a template shows with a noun goes through a counted text,
	// and no template puts a bare number before a phrase.
	bare := regexp.MustCompile(`\{\{\s*\.[A-Za-z.]+\s*\}\}(</b>)?\s+\{\{t "`)
	withCount := regexp.MustCompile(`t "([a-z_.]+)"(?:\s+"\w+"\s+(?:[.$][\w.$]*|\([^()]*\)))*?\s+"Count"`)
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := bare.FindString(string(b)); m != "" {
			t.Errorf("%s: a number beside a phrase, without agreement: %s", f, m)
		}
		for _, m := range withCount.FindAllStringSubmatch(string(b), -1) {
			if !slicesContains(counted, m[1]) {
				t.Errorf("%s: %s is given a Count but has no plural forms", f, m[1])
			}
		}
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// smsPeople adds n people who consented and can be reached by SMS only.
func smsPeople(t *testing.T, s *store.Store, n int) {
	t.Helper()
	for i := range n {
		phoneContact(t, s, "+9689100"+strconv.Itoa(1000+i), "muscat", "ar", true)
	}
}

// Sending a broadcast asks first, saying to how many people and at what
// cost, in the bot's words for money; without "yes" nothing is sent, and
// going back returns to the composer with the text as typed.
func TestSendingABroadcastAsksFirst(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		smsPeople(t, e.store, 49)
		e.login(t)
		text := strings.Repeat("تدريب ", 12) // 72 Arabic characters: 2 SMS each
		form := e.form(t, "text_ar", text, "audience", "all", "channel", "sms")
		a := e.post(t, "/console/broadcasts", form)
		if a.code != http.StatusOK {
			t.Fatalf("unconfirmed send: %d\n%s", a.code, a.body)
		}
		mustContain(t, a.body, "إرسال هذه الرسالة الجماعية؟", "ستصل إلى 49 شخصاً.",
			"الكلفة التقديرية: 1.176 ريال عماني مقابل 98 رسالةً قصيرة.", // 49 × 2 × 0.012
			`name="confirmed" value="yes"`, `action="/console/broadcasts/preview"`)
		if list, _ := e.broadcasts.List(ctx, 0, 10); len(list) != 0 {
			t.Fatalf("a broadcast went out without confirmation: %+v", list)
		}
		if log, _ := e.store.AuditLog(ctx, 0, 10); len(log) != 1 || log[0].Action != "signin" {
			t.Fatalf("asking was audited as a change: %+v", log)
		}
		// The page's script gets the question alone, marked as one.
		req, _ := http.NewRequest("POST", e.srv.URL+"/console/broadcasts", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Requested-With", "fetch")
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("X-Tamkeen-Confirm") != "ask" {
			t.Fatalf("the script's question: %d %q", res.StatusCode, res.Header.Get("X-Tamkeen-Confirm"))
		}
		// Back: the composer, text kept, nothing sent.
		back := e.post(t, "/console/broadcasts/preview", form)
		mustContain(t, back.body, `name="text_ar"`, ">"+text+"</textarea>")
		// In English the bot writes "OMR 1.176".
		mustContain(t, e.post(t, "/console/broadcasts?lang=en", form).body, "It will reach 49 people.", "Estimated cost: OMR 1.176 for 98 SMS.")

		// Later, and on Telegram only (no one here has it): the date as the
		// bot writes one, nobody reached, no SMS cost.
		later := e.form(t, "text_ar", text, "audience", "all", "channel", "telegram", "send_at", "2026-12-10T09:30")
		mustContain(t, e.post(t, "/console/broadcasts?lang=ar", later).body, "لن تصل الآن إلى أحد",
			"يبدأ الإرسال يوم الخميس 10 ", " 2026، الساعة 09:30 بتوقيت \u2068Asia/Muscat\u2069.",
			"لا يُرسل شيء برسائل قصيرة، فلا كلفة لها.")

		form.Set("confirmed", "yes")
		if a := e.post(t, "/console/broadcasts", form); a.code != http.StatusSeeOther {
			t.Fatalf("confirmed send: %d", a.code)
		}
		if list, _ := e.broadcasts.List(ctx, 0, 10); len(list) != 1 {
			t.Fatalf("the confirmed broadcast: %+v", list)
		}
	})
}

// Cancelling a broadcast, cancelling a person's place and disabling an
// account each ask first; without "yes" nothing changes.
func TestLastingActionsAskFirst(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		account(t, e.store, "mona", store.RoleStaff, "caseworker pass phrase")
		smsPeople(t, e.store, 3)
		err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(1, 1, store.SignupRegistered) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.broadcasts.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": "ورشة غداً"}, Audience: store.Audience{All: true},
			Channels: []string{"sms"}, CreatedBy: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := e.broadcasts.Expand(ctx); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		for _, c := range []struct {
			path, want string
			extra      []string
			unchanged  func() bool
		}{
			{"/console/broadcasts/1/cancel", "لن تُرسل 3 رسائل ما زالت في الانتظار.", nil, func() bool {
				rep, _ := e.broadcasts.Report(ctx, 1)
				return rep.Status != store.BroadcastCancelled
			}},
			{"/console/opportunities/1/signups/1/cancel", "يذهب المقعد بعدها إلى أول شخص في قائمة الانتظار", nil, func() bool {
				rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: 1, Limit: 10})
				return len(rows) == 1 && rows[0].Status == store.SignupRegistered
			}},
			{"/console/staff/mona/disabled", "تعطيل حساب \u2068mona\u2069؟", []string{"disabled", "1"}, func() bool {
				list, _ := e.store.StaffAccounts(ctx)
				return len(list) == 1 && list[0].DisabledAt == nil
			}},
		} {
			a := e.post(t, c.path, e.form(t, c.extra...))
			if a.code != http.StatusOK || !c.unchanged() {
				t.Fatalf("%s without confirmation: %d, unchanged %v", c.path, a.code, c.unchanged())
			}
			mustContain(t, a.body, c.want, `name="confirmed" value="yes"`, `id="confirm-back"`)
			if a := e.post(t, c.path, e.form(t, append(c.extra, "confirmed", "no")...)); a.code != http.StatusOK || !c.unchanged() {
				t.Fatalf("%s confirmed with %q: %d", c.path, "no", a.code)
			}
			if a := e.post(t, c.path, e.form(t, append(c.extra, "confirmed", "yes")...)); a.code != http.StatusSeeOther || c.unchanged() {
				t.Fatalf("%s confirmed: %d, unchanged %v", c.path, a.code, c.unchanged())
			}
		}
		// Enabling an account again needs no question.
		if a := e.post(t, "/console/staff/mona/disabled", e.form(t, "disabled", "0")); a.code != http.StatusSeeOther {
			t.Fatalf("enable: %d", a.code)
		}
	})
}

// ?saved=1 after a change shows that it was saved.
func TestSavedChangeIsSaid(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	if body := e.get(t, "/console/opportunities/1").body; strings.Contains(body, `id="saved"`) {
		t.Fatal("a notice with nothing saved")
	}
	a := e.post(t, "/console/opportunities/1/close", e.form(t))
	if a.code != http.StatusSeeOther {
		t.Fatalf("close: %d", a.code)
	}
	mustContain(t, e.get(t, a.location).body, `<p class="notice" role="status" id="saved">تم حفظ التغيير.</p>`)
}

// The language switch keeps the page's query (a search, a filter).
func TestLanguageSwitchKeepsTheQuery(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	body := e.get(t, "/console/contacts?q="+url.QueryEscape("احمد")).body
	m := regexp.MustCompile(`<a href="([^"]+)" lang="en"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no language switch:\n%s", body)
	}
	u, err := url.Parse(unescape(m[1]))
	if err != nil || u.Path != "/console/contacts" || u.Query().Get("q") != "احمد" || u.Query().Get("lang") != "en" {
		t.Fatalf("the switch goes to %q", m[1])
	}
	mustContain(t, e.get(t, u.String()).body, `lang="en"`, `value="احمد"`)
}

// A new broadcast starts with only the channels this server can send on
// ticked; the others say they are not set up.
func TestComposerTicksOnlyConfiguredChannels(t *testing.T) {
	clk := clock.NewManual(t0)
	e := newEnvWith(t, storetest.SQLite(t, clk), clk, webconsole.Config{Token: token, Channels: []string{"sms"}})
	e.login(t)
	body := e.get(t, "/console/broadcasts/new").body
	mustContain(t, body, `name="channel" value="sms" checked>`, `name="channel" value="telegram" >`, "(غير مضبوطة على هذا الخادم)")
}

// A viewer is not offered the composer (its preview would never fill and
// its send would be refused).
func TestViewersGetNoComposer(t *testing.T) {
	e := sqlite(t, token)
	account(t, e.store, "data", store.RoleViewer, "read only pass phrase")
	viewer := e.as(t, "data", "read only pass phrase")
	if a := viewer.get(t, "/console/broadcasts/new"); a.code != http.StatusForbidden || strings.Contains(a.body, `name="text_ar"`) {
		t.Fatalf("a viewer's composer: %d", a.code)
	}
	if strings.Contains(viewer.get(t, "/console/broadcasts").body, "/console/broadcasts/new") {
		t.Fatal("a viewer is offered a new broadcast")
	}
}

// A refused form (a stale token, an ended session) gives back what was
// typed: for staff, a button reopens the composer with it; a form posted
// from another site is never echoed.
func TestRefusedFormKeepsTheText(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	text := "تذكير: الورشة غداً الساعة التاسعة"
	stale := url.Values{"csrf": {"stale"}, "text_ar": {text}, "audience": {"all"}, "channel": {"sms"}}
	a := e.post(t, "/console/broadcasts", stale)
	if a.code != http.StatusForbidden {
		t.Fatalf("stale token: %d", a.code)
	}
	mustContain(t, a.body, "لم يضع ما كتبته", ">"+text+"</textarea>", `action="/console/broadcasts/preview"`)
	for _, want := range []string{"(403)", "403"} {
		if strings.Contains(parseHTML(a.body).textOf(), want) {
			t.Errorf("the error page says %q", want)
		}
	}
	// The reopen form carries a fresh token: it shows the composer, filled in.
	fresh := url.Values{}
	doc := parseHTML(a.body)
	for _, f := range doc.find(func(x *element) bool {
		return x.tag == "input" && x.parent.attrs["action"] == "/console/broadcasts/preview"
	}) {
		fresh.Add(f.attrs["name"], f.attrs["value"])
	}
	if r := e.post(t, "/console/broadcasts/preview", fresh); r.code != 200 || !strings.Contains(r.body, ">"+text+"</textarea>") {
		t.Fatalf("reopened composer: %d", r.code)
	}

	req, _ := http.NewRequest("POST", e.srv.URL+"/console/broadcasts", strings.NewReader(stale.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if a := e.do(t, req); strings.Contains(a.body, text) {
		t.Fatal("a form from another site is echoed back")
	}
	// Signed out: the text to copy, and the way to sign in.
	out := sqlite(t, token)
	a = out.post(t, "/console/broadcasts", stale)
	if a.code != http.StatusUnauthorized {
		t.Fatalf("no session: %d", a.code)
	}
	mustContain(t, a.body, ">"+text+"</textarea>", "يُرجى نسخ النص", `href="/console/login"`)
}
