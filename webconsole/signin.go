package webconsole

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/signinlimit"
	"github.com/tamkeen/tamkeen/store"
)

// What a sign-in form may carry: longer values are refused before anything
// is compared or stored.
const (
	maxUsernameChars = 64   // as store.NormalizeUsername allows
	maxSecretBytes   = 1024 // passwords and the admin token
	logNameChars     = 32   // how much of a tried name a log line shows
)

// Cookies of the sign-in page.
const (
	loginCookie  = "tamkeen_login"   // the login form's CSRF secret
	deviceCookie = "tamkeen_device_" // + a digest of the account: this browser signed in to it before
	deviceTTL    = 180 * 24 * time.Hour
)

// loginCSRF is the token the sign-in forms carry: a MAC of a random value
// kept in a SameSite=Strict cookie, so a form posted from another site
// (which the cookie does not accompany) cannot sign a browser in.
func (c *Console) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(loginCookie); err == nil && len(ck.Value) == 26 {
		v = ck.Value
	} else {
		v = rand.Text()
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/console/login", MaxAge: 24 * 3600,
			HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode})
	}
	m := hmac.New(sha256.New, c.keys.session)
	m.Write([]byte("login csrf\x00" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) validLoginCSRF(r *http.Request, got string) bool {
	ck, err := r.Cookie(loginCookie)
	if err != nil || len(ck.Value) != 26 || got == "" {
		return false
	}
	m := hmac.New(sha256.New, c.keys.session)
	m.Write([]byte("login csrf\x00" + ck.Value))
	return subtle.ConstantTimeCompare([]byte(got), []byte(base64.RawURLEncoding.EncodeToString(m.Sum(nil)))) == 1
}

func (c *Console) loginPage(w http.ResponseWriter, rq *request) error {
	if rq.sess != nil {
		return seeOther(w, rq, "/console/")
	}
	c.renderLogin(w, rq, http.StatusOK, map[string]any{"Off": c.cfg.Token == ""})
	return nil
}

// renderLogin shows the sign-in page with a fresh form token.
func (c *Console) renderLogin(w http.ResponseWriter, rq *request, code int, data map[string]any) {
	if c.cfg.Token != "" {
		data["CSRF"] = c.loginCSRF(w, rq.Request)
	}
	c.render(w, rq, code, "login", "", data)
}

// device is what a device cookie says: this browser signed in to Who
// (an account's name, or "" for the admin token) before.
type device struct {
	Who     string `json:"w"`
	Nonce   string `json:"n"`
	Expires int64  `json:"e"`
}

// deviceCookieName is the cookie that makes this browser trusted for who.
func deviceCookieName(who string) string {
	sum := sha256.Sum256([]byte("device\x00" + who))
	return deviceCookie + hex.EncodeToString(sum[:8])
}

func (c *Console) signDevice(payload []byte) []byte {
	m := hmac.New(sha256.New, c.keys.session)
	m.Write([]byte("device\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// trustedDevice returns the request's valid device cookie for who.
func (c *Console) trustedDevice(r *http.Request, who string) (device, bool) {
	ck, err := r.Cookie(deviceCookieName(who))
	if err != nil || len(ck.Value) > 512 {
		return device{}, false
	}
	p, m, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return device{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.signDevice(payload)) {
		return device{}, false
	}
	var d device
	if json.Unmarshal(payload, &d) != nil || d.Who != who || d.Nonce == "" || !c.clock.Now().Before(time.Unix(d.Expires, 0)) {
		return device{}, false
	}
	return d, true
}

// trustDevice gives the browser a new device cookie for who.
func (c *Console) trustDevice(w http.ResponseWriter, r *http.Request, who string) {
	exp := c.clock.Now().Add(deviceTTL)
	payload, _ := json.Marshal(device{Who: who, Nonce: rand.Text(), Expires: exp.Unix()})
	http.SetCookie(w, &http.Cookie{Name: deviceCookieName(who),
		Value: base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.signDevice(payload)),
		Path:  "/console/login", Expires: exp, MaxAge: int(deviceTTL.Seconds()), HttpOnly: true, Secure: isHTTPS(r),
		SameSite: http.SameSiteStrictMode})
}

// attempt is one sign-in as the form gave it.
type attempt struct {
	addr     string
	username string // as typed, trimmed
	account  string // its normal form; "" when no account can have it
	byToken  bool
	secret   string // the password or token
}

// who names the account tried: its normal form, or "" for the admin token.
func (a *attempt) who() string {
	if a.byToken {
		return ""
	}
	return a.account
}

// tag marks the attempt on its address's counter: a success forgets the
// address's failures with the same tag (the person's own typos).
func (a *attempt) tag() string {
	switch {
	case a.byToken:
		return "\x00token"
	case a.account == "":
		return "\x00invalid"
	}
	return a.account
}

// actor names the attempt in the audit log.
func (a *attempt) actor() string {
	if a.byToken {
		return "token"
	}
	return a.username
}

// login signs a person in with their account (username and password) or,
// for the first admin and machines' owners, with the admin token.
//
// Every attempt is charged to the limiter before anything is compared and
// settled after. A browser that signed in to the account before (it has
// that account's device cookie) is counted on its own; any other browser is
// counted per address and, for the account, with all other untrusted
// browsers together. So guessing one password from many addresses stays
// slow, and yet nobody's wrong guesses keep the owner out of their account.
func (c *Console) login(w http.ResponseWriter, rq *request) error {
	if c.cfg.Token == "" {
		c.render(w, rq, http.StatusServiceUnavailable, "login", "", map[string]any{"Off": true})
		return nil
	}
	if !c.validLoginCSRF(rq.Request, rq.PostFormValue("csrf")) {
		c.log.Warn("console: sign-in without a valid form token refused (a form from another site, or an old page)",
			"address", httpapi.ClientAddress(rq.Request))
		return errForbidden
	}
	a := &attempt{addr: httpapi.ClientAddress(rq.Request), username: strings.TrimSpace(rq.PostFormValue("username"))}
	a.byToken = a.username == "" && rq.PostFormValue("token") != ""
	a.secret = rq.PostFormValue("password")
	if a.byToken {
		a.secret = rq.PostFormValue("token")
	}
	addrKey := signinlimit.AddressKey(a.addr)
	if len(a.username) > 4*maxUsernameChars || utf8.RuneCountInString(a.username) > maxUsernameChars {
		// No account has such a name: refused unread, and counted against
		// the address so that it cannot be sent again and again.
		res, wait := c.signins.Reserve(signinlimit.Key{Name: addrKey, Tag: a.tag()})
		if wait > 0 {
			return c.throttled(w, rq, a, wait)
		}
		res.Failed()
		return c.refuse(w, rq, a, http.StatusBadRequest)
	}
	a.account, _ = store.NormalizeUsername(a.username)

	keys := []signinlimit.Key{{Name: addrKey, Tag: a.tag()}}
	dev, trusted := device{}, false
	if a.byToken || a.account != "" {
		dev, trusted = c.trustedDevice(rq.Request, a.who())
		if trusted {
			keys = []signinlimit.Key{{Name: "device:" + dev.Nonce}}
		} else {
			keys = append(keys, signinlimit.Key{Name: "untrusted:" + a.who(), Tag: addrKey})
		}
	}
	res, wait := c.signins.Reserve(keys...)
	if wait > 0 {
		return c.throttled(w, rq, a, wait)
	}
	s := &session{Expires: c.clock.Now().Add(c.cfg.SessionTTL).Unix(), Sim: rand.Text(), Nonce: rand.Text()}
	switch {
	case len(a.secret) > maxSecretBytes:
		res.Failed()
		return c.refuse(w, rq, a, http.StatusUnauthorized)
	case a.byToken:
		if !c.rightToken(a.secret) {
			res.Failed()
			return c.refuse(w, rq, a, http.StatusUnauthorized)
		}
		s.Role = store.RoleAdmin
	default:
		acct, err := c.store.CheckStaffPassword(rq.Context(), a.username, a.secret)
		if errors.Is(err, store.ErrNotFound) {
			res.Failed()
			return c.refuse(w, rq, a, http.StatusUnauthorized)
		}
		if err != nil {
			res.Cancel()
			return err
		}
		s.Account, s.Role, s.User = acct.ID, acct.Role, acct.Username
	}
	res.Succeeded()
	if err := c.store.StartStaffSession(rq.Context(), s.Nonce, s.Account, time.Unix(s.Expires, 0)); err != nil {
		return err
	}
	c.trustDevice(w, rq.Request, a.who())
	c.setSession(w, rq.Request, s)
	rq.sess = s
	c.audit(rq, store.AuditEvent{Action: "signin", Outcome: http.StatusSeeOther})
	c.log.Info("console: staff signed in", "role", s.Role, "trusted_browser", trusted)
	return seeOther(w, rq, "/console/")
}

// throttled answers an attempt held back by the limiter: nothing was
// compared. Such refusals from one address are one audit row per window.
func (c *Console) throttled(w http.ResponseWriter, rq *request, a *attempt, wait time.Duration) error {
	c.log.Warn("console: sign-in held back: too many failures from this address or for this account",
		"address", a.addr, "username", logName(a.actor()), "wait", wait.Round(time.Second))
	c.auditRefusal(rq, store.AuditEvent{Actor: a.actor(), Action: "signin_throttled", Outcome: http.StatusTooManyRequests}, false)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	c.renderLogin(w, rq, http.StatusTooManyRequests, map[string]any{"Throttled": true, "Username": clipName(a.username)})
	return nil
}

// refuse answers a wrong or impossible name, password or token.
func (c *Console) refuse(w http.ResponseWriter, rq *request, a *attempt, code int) error {
	c.log.Warn("console: sign-in refused: wrong username, password or token",
		"address", a.addr, "username", logName(a.actor()), "status", code)
	c.auditRefusal(rq, store.AuditEvent{Actor: a.actor(), Action: "signin_refused", Outcome: code}, true)
	c.renderLogin(w, rq, code, map[string]any{"Wrong": true, "Username": clipName(a.username)})
	return nil
}

// clipName is a tried name cut to what an account name can be.
func clipName(s string) string {
	if utf8.RuneCountInString(s) <= maxUsernameChars {
		return s
	}
	return string([]rune(s[:min(len(s), 4*maxUsernameChars)])[:maxUsernameChars])
}

// logName is a tried name as a log line shows it: short, valid UTF-8.
func logName(s string) string {
	s = strings.ToValidUTF8(s[:min(len(s), 4*logNameChars)], "?")
	if r := []rune(s); len(r) > logNameChars {
		return string(r[:logNameChars]) + "…"
	}
	return s
}
