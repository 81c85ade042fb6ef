package webconsole

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/store"
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
	Account int64  `json:"a"` // staff account id; 0: signed in with the admin token
	Expires int64  `json:"e"` // Unix seconds
	Sim     string `json:"s"` // the bot simulator's session id
	Nonce   string `json:"n"` // the server-side session id; makes each login's CSRF token its own

	// Read from the database on every request, never from the cookie, so a
	// disabled account or a changed role takes effect at once.
	Role string `json:"-"`
	User string `json:"-"` // username; "" for the admin token
	// Regions limit the inbox to the people of these governorates (none: all).
	Regions store.Regions `json:"-"`
}

// actor names the session's person in the audit log.
func (s *session) actor() string {
	if s.User == "" {
		return "token"
	}
	return s.User
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
	if err := json.Unmarshal(payload, &s); err != nil || s.Sim == "" || s.Nonce == "" {
		return nil, false
	}
	if !c.clock.Now().Before(time.Unix(s.Expires, 0)) {
		return nil, false
	}
	// The session must still be on record: signing out, disabling the
	// account or resetting its password ends it for every copy of the cookie.
	live, err := c.store.LiveStaffSession(r.Context(), s.Nonce)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		c.log.Error("console: session check failed", "err", err)
		return nil, false
	}
	if live.AccountID != s.Account {
		return nil, false
	}
	s.Role, s.User, s.Regions = live.Role, live.Username, live.Regions
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

func (c *Console) logout(w http.ResponseWriter, rq *request) error {
	if rq.sess != nil {
		if err := c.store.EndConsoleSession(rq.Context(), rq.sess.Nonce); err != nil {
			return err
		}
		c.audit(rq, store.AuditEvent{Action: "signout", Outcome: http.StatusSeeOther})
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", MaxAge: -1,
		HttpOnly: true, Secure: isHTTPS(rq.Request), SameSite: http.SameSiteStrictMode})
	return seeOther(w, rq, "/console/login")
}
