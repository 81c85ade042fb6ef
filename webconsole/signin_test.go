package webconsole_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// After 5 wrong tokens from one address, that address gets 429 (with
// Retry-After), even with the right token, until 10 minutes have passed.
func TestSignInThrottledPerAddress(t *testing.T) {
	e := sqlite(t, token)
	for i := range 5 {
		if a := e.post(t, "/console/login", url.Values{"token": {"guess-" + string(rune('a'+i))}}); a.code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, a.code)
		}
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth try (right token): %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if a := e.get(t, "/console/"); a.code == http.StatusOK {
		t.Fatal("signed in while throttled")
	}
	e.clk.Advance(10*time.Minute + time.Second)
	e.login(t)
	if a := e.get(t, "/console/"); a.code != http.StatusOK {
		t.Fatalf("after the wait, with the right token: %d", a.code)
	}
}

// Signing out ends the session on the server: a copy of the cookie taken
// before no longer opens the console, on both databases.
func TestSignOutEndsTheSessionForEveryCopy(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.login(t)
		u, _ := url.Parse(e.srv.URL + "/console/")
		copied := e.client.Jar.Cookies(u)
		if len(copied) == 0 {
			t.Fatal("no session cookie")
		}
		if a := e.post(t, "/console/logout", e.form(t)); a.code != http.StatusSeeOther {
			t.Fatalf("logout: %d", a.code)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/console/", nil)
		for _, c := range copied {
			req.AddCookie(c)
		}
		if a := e.do(t, req); a.code == http.StatusOK {
			t.Fatal("the copied cookie still opens the console after signing out")
		}
		e.login(t) // signing in again works
		if a := e.get(t, "/console/"); a.code != http.StatusOK {
			t.Fatalf("after signing in again: %d", a.code)
		}
	})
}
