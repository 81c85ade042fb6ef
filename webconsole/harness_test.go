package webconsole_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
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
	logs       *syncBuffer // what the console logged
}

// syncBuffer is a log sink that requests write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newEnv(t *testing.T, s *store.Store, clk *clock.Manual, tok string) *env {
	return newEnvWith(t, s, clk, webconsole.Config{Token: tok, Channels: []string{"telegram", "sms"}, SMSPrice: 0.012, SMSCurrency: "OMR"})
}

// newEnvWith is the console with cfg (its Location is Muscat's), behind
// the trusted proxies given (the test client's X-Forwarded-For is then
// believed).
func newEnvWith(t *testing.T, s *store.Store, clk *clock.Manual, cfg webconsole.Config, proxies ...netip.Prefix) *env {
	t.Helper()
	p := pipelinetest.New(t, s, clk)
	bs := notifier.NewBroadcasts(s, clk, p.Log, nil, notifier.BroadcastConfig{})
	sim := webconsole.NewSimulator(s, p.Inbox, p.Renderer)
	cfg.Location = p.Location
	logs := &syncBuffer{}
	c, err := webconsole.New(s, bs, sim, p.Bundle, clk, slog.New(slog.NewTextHandler(logs, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New("127.0.0.1:0", s, metrics.New(), p.Log)
	h.TrustProxies(proxies)
	c.Mount(h)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &env{
		srv: srv, store: s, clk: clk, broadcasts: bs, console: c, bundle: p.Bundle, logs: logs,
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
	// retryAfter is the Retry-After header.
	retryAfter string
}

func (e *env) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{code: res.StatusCode, body: string(b), location: res.Header.Get("Location"), cookies: res.Cookies(),
		retryAfter: res.Header.Get("Retry-After")}
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
	if a := e.get(t, "/console/login"); a.code == http.StatusSeeOther && a.location == "/console/" {
		return // still signed in: the sign-in page sends a signed-in browser home
	}
	if a := e.signIn(t, url.Values{"token": {token}}); a.code != http.StatusSeeOther || a.location != "/console/" {
		t.Fatalf("login: %d %q", a.code, a.location)
	}
}

// signIn posts the sign-in form as a browser does: it opens the sign-in
// page first and sends the form's token with form. header are name, value
// pairs added to the POST.
func (e *env) signIn(t *testing.T, form url.Values, header ...string) answer {
	t.Helper()
	form = maps.Clone(form)
	if m := csrfField.FindStringSubmatch(e.get(t, "/console/login").body); m != nil {
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(t, req)
}

// cookie is the answer's cookie called name (nil: none set).
func (a answer) cookie(name string) *http.Cookie {
	for _, c := range a.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
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

// browser is another browser on the same console: its own cookies, nothing signed in.
func (e *env) browser() *env {
	b := *e
	c := *e.client
	c.Jar, _ = newJar()
	b.client = &c
	return &b
}
