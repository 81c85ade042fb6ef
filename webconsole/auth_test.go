package webconsole_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNoTokenConfigured(t *testing.T) {
	e := sqlite(t, "")
	a := e.get(t, "/console/login")
	mustContain(t, a.body, "TAMKEEN_ADMIN_TOKEN", "لوحة الموظفين غير مفعّلة")
	if strings.Contains(a.body, `name="token"`) {
		t.Fatal("a login form is shown though no token is configured")
	}
	if a := e.signIn(t, url.Values{"token": {""}}); a.code != http.StatusServiceUnavailable || len(a.cookies) != 0 {
		t.Fatalf("login with no token configured: %d, cookies %v", a.code, a.cookies)
	}
	if a := e.get(t, "/console/"); a.code != http.StatusSeeOther || a.location != "/console/login" {
		t.Fatalf("dashboard with the console off: %d %q", a.code, a.location)
	}
	if a := e.get(t, "/"); a.code != http.StatusFound || a.location != "/console/" {
		t.Fatalf("/ must lead to the console: %d %q", a.code, a.location)
	}
}

func TestLogin(t *testing.T) {
	e := sqlite(t, token)
	if a := e.get(t, "/console/"); a.code != http.StatusSeeOther || a.location != "/console/login" {
		t.Fatalf("not logged in: %d %q", a.code, a.location)
	}
	for _, wrong := range []string{"", "nope", token[:6], token + "x"} {
		a := e.signIn(t, url.Values{"token": {wrong}})
		if a.code != http.StatusUnauthorized || len(a.cookies) != 0 {
			t.Fatalf("wrong token %q: %d, cookies %v", wrong, a.code, a.cookies)
		}
		mustContain(t, a.body, "اسم المستخدم أو كلمة المرور أو الرمز غير صحيح")
	}
	a := e.signIn(t, url.Values{"token": {token}})
	ck := a.cookie("tamkeen_console")
	if a.code != http.StatusSeeOther || ck == nil {
		t.Fatalf("right token: %d %v", a.code, a.cookies)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.MaxAge != 12*3600 || ck.Path != "/console/" {
		t.Fatalf("session cookie: %+v", ck)
	}
	if a := e.get(t, "/console/"); a.code != 200 {
		t.Fatalf("dashboard after login: %d", a.code)
	}
	// Behind an HTTPS proxy the cookie is Secure.
	if a := e.browser().signIn(t, url.Values{"token": {token}}, "X-Forwarded-Proto", "https"); a.cookie("tamkeen_console") == nil || !a.cookie("tamkeen_console").Secure {
		t.Fatalf("HTTPS login cookie not Secure: %v", a.cookies)
	}
	// Logging out needs the form's token, then ends the session.
	if a := e.post(t, "/console/logout", url.Values{}); a.code != http.StatusForbidden {
		t.Fatalf("logout without CSRF: %d", a.code)
	}
	if a := e.post(t, "/console/logout", e.form(t)); a.code != http.StatusSeeOther {
		t.Fatalf("logout: %d", a.code)
	}
	if a := e.get(t, "/console/"); a.code != http.StatusSeeOther {
		t.Fatalf("still logged in after logout: %d", a.code)
	}
}

// sessionCookie returns the jar's session cookie value.
func (e *env) sessionCookie(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(e.srv.URL + "/console/")
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == "tamkeen_console" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func (e *env) getWith(t *testing.T, path, cookie string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "tamkeen_console", Value: cookie})
	c := *e.client
	c.Jar = nil
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return answer{code: res.StatusCode, location: res.Header.Get("Location")}
}

func TestTamperedAndExpiredSessionsAreRefused(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	good := e.sessionCookie(t)
	if a := e.getWith(t, "/console/", good); a.code != 200 {
		t.Fatalf("the real cookie: %d", a.code)
	}
	payload, mac, _ := strings.Cut(good, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	longer := strings.Replace(string(raw), `"e":`, `"e":9`, 1) // expires far later
	other := sqlite(t, "another-token")
	other.signIn(t, url.Values{"token": {"another-token"}})
	for name, c := range map[string]string{
		"payload changed":       base64.RawURLEncoding.EncodeToString([]byte(longer)) + "." + mac,
		"signature changed":     payload + "." + strings.Repeat("A", len(mac)),
		"no signature":          payload,
		"garbage":               "%%%.%%%",
		"signed by another key": other.sessionCookie(t),
	} {
		if a := e.getWith(t, "/console/", c); a.code != http.StatusSeeOther || a.location != "/console/login" {
			t.Errorf("%s: %d %q, want the login page", name, a.code, a.location)
		}
	}
	e.clk.Advance(12*time.Hour - time.Second)
	if a := e.getWith(t, "/console/", good); a.code != 200 {
		t.Fatalf("just before expiry: %d", a.code)
	}
	e.clk.Advance(time.Second)
	if a := e.getWith(t, "/console/", good); a.code != http.StatusSeeOther {
		t.Fatalf("expired session accepted: %d", a.code)
	}
}

func TestCSRF(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	for name, v := range map[string]url.Values{
		"missing": {"text_ar": {"مرحبا"}, "audience": {"all"}, "channel": {"telegram"}},
		"wrong":   {"csrf": {"x" + e.csrf(t)}, "text_ar": {"مرحبا"}, "audience": {"all"}, "channel": {"telegram"}},
	} {
		a := e.post(t, "/console/broadcasts", v)
		if a.code != http.StatusForbidden {
			t.Fatalf("%s CSRF token: %d", name, a.code)
		}
		mustContain(t, a.body, "انتهت صلاحية هذا النموذج")
	}
	if list, _ := e.broadcasts.List(t.Context(), 0, 10); len(list) != 0 {
		t.Fatalf("a broadcast was created without a valid CSRF token: %+v", list)
	}
	// A POST with no session at all is refused too.
	e.client.Jar, _ = newJar()
	if a := e.post(t, "/console/simulator/reset", url.Values{}); a.code != http.StatusUnauthorized {
		t.Fatalf("POST without a session: %d", a.code)
	}
}

func TestLanguage(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	mustContain(t, e.get(t, "/console/").body, `<html lang="ar" dir="rtl">`, "الأثر")
	a := e.get(t, "/console/?lang=en")
	mustContain(t, a.body, `<html lang="en" dir="ltr">`, "Impact", `href="/console/?lang=ar"`)
	// The choice is remembered.
	mustContain(t, e.get(t, "/console/broadcasts").body, `dir="ltr"`, "New broadcast")
	mustContain(t, e.get(t, "/console/broadcasts?lang=ar").body, `dir="rtl"`, "رسالة جماعية جديدة")
}

// Every page renders in every language (a missing catalog key fails here).
func TestEveryPageRendersInBothLanguages(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	for _, lang := range []string{"ar", "en"} {
		for _, p := range []string{"/console/", "/console/broadcasts", "/console/broadcasts/new", "/console/opportunities",
			"/console/opportunities/new", "/console/opportunities/1", "/console/simulator", "/console/simulator/messages",
			"/console/contacts", "/console/contacts?q=9", "/console/audit", "/console/impact", "/console/opportunities?archived=1", "/console/orders", "/console/content", "/console/staff"} {
			if a := e.get(t, p+"?lang="+lang); a.code != 200 || strings.Contains(a.body, "<no value>") {
				t.Errorf("%s in %s: %d\n%s", p, lang, a.code, a.body)
			}
		}
		if a := e.get(t, "/console/opportunities/999?lang="+lang); a.code != http.StatusNotFound {
			t.Errorf("missing opportunity: %d", a.code)
		}
	}
	if a := e.get(t, "/console/static/console.css"); a.code != 200 {
		t.Fatalf("stylesheet: %d", a.code)
	}
}
