package webconsole

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/signinlimit"
)

// Cookie names.
const (
	sessionCookie = "tamkeen_console"
	langCookie    = "tamkeen_console_lang"
)

// keys are derived from the admin token, so sessions need no server state
// and changing the token logs everyone out.
type keys struct {
	session []byte // signs the session cookie
	token   [32]byte
}

func deriveKeys(token string) keys {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("tamkeen web console session v1"))
	return keys{session: m.Sum(nil), token: sha256.Sum256([]byte(token))}
}

// session is what the signed cookie carries.
type session struct {
	Role    string `json:"r"` // "admin" (the only role so far)
	Expires int64  `json:"e"` // Unix seconds
	Sim     string `json:"s"` // the bot simulator's session id
	Nonce   string `json:"n"` // makes each login's CSRF token its own
}

func (c *Console) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, c.keys.session)
	m.Write([]byte("session\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// readSession returns the request's valid, unexpired session.
func (c *Console) readSession(r *http.Request) (*session, bool) {
	if c.cfg.Token == "" {
		return nil, false
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	p, m, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return nil, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.sign(payload)) {
		return nil, false
	}
	var s session
	if err := json.Unmarshal(payload, &s); err != nil || s.Role != "admin" || s.Sim == "" {
		return nil, false
	}
	if !c.clock.Now().Before(time.Unix(s.Expires, 0)) {
		return nil, false
	}
	// The session must still be on record: signing out ends it for every
	// copy of the cookie.
	live, err := c.store.ConsoleSessionLive(r.Context(), s.Nonce)
	if err != nil {
		c.log.Error("console: session check failed", "err", err)
		return nil, false
	}
	if !live {
		return nil, false
	}
	return &s, true
}

// setSession writes s as the signed session cookie.
func (c *Console) setSession(w http.ResponseWriter, r *http.Request, s *session) {
	payload, _ := json.Marshal(s)
	value := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.sign(payload))
	exp := time.Unix(s.Expires, 0)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/console/", Expires: exp,
		MaxAge: max(1, int(exp.Sub(c.clock.Now()).Seconds())), HttpOnly: true, Secure: isHTTPS(r),
		SameSite: http.SameSiteStrictMode,
	})
}

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// csrfToken is the token every form of this session carries.
func (c *Console) csrfToken(s *session) string {
	m := hmac.New(sha256.New, c.keys.session)
	m.Write([]byte("csrf\x00" + s.Nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) validCSRF(s *session, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.csrfToken(s))) == 1
}

// rightToken compares a typed token with the admin token in constant time.
func (c *Console) rightToken(got string) bool {
	sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
	return c.cfg.Token != "" && subtle.ConstantTimeCompare(sum[:], c.keys.token[:]) == 1
}

// language is the console's language: ?lang= (remembered in a cookie), else
// the cookie, else Arabic.
func (c *Console) language(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); c.bundle.Supported(l) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
		return l
	}
	if ck, err := r.Cookie(langCookie); err == nil && c.bundle.Supported(ck.Value) {
		return ck.Value
	}
	return "ar"
}

func (c *Console) loginPage(w http.ResponseWriter, rq *request) error {
	if rq.sess != nil {
		return seeOther(w, rq, "/console/")
	}
	c.render(w, rq, http.StatusOK, "login", "", map[string]any{"Off": c.cfg.Token == ""})
	return nil
}

func (c *Console) login(w http.ResponseWriter, rq *request) error {
	if c.cfg.Token == "" {
		c.render(w, rq, http.StatusServiceUnavailable, "login", "", map[string]any{"Off": true})
		return nil
	}
	addr := signinlimit.ClientAddress(rq.Request)
	if wait := c.throttle.Wait(addr); wait > 0 {
		// Not even compared: guessing stays slow however fast the guesses come.
		c.log.Warn("console: login refused: too many wrong tokens from this address", "wait", wait.Round(time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		c.render(w, rq, http.StatusTooManyRequests, "login", "", map[string]any{"Throttled": true})
		return nil
	}
	if !c.rightToken(rq.PostFormValue("token")) {
		c.throttle.Failed(addr)
		c.log.Warn("console: login refused: wrong token")
		c.render(w, rq, http.StatusUnauthorized, "login", "", map[string]any{"Wrong": true})
		return nil
	}
	c.throttle.Succeeded(addr)
	s := &session{Role: "admin", Expires: c.clock.Now().Add(c.cfg.SessionTTL).Unix(), Sim: rand.Text(), Nonce: rand.Text()}
	if err := c.store.StartConsoleSession(rq.Context(), s.Nonce, time.Unix(s.Expires, 0)); err != nil {
		return err
	}
	c.setSession(w, rq.Request, s)
	c.log.Info("console: staff logged in", "role", s.Role)
	return seeOther(w, rq, "/console/")
}

func (c *Console) logout(w http.ResponseWriter, rq *request) error {
	if rq.sess != nil {
		if err := c.store.EndConsoleSession(rq.Context(), rq.sess.Nonce); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", MaxAge: -1,
		HttpOnly: true, Secure: isHTTPS(rq.Request), SameSite: http.SameSiteStrictMode})
	return seeOther(w, rq, "/console/login")
}
