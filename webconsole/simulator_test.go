package webconsole_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
)

var optionButton = regexp.MustCompile(`name="payload" value="([^"]+)" class="option">(\d+)\. ([^<]*)</button>`)

// TestSimulatorJourney: staff chat with the bot in the browser from the first
// message to a confirmed sign-up, typing and tapping, then start over.
func TestSimulatorJourney(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.login(t)
		mustContain(t, e.get(t, "/console/simulator").body, `form="say" name="text"`, "بدء المحادثة")
		csrf := e.csrf(t)
		seen := 0
		// say posts as the page's script does, lets the dispatcher send, and
		// returns the new part of the conversation.
		say := func(field, value, want string) string {
			t.Helper()
			req, _ := http.NewRequest("POST", e.srv.URL+"/console/simulator",
				strings.NewReader(url.Values{"csrf": {csrf}, field: {value}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Requested-With", "fetch")
			if a := e.do(t, req); a.code != http.StatusNoContent {
				t.Fatalf("say %s=%q: %d %s", field, value, a.code, a.body)
			}
			if err := e.dispatcher.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			body := e.get(t, "/console/simulator/messages").body
			if n := strings.Count(body, `class="bubble"`); n <= seen {
				t.Fatalf("after %s=%q: no new message", field, value)
			} else {
				seen = n
			}
			last := body[strings.LastIndex(body, `class="bubble"`):]
			if !strings.Contains(html.UnescapeString(last), want) {
				t.Fatalf("after %s=%q: want %q in\n%s", field, value, want, last)
			}
			return last
		}
		// tap picks the option labelled label in the last message.
		tap := func(last, label, want string) string {
			t.Helper()
			for _, m := range optionButton.FindAllStringSubmatch(last, -1) {
				if strings.Contains(html.UnescapeString(m[3]), label) {
					return say("payload", html.UnescapeString(m[1]), want)
				}
			}
			t.Fatalf("no option %q in\n%s", label, last)
			return ""
		}
		last := say("text", "", "يرجى اختيار اللغة")
		if len(optionButton.FindAllString(last, -1)) != 2 {
			t.Fatalf("the language question shows its two options as buttons:\n%s", last)
		}
		last = say("text", "1", "هل نتابع بموافقتك؟")
		last = tap(last, "أوافق", "ما اسمك")
		say("text", "مريم الهنائية", "ما محافظة سكنك")
		last = say("text", "2", "القائمة الرئيسية")
		last = tap(last, "دورات ووظائف", "3 فرص مفتوحة")
		last = tap(last, "خياطة", "بقي 12 مقعداً")
		tap(last, "سجّلني", "تم تسجيلك")
		// Earlier messages keep their options, but only as text.
		page := e.get(t, "/console/simulator").body
		if n := strings.Count(page, `class="option past"`); n < 10 {
			t.Fatalf("earlier options should be inert, found %d", n)
		}

		rows, err := e.store.ListSignups(ctx, store.SignupFilter{Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].Status != store.SignupRegistered || rows[0].Name != "مريم الهنائية" {
			t.Fatalf("sign-ups: %+v %v", rows, err)
		}

		// Start over: the person is forgotten, the place freed, the page empty.
		if a := e.post(t, "/console/simulator/reset", url.Values{}); a.code != http.StatusForbidden {
			t.Fatalf("reset without CSRF: %d", a.code)
		}
		if a := e.post(t, "/console/simulator/reset", url.Values{"csrf": {csrf}}); a.code != http.StatusSeeOther {
			t.Fatalf("reset: %d", a.code)
		}
		rows, _ = e.store.ListSignups(ctx, store.SignupFilter{Limit: 10})
		if rows[0].Status != store.SignupCancelled || rows[0].Name != "" {
			t.Fatalf("after start over: %+v", rows[0])
		}
		page = e.get(t, "/console/simulator").body
		if strings.Contains(page, `class="bubble"`) {
			t.Fatal("the conversation is still shown after starting over")
		}
		seen = 0
		say("text", "hello", "يرجى اختيار اللغة") // a new person: the language question again
	})
}

// Without a script the form posts and the browser comes back to the page.
func TestSimulatorWithoutScript(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	a := e.post(t, "/console/simulator", e.form(t, "text", "مرحبا"))
	if a.code != http.StatusSeeOther || a.location != "/console/simulator" {
		t.Fatalf("plain post: %d %q", a.code, a.location)
	}
	if err := e.dispatcher.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustContain(t, e.get(t, "/console/simulator").body, "يرجى اختيار اللغة", `name="payload" value="l:ar"`)
}
