package webconsole_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/web"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
	"github.com/tamkeen/tamkeen/webconsole"
)

const token = "console-s3cret-token"

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// env is the console on a real database behind a real HTTP server, with a
// browser-like client (cookie jar, redirects not followed).
type env struct {
	srv        *httptest.Server
	store      *store.Store
	clk        *clock.Manual
	broadcasts *notifier.Broadcasts
	dispatcher *notifier.Dispatcher
	client     *http.Client
	console    *webconsole.Console
	bundle     *locales.Bundle
}

func newEnv(t *testing.T, s *store.Store, clk *clock.Manual, tok string) *env {
	return newEnvWith(t, s, clk, webconsole.Config{Token: tok, Channels: []string{"telegram", "sms"}, SMSPrice: 0.012, SMSCurrency: "OMR"})
}

// newEnvWith is the console with cfg (its Location is Muscat's).
func newEnvWith(t *testing.T, s *store.Store, clk *clock.Manual, cfg webconsole.Config) *env {
	t.Helper()
	p := pipelinetest.New(t, s, clk)
	bs := notifier.NewBroadcasts(s, clk, p.Log, nil, notifier.BroadcastConfig{})
	sim := webconsole.NewSimulator(s, p.Inbox, p.Renderer)
	cfg.Location = p.Location
	c, err := webconsole.New(s, bs, sim, p.Bundle, clk, p.Log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New("127.0.0.1:0", s, metrics.New(), p.Log)
	c.Mount(h)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &env{
		srv: srv, store: s, clk: clk, broadcasts: bs, console: c, bundle: p.Bundle,
		dispatcher: notifier.NewDispatcher(s, []bot.Sender{web.NewSender()}, clk, p.Log, metrics.New(), notifier.DispatcherConfig{}),
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

// each runs fn on SQLite, and on PostgreSQL when configured.
func each(t *testing.T, tok string, fn func(t *testing.T, e *env)) {
	clk := clock.NewManual(t0)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		fn(t, newEnv(t, s, clk, tok))
	})
}

// sqlite runs fn on SQLite only (pure HTTP behaviour, no queries worth comparing).
func sqlite(t *testing.T, tok string) *env {
	clk := clock.NewManual(t0)
	return newEnv(t, storetest.SQLite(t, clk), clk, tok)
}

type answer struct {
	code     int
	body     string
	location string
	cookies  []*http.Cookie
}

func (e *env) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{code: res.StatusCode, body: string(b), location: res.Header.Get("Location"), cookies: res.Cookies()}
}

func (e *env) get(t *testing.T, path string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	return e.do(t, req)
}

func (e *env) post(t *testing.T, path string, form url.Values) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(t, req)
}

func (e *env) login(t *testing.T) {
	t.Helper()
	if a := e.post(t, "/console/login", url.Values{"token": {token}}); a.code != http.StatusSeeOther || a.location != "/console/" {
		t.Fatalf("login: %d %q", a.code, a.location)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a page as a browser would.
func (e *env) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(e.get(t, "/console/").body)
	if m == nil {
		t.Fatal("no CSRF token on the dashboard")
	}
	return m[1]
}

// form is url.Values with the CSRF token added.
func (e *env) form(t *testing.T, kv ...string) url.Values {
	t.Helper()
	v := url.Values{"csrf": {e.csrf(t)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q:\n%s", w, body)
		}
	}
}

// contact adds a person as the inbox would have stored them.
func contact(t *testing.T, s *store.Store, addr vocab.Address, fn func(c *store.Contact)) int64 {
	t.Helper()
	var id int64
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(addr, "ar")
		if err != nil {
			return err
		}
		fn(c)
		id = c.ID
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }
