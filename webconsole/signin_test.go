package webconsole_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/signinlimit"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/webconsole"
)

// After 5 wrong tokens from one address, that address gets 429 (with
// Retry-After), even with the right token, until 10 minutes have passed.
func TestSignInThrottledPerAddress(t *testing.T) {
	e := sqlite(t, token)
	for i := range 5 {
		if a := e.signIn(t, url.Values{"token": {"guess-" + string(rune('a'+i))}}); a.code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, a.code)
		}
	}
	if a := e.signIn(t, url.Values{"token": {token}}); a.code != http.StatusTooManyRequests || a.retryAfter == "" {
		t.Fatalf("sixth try (right token): %d, Retry-After %q; want 429 with Retry-After", a.code, a.retryAfter)
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

// loginToken opens the sign-in page as a browser does and returns its form token.
func (e *env) loginToken(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(e.get(t, "/console/login").body)
	if m == nil {
		t.Fatal("no form token on the sign-in page")
	}
	return m[1]
}

// 200 wrong passwords for one account sent at once from one address, the
// right one among them, get what 200 sent one by one get: at most 5 are
// compared, the rest are held back (429), and the right password sent
// afterwards from a browser that never signed in is held back too.
func TestParallelGuessesAreHeldBackLikeSerialOnes(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		account(t, e.store, "mona", store.RoleStaff, "caseworker pass phrase")
		b := e.browser()
		csrf := b.loginToken(t)
		const n = 201
		right := rand.IntN(n)
		codes := make([]int, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				password := fmt.Sprintf("guess number %d", i)
				if i == right {
					password = "caseworker pass phrase"
				}
				form := url.Values{"csrf": {csrf}, "username": {"mona"}, "password": {password}}
				req, _ := http.NewRequest("POST", b.srv.URL+"/console/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-start
				res, err := b.client.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				res.Body.Close()
				codes[i] = res.StatusCode
			}()
		}
		began := time.Now()
		close(start)
		wg.Wait()
		t.Logf("%d parallel sign-ins answered in %v", n, time.Since(began).Round(time.Millisecond))
		count := map[int]int{}
		for i, c := range codes {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			count[c]++
		}
		if judged := count[http.StatusUnauthorized] + count[http.StatusSeeOther]; judged > signinlimit.Limit ||
			count[http.StatusTooManyRequests] != n-judged {
			t.Fatalf("%d parallel sign-ins answered %v: %d were compared, at most %d may be", n, count, judged, signinlimit.Limit)
		}
		t.Logf("answers: %v", count)
		// The right password, from a browser that never signed in: held back
		// after Limit wrong ones; when it was itself among those compared
		// (which ones are is the scheduler's choice), fewer went wrong.
		want := http.StatusTooManyRequests
		if count[http.StatusSeeOther] == 1 && count[http.StatusUnauthorized] < signinlimit.Limit {
			want = http.StatusSeeOther
		}
		if a := e.browser().signIn(t, url.Values{"username": {"mona"}, "password": {"caseworker pass phrase"}}); a.code != want {
			t.Fatalf("the right password after the guesses %v, from a new browser: %d, want %d", count, a.code, want)
		}
	})
}

// eachBehindProxy runs fn on both databases with the console behind a
// trusted reverse proxy (the test client), so that X-Forwarded-For gives
// each request the address a test wants.
func eachBehindProxy(t *testing.T, fn func(t *testing.T, e *env)) {
	clk := clock.NewManual(t0)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		fn(t, newEnvWith(t, s, clk, webconsole.Config{Token: token}, netip.MustParsePrefix("127.0.0.0/8")))
	})
}

// Wrong passwords from anywhere do not keep the owner out: a browser that
// signed in to the account before keeps signing in (its device cookie),
// while browsers that never did are held back for that account.
func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	eachBehindProxy(t, func(t *testing.T, e *env) {
		account(t, e.store, "mona", store.RoleStaff, "caseworker pass phrase")
		right := url.Values{"username": {"mona"}, "password": {"caseworker pass phrase"}}
		wrong := url.Values{"username": {"mona"}, "password": {"a wrong guess"}}
		owner := e.browser()
		if a := owner.signIn(t, right, "X-Forwarded-For", "198.51.100.7"); a.code != http.StatusSeeOther {
			t.Fatalf("the owner's first sign-in: %d", a.code)
		}
		owner.post(t, "/console/logout", owner.form(t))
		for i := range 5 {
			if a := e.browser().signIn(t, wrong, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1)); a.code != http.StatusUnauthorized {
				t.Fatalf("a stranger's guess %d: %d", i+1, a.code)
			}
		}
		// Without a device cookie: held back, from any address, even with the right password.
		if a := e.browser().signIn(t, right, "X-Forwarded-For", "192.0.2.50"); a.code != http.StatusTooManyRequests {
			t.Fatalf("the right password from a new browser after 5 guesses: %d, want 429", a.code)
		}
		// With it: the owner signs in, from home or from the office.
		for _, from := range []string{"198.51.100.7", "192.0.2.50"} {
			if a := owner.signIn(t, right, "X-Forwarded-For", from); a.code != http.StatusSeeOther {
				t.Fatalf("the owner's browser from %s after strangers' guesses: %d, want 303", from, a.code)
			}
			owner.post(t, "/console/logout", owner.form(t))
		}
		// A device cookie changed by hand is no device cookie.
		forged := e.browser()
		u, _ := url.Parse(e.srv.URL + "/console/login")
		for _, c := range owner.client.Jar.Cookies(u) {
			if strings.HasPrefix(c.Name, "tamkeen_device_") {
				payload, mac, _ := strings.Cut(c.Value, ".")
				forged.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: payload + "x." + mac, Path: "/console/login"}})
			}
		}
		if a := forged.signIn(t, right, "X-Forwarded-For", "198.51.100.7"); a.code != http.StatusTooManyRequests {
			t.Fatalf("a forged device cookie: %d, want 429", a.code)
		}
		// A trusted browser has its own count: five wrong passwords hold it back too.
		for range 5 {
			owner.signIn(t, wrong, "X-Forwarded-For", "198.51.100.7")
		}
		if a := owner.signIn(t, right, "X-Forwarded-For", "198.51.100.7"); a.code != http.StatusTooManyRequests {
			t.Fatalf("the owner's browser after its own 5 wrong passwords: %d, want 429", a.code)
		}
		// The refusals are logged and audited with the address the proxy names.
		logs := e.logs.String()
		for _, want := range []string{"address=203.0.113.1 username=mona", "address=192.0.2.50 username=mona"} {
			if !strings.Contains(logs, want) {
				t.Errorf("the sign-in log lacks %q:\n%s", want, logs)
			}
		}
		events, _ := e.store.AuditSearch(t.Context(), store.AuditFilter{Action: "signin_refused", Limit: 20})
		addrs := map[string]bool{}
		for _, ev := range events {
			addrs[ev.Address] = true
		}
		if !addrs["203.0.113.5"] || addrs["127.0.0.1"] {
			t.Fatalf("refused sign-ins audited from %v, want the forwarded addresses", addrs)
		}
	})
}

// A header anyone can write is believed only from a trusted proxy: without
// one, X-Forwarded-For changes nothing and guesses from one connection
// count on one address.
func TestForwardedForIsIgnoredFromAnUntrustedPeer(t *testing.T) {
	e := sqlite(t, token)
	for i := range 5 {
		if a := e.browser().signIn(t, url.Values{"username": {fmt.Sprintf("user%d", i)}, "password": {"wrong password"}},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)); a.code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, a.code)
		}
	}
	if a := e.browser().signIn(t, url.Values{"token": {token}}, "X-Forwarded-For", "198.51.100.1"); a.code != http.StatusTooManyRequests {
		t.Fatalf("a made-up X-Forwarded-For escaped the address's limit: %d", a.code)
	}
}

// Signing in to one's own account does not reset the count of guesses
// made from the same address at other accounts: whether the viewer signs in
// from the browser it used before or from new ones, 16 guesses between its
// sign-ins get 5 answers and 11 × 429.
func TestASuccessKeepsTheAddressesOtherGuesses(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	each(t, token, func(t *testing.T, e *env) {
		account(t, e.store, "data", store.RoleViewer, "read only pass phrase")
		for _, sameBrowser := range []bool{true, false} {
			viewer := e.browser()
			guesses := map[int]int{}
			for round := range 4 {
				if !sameBrowser {
					viewer = e.browser()
				}
				a := viewer.signIn(t, url.Values{"username": {"data"}, "password": {"read only pass phrase"}})
				if sameBrowser && a.code != http.StatusSeeOther {
					t.Fatalf("round %d: the viewer's own sign-in: %d", round, a.code)
				}
				if a.code == http.StatusSeeOther {
					viewer.post(t, "/console/logout", viewer.form(t))
				}
				for g := range 4 {
					a := e.browser().signIn(t, url.Values{"username": {fmt.Sprintf("someone%d", round*4+g)}, "password": {"a guess"}})
					guesses[a.code]++
				}
			}
			if guesses[http.StatusUnauthorized] != signinlimit.Limit || guesses[http.StatusTooManyRequests] != 16-signinlimit.Limit {
				t.Fatalf("same browser %v: 16 guesses between the viewer's sign-ins answered %v, want %d × 401 and the rest 429",
					sameBrowser, guesses, signinlimit.Limit)
			}
			e.clk.Advance(signinlimit.Window)
		}
	})
}

// A name or password far longer than any account's is refused before it is
// compared or stored: sixty sign-ins with a million-character name add a
// few rows to the audit log, not 60 MB, and the audit page stays small.
func TestHugeSignInsDoNotFillTheDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	each(t, token, func(t *testing.T, e *env) {
		account(t, e.store, "mona", store.RoleStaff, "caseworker pass phrase")
		rng := rand.New(rand.NewPCG(1, 2))
		huge := func() string { // letters at random: no database compresses them away
			b := make([]byte, 1_000_000)
			for i := range b {
				b[i] = byte('a' + rng.IntN(26))
			}
			return string(b)
		}
		before, err := e.store.Size(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		started := time.Now()
		codes := map[int]int{}
		for range 60 {
			codes[b.signIn(t, url.Values{"username": {huge()}, "password": {"x"}}).code]++
		}
		if codes[http.StatusBadRequest] != signinlimit.Limit || codes[http.StatusTooManyRequests] != 60-signinlimit.Limit {
			t.Fatalf("60 sign-ins with a million-character name answered %v, want %d × 400, then 429", codes, signinlimit.Limit)
		}
		e.clk.Advance(signinlimit.Window)
		if a := e.browser().signIn(t, url.Values{"username": {"mona"}, "password": {huge()}}); a.code != http.StatusUnauthorized {
			t.Fatalf("a million-character password: %d, want 401", a.code)
		}
		t.Logf("61 sign-ins of a megabyte each answered in %v", time.Since(started).Round(time.Millisecond))
		after, err := e.store.Size(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if grew := after - before; grew > 256<<10 {
			t.Fatalf("the database grew by %d bytes (%d → %d)", grew, before, after)
		}
		t.Logf("the database grew by %d bytes (%d → %d)", after-before, before, after)
		events, _ := e.store.AuditLog(t.Context(), 0, 100)
		if len(events) > signinlimit.Limit+2 {
			t.Fatalf("%d audit rows for 61 refused sign-ins", len(events))
		}
		for _, ev := range events {
			if n := utf8.RuneCountInString(ev.Actor); n > store.MaxAuditActor {
				t.Fatalf("an audit row keeps a %d-character name", n)
			}
		}
		if ev := events[1]; ev.Action != "signin_throttled" || ev.Count != 60-signinlimit.Limit {
			t.Fatalf("the held-back sign-ins are not one row with their count: %+v", ev)
		}
		admin := e.browser()
		admin.login(t)
		if a := admin.get(t, "/console/audit"); a.code != http.StatusOK || len(a.body) > 64<<10 {
			t.Fatalf("the audit page: %d, %d bytes", a.code, len(a.body))
		}
	})
}

// The sign-in form carries a token tied to a cookie that only this site's
// pages set (SameSite=Strict): a form posted from another site, or without
// the token, signs nobody in.
func TestSignInNeedsTheFormsToken(t *testing.T) {
	e := sqlite(t, token)
	attacker := e.browser()
	stolen := attacker.loginToken(t)
	victim := e.browser()
	for name, form := range map[string]url.Values{
		"no token":                           {"token": {token}},
		"another browser's token, no cookie": {"token": {token}, "csrf": {stolen}},
	} {
		if a := victim.post(t, "/console/login", form); a.code != http.StatusForbidden || a.cookie("tamkeen_console") != nil {
			t.Fatalf("%s: %d %v, want 403 and no session", name, a.code, a.cookies)
		}
	}
	victim.loginToken(t) // the victim's own cookie, but the attacker's token
	if a := victim.post(t, "/console/login", url.Values{"token": {token}, "csrf": {stolen}}); a.code != http.StatusForbidden {
		t.Fatalf("a token of another browser's cookie: %d, want 403", a.code)
	}
	if a := victim.signIn(t, url.Values{"token": {token}}); a.code != http.StatusSeeOther {
		t.Fatalf("the form as the page gives it: %d", a.code)
	}
}
