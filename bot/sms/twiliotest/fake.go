// Package twiliotest is a fake Twilio for tests and local runs: an httptest
// server speaking the Messages API (basic auth, To/From/Body rules, Twilio's
// JSON error shapes) that records what was sent, and a client that posts
// signed inbound messages and status callbacks to the service, as Twilio does.
package twiliotest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot/sms/segment"
)

// Message is one message the fake accepted.
type Message struct {
	SID            string
	To             string
	From           string
	ServiceSID     string
	Body           string
	Segments       int
	StatusCallback string
}

// Failure is an error the fake answers with.
type Failure struct {
	HTTPStatus int
	Code       int    // Twilio error code (0: a bare HTTP error without a JSON body)
	Message    string // optional
	RetryAfter int    // seconds, sent as Retry-After when > 0
}

// Config is the account the fake serves.
type Config struct {
	AccountSID          string
	AuthToken           string
	From                string // the account's number
	MessagingServiceSID string // or a messaging service
	// App is where the service listens (an httptest server's URL); PublicURL is
	// what Twilio believes it calls, and signs. They differ behind a proxy.
	App       string
	PublicURL string
}

// Fake is a fake Twilio.
type Fake struct {
	cfg    Config
	server *httptest.Server
	http   *http.Client

	mu        sync.Mutex
	messages  []Message
	optedOut  map[string]bool
	landlines map[string]bool
	failNext  map[string][]Failure // by To number, "*" for any
	seq       int
	rate      int    // segments accepted in any rolling second (0: no limit)
	window    []sent // accepted messages of the last second, oldest first
	throttled int    // 429s (20429) answered for the rate
	accepted  []sent // every accepted message's arrival, for rate measurements
}

// sent is an accepted message's arrival and cost.
type sent struct {
	at       time.Time
	segments int
}

// Limit makes the fake accept at most segments SMS segments in any rolling
// second, counted when requests arrive, and answer 429 with Twilio's error
// 20429 above it (a message longer than the limit goes only into an empty
// second).
func (f *Fake) Limit(segments int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = segments
}

// Throttled counts the 429s the rate limit answered.
func (f *Fake) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// SegmentsPerSecond is the rate accepted messages arrived at, in segments
// a second, from the first arrival to the last (the last one's segments
// are not counted: they start the next second).
func (f *Fake) SegmentsPerSecond() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.accepted) < 2 {
		return 0
	}
	segs := 0
	for _, a := range f.accepted[:len(f.accepted)-1] {
		segs += a.segments
	}
	return float64(segs) / f.accepted[len(f.accepted)-1].at.Sub(f.accepted[0].at).Seconds()
}

// overRate says whether accepting a message of segs segments that arrived
// at would put more than the rate in some rolling second. Requests are
// handled concurrently, so one may be checked after a later arrival was
// accepted: every second that would hold it is counted. A message longer
// than the rate goes only into an empty second. Callers hold f.mu.
func (f *Fake) overRate(at time.Time, segs int) bool {
	if f.rate <= 0 {
		return false
	}
	drop := 0
	for drop < len(f.window) && at.Sub(f.window[drop].at) >= 2*time.Second {
		drop++
	}
	f.window = f.window[drop:]
	ends := []time.Time{at}
	for _, w := range f.window {
		if !w.at.Before(at) && w.at.Sub(at) < time.Second {
			ends = append(ends, w.at)
		}
	}
	for _, end := range ends {
		inWindow := 0
		for _, w := range f.window {
			if end.Sub(w.at) < time.Second && !w.at.After(end) {
				inWindow += w.segments
			}
		}
		if inWindow > 0 && inWindow+segs > f.rate {
			return true
		}
	}
	return false
}

// New starts a fake Twilio, closed when the test ends.
func New(t testing.TB, cfg Config) *Fake {
	t.Helper()
	f := &Fake{cfg: cfg, optedOut: map[string]bool{}, landlines: map[string]bool{}, failNext: map[string][]Failure{}, http: &http.Client{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// URL is the fake API's base URL (for TWILIO_API_BASE_URL).
func (f *Fake) URL() string { return f.server.URL }

// SetApp tells the fake where the service listens, once it does.
func (f *Fake) SetApp(app string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.App = app
}

// Messages returns every accepted message, oldest first.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// To returns the bodies sent to number, oldest first.
func (f *Fake) To(number string) []string {
	var out []string
	for _, m := range f.Messages() {
		if m.To == number {
			out = append(out, m.Body)
		}
	}
	return out
}

// OptOut makes every later message to number fail with 21610, as after the
// person texted STOP to the carrier.
func (f *Fake) OptOut(number string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.optedOut[number] = true
}

// Landline makes every later message to number fail with 21614.
func (f *Fake) Landline(number string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.landlines[number] = true
}

// FailNext makes the next message to number ("*": to anyone) fail with fl.
func (f *Fake) FailNext(number string, fl Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[number] = append(f.failNext[number], fl)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now() // the rate is measured when a request arrives
	path := "/2010-04-01/Accounts/" + f.cfg.AccountSID + "/Messages.json"
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.cfg.AccountSID || pass != f.cfg.AuthToken {
		writeError(w, Failure{HTTPStatus: http.StatusUnauthorized, Code: 20003, Message: "Authenticate"})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != path {
		writeError(w, Failure{HTTPStatus: http.StatusNotFound, Code: 20404, Message: "The requested resource " + r.URL.Path + " was not found"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, Failure{HTTPStatus: http.StatusBadRequest, Code: 20001, Message: "bad form"})
		return
	}
	to, from, service, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("Body")

	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range []string{to, "*"} {
		if q := f.failNext[key]; len(q) > 0 {
			f.failNext[key] = q[1:]
			writeError(w, q[0])
			return
		}
	}
	switch {
	case to == "":
		writeError(w, Failure{HTTPStatus: 400, Code: 21604, Message: "A 'To' phone number is required."})
	case !e164.MatchString(to):
		writeError(w, Failure{HTTPStatus: 400, Code: 21211, Message: fmt.Sprintf("The 'To' number %s is not a valid phone number.", to)})
	case f.landlines[to]:
		writeError(w, Failure{HTTPStatus: 400, Code: 21614, Message: fmt.Sprintf("'To' number %s is not a valid mobile number", to)})
	case from == "" && service == "":
		writeError(w, Failure{HTTPStatus: 400, Code: 21603, Message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message"})
	case from != "" && from != f.cfg.From:
		writeError(w, Failure{HTTPStatus: 400, Code: 21606, Message: fmt.Sprintf("The From phone number %s is not a valid, SMS-capable inbound phone number or short code for your account.", from)})
	case service != "" && service != f.cfg.MessagingServiceSID:
		writeError(w, Failure{HTTPStatus: 400, Code: 21703, Message: "The Messaging Service Sid " + service + " is invalid."})
	case strings.TrimSpace(body) == "":
		writeError(w, Failure{HTTPStatus: 400, Code: 21602, Message: "Message body is required."})
	case utf8.RuneCountInString(body) > 1600:
		writeError(w, Failure{HTTPStatus: 400, Code: 21617, Message: "The concatenated message body exceeds the 1600 character limit."})
	case f.optedOut[to]:
		writeError(w, Failure{HTTPStatus: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"})
	case f.overRate(arrived, segment.Segments(body)):
		f.throttled++
		writeError(w, Failure{HTTPStatus: http.StatusTooManyRequests, Code: 20429, Message: "Too Many Requests"})
	default:
		i, _ := slices.BinarySearchFunc(f.window, arrived, func(w sent, t time.Time) int { return w.at.Compare(t) })
		f.window = slices.Insert(f.window, i, sent{arrived, segment.Segments(body)})
		f.accepted = append(f.accepted, sent{arrived, segment.Segments(body)})
		f.seq++
		m := Message{
			SID: fmt.Sprintf("SM%032x", f.seq), To: to, From: from, ServiceSID: service, Body: body,
			Segments: segment.Segments(body), StatusCallback: r.PostForm.Get("StatusCallback"),
		}
		f.messages = append(f.messages, m)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"sid": m.SID, "account_sid": f.cfg.AccountSID, "to": to, "from": nilIfEmpty(from),
			"messaging_service_sid": nilIfEmpty(service), "body": body, "status": "queued",
			"num_segments": strconv.Itoa(m.Segments), "direction": "outbound-api", "api_version": "2010-04-01",
			"uri": path[:len(path)-len(".json")] + "/" + m.SID + ".json",
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeError answers in Twilio's error shape.
func writeError(w http.ResponseWriter, fl Failure) {
	if fl.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(fl.RetryAfter))
	}
	if fl.Code == 0 {
		http.Error(w, http.StatusText(fl.HTTPStatus), fl.HTTPStatus)
		return
	}
	if fl.Message == "" {
		fl.Message = http.StatusText(fl.HTTPStatus)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(fl.HTTPStatus)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": fl.Code, "message": fl.Message, "status": fl.HTTPStatus,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(fl.Code),
	})
}

// Sign computes Twilio's X-Twilio-Signature for a POST of params to url:
// HMAC-SHA1 keyed by the auth token over the URL followed by each parameter
// name and value in name order, in base64.
func Sign(authToken, url string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(url)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params.Get(k))
	}
	h := hmac.New(sha1.New, []byte(authToken))
	h.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// NewSID returns a fresh Twilio-looking sid with prefix ("SM", "MM"...).
func NewSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Post sends params to the service at path, signed (with the fake's token)
// for the address signedFor ("" means the public URL + path), as Twilio
// does; signature "-" sends no signature. It returns the status code and body.
func (f *Fake) Post(path string, params url.Values, signedFor string) (int, string, error) {
	f.mu.Lock()
	app, public, token := f.cfg.App, f.cfg.PublicURL, f.cfg.AuthToken
	f.mu.Unlock()
	if signedFor == "" {
		signedFor = public + path
	}
	req, err := http.NewRequest(http.MethodPost, app+path, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signedFor != "-" {
		req.Header.Set("X-Twilio-Signature", Sign(token, signedFor, params))
	}
	res, err := f.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// InboundParams are the fields Twilio posts for a text from number to the account.
func (f *Fake) InboundParams(sid, from, body string) url.Values {
	return url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {f.cfg.AccountSID},
		"From": {from}, "To": {f.cfg.From}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"ApiVersion": {"2010-04-01"}, "SmsStatus": {"received"},
	}
}

// Text posts a signed inbound text from number with a fresh MessageSid and
// returns the sid and the status code.
func (f *Fake) Text(inboundPath, from, body string) (sid string, code int, err error) {
	sid = NewSID("SM")
	code, _, err = f.Post(inboundPath, f.InboundParams(sid, from, body), "")
	return sid, code, err
}

// Status posts a signed status callback for the message sid to the address
// the message asked for, as Twilio does after a send; errorCode 0 is none.
func (f *Fake) Status(sid, status string, errorCode int) (int, error) {
	var m *Message
	f.mu.Lock()
	for i := range f.messages {
		if f.messages[i].SID == sid {
			m = &f.messages[i]
		}
	}
	public := f.cfg.PublicURL
	f.mu.Unlock()
	if m == nil {
		return 0, fmt.Errorf("twiliotest: no message %s", sid)
	}
	if m.StatusCallback == "" || !strings.HasPrefix(m.StatusCallback, public) {
		return 0, fmt.Errorf("twiliotest: message %s asked for no status callback under %s (got %q)", sid, public, m.StatusCallback)
	}
	params := url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {f.cfg.AccountSID}, "From": {m.From}, "To": {m.To},
		"MessageStatus": {status}, "SmsStatus": {status}, "ApiVersion": {"2010-04-01"},
	}
	if errorCode != 0 {
		params.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	code, _, err := f.Post(strings.TrimPrefix(m.StatusCallback, public), params, m.StatusCallback)
	return code, err
}
