// Package whatsapptest is a strict fake of Meta's WhatsApp Cloud API for
// tests and local runs. It serves POST /{version}/{phone_number_id}/messages
// as WhatsApp does and refuses what WhatsApp refuses, with its error codes
// and shapes: a wrong bearer token (190), a request outside the message
// schema (100), titles, rows and bodies over their limits (131009), a
// template that is not approved (132001) or with the wrong parameters
// (132000, 100), free-form messages to someone who has not written within
// 24 hours (131047, answered at once or as a failed status), and more
// messages in any rolling second than the rate (130429). It plays the
// people too: their messages, taps and shared cards, and the statuses of
// what was sent, posted to the service's webhook signed with the app
// secret, as Meta does.
package whatsapptest

import (
	"bytes"
	"crypto/rand"
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/clock"
)

// The fake's defaults: what a test sets the WHATSAPP_* settings to.
const (
	Token         = "EAAGtest0Token0For0The0Fake"
	PhoneNumberID = "106540352242922"
	AppSecret     = "fake-app-secret"
	VerifyToken   = "fake-verify-token"
	Version       = "v26.0"
	BusinessID    = "102290129340398"
)

// Window is how long after a person's last message free-form messages may go.
const Window = 24 * time.Hour

// TemplateDef is an approved template: its name, language and number of body parameters.
type TemplateDef struct {
	Name     string
	Language string
	Params   int
}

// Registered is names approved in Arabic and English, each with one body
// parameter ({{1}}), as the README asks the program to register its
// templates.
func Registered(names ...string) []TemplateDef {
	var out []TemplateDef
	for _, n := range names {
		out = append(out, TemplateDef{Name: n, Language: "ar", Params: 1}, TemplateDef{Name: n, Language: "en", Params: 1})
	}
	return out
}

// Config is the business number the fake serves.
type Config struct {
	AccessToken   string // default Token
	PhoneNumberID string // default PhoneNumberID
	AppSecret     string // default AppSecret
	DisplayNumber string // the business number as shown ("+968 2400 0000" by default)
	// Rate is how many messages the fake accepts in any rolling second,
	// counted when requests arrive (0: no limit); beyond it 130429.
	Rate float64
	// Clock dates people's messages and judges the 24-hour window (default: the system's).
	Clock clock.Clock
	// Templates are the approved templates.
	Templates []TemplateDef
	// WindowInStatus makes a free-form message outside the window accepted,
	// then failed with 131047 in a status (FlushStatuses posts it), as
	// WhatsApp also does; else the send is refused at once.
	WindowInStatus bool
	// App is where the service listens: people's messages and statuses are
	// posted to App + whatsapp.WebhookPath. SetApp sets it later.
	App string
	// OnSent, when set, is called with each message the fake accepts.
	OnSent func(Sent)
}

// User is a person on WhatsApp: their number (E.164) and business-scoped
// user id, either or both (a user with a username may hide the number).
type User struct {
	Phone string
	ID    string
	Name  string
}

// Sent is one message the fake accepted.
type Sent struct {
	WAMID     string
	To        string // the number it went to, E.164 ("" when sent by user id)
	Recipient string // the user id it went to ("" when sent by number)
	Request   whatsapp.Request
	At        time.Time
}

// Refusal is a request the fake refused, with the code it answered.
type Refusal struct {
	Code   int
	Detail string
}

// Failure is an error to answer the next send with (FailNext).
type Failure struct {
	HTTPStatus int // default 400
	Code       int // WhatsApp's error code; 0 answers a bare HTTP error without Graph's JSON
	Message    string
}

// Fake is a fake Cloud API.
type Fake struct {
	cfg    Config
	server *httptest.Server
	client *http.Client

	mu        sync.Mutex
	sent      []Sent
	refused   []Refusal
	calls     int
	throttled int
	last      map[string]time.Time // a person's last message, by number and by user id
	failNext  []Failure
	statuses  []map[string]any // failed statuses waiting for FlushStatuses
	arrivals  []time.Time      // accepted sends of the last two seconds, in order
	accepted  []time.Time      // every accepted send, for rate measurements
	seq       int
}

// New starts a fake on a local port, closed when the test ends.
func New(t testing.TB, cfg Config) *Fake {
	t.Helper()
	f := NewFake(cfg)
	f.server = httptest.NewServer(f.Handler())
	t.Cleanup(f.server.Close)
	return f
}

// NewFake returns a fake without a server: serve its Handler (the command
// in cmd/whatsapp-fake does); New starts one for a test.
func NewFake(cfg Config) *Fake {
	if cfg.AccessToken == "" {
		cfg.AccessToken = Token
	}
	if cfg.PhoneNumberID == "" {
		cfg.PhoneNumberID = PhoneNumberID
	}
	if cfg.AppSecret == "" {
		cfg.AppSecret = AppSecret
	}
	if cfg.DisplayNumber == "" {
		cfg.DisplayNumber = "+968 2400 0000"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	cfg.App = strings.TrimRight(cfg.App, "/")
	return &Fake{cfg: cfg, last: map[string]time.Time{}, client: &http.Client{Timeout: 30 * time.Second}}
}

// URL is the API base with its version (for WHATSAPP_API_BASE_URL).
func (f *Fake) URL() string { return f.server.URL + "/" + Version }

// Close stops the fake's server.
func (f *Fake) Close() {
	if f.server != nil {
		f.server.Close()
	}
}

// SetApp tells the fake where the service listens, once it does.
func (f *Fake) SetApp(app string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.App = strings.TrimRight(app, "/")
}

// Handler serves the Cloud API's messages endpoint.
func (f *Fake) Handler() http.Handler { return http.HandlerFunc(f.serve) }

// Sent returns every accepted message, oldest first.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// SentTo returns the messages accepted for u (by number or by user id), oldest first.
func (f *Fake) SentTo(u User) []Sent {
	var out []Sent
	for _, s := range f.Sent() {
		if (s.To != "" && s.To == u.Phone) || (s.Recipient != "" && s.Recipient == u.ID) {
			out = append(out, s)
		}
	}
	return out
}

// Refused returns the requests refused so far (FailNext's included).
func (f *Fake) Refused() []Refusal {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refused)
}

// Calls counts every request to the messages endpoint.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Throttled counts the 130429s the rate answered.
func (f *Fake) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// PerSecond is the rate accepted sends arrived at, from the first to the
// last (the last one is not counted: it starts the next second).
func (f *Fake) PerSecond() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.accepted) < 2 {
		return 0
	}
	return float64(len(f.accepted)-1) / f.accepted[len(f.accepted)-1].Sub(f.accepted[0]).Seconds()
}

// FailNext makes the next send fail with fl (after the request is checked).
func (f *Fake) FailNext(fl Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl.HTTPStatus == 0 {
		fl.HTTPStatus = http.StatusBadRequest
	}
	f.failNext = append(f.failNext, fl)
}

// LastInbound is when u last wrote (zero: never).
func (f *Fake) LastInbound(u User) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastOf(u.Phone, u.ID)
}

func (f *Fake) lastOf(keys ...string) time.Time {
	var at time.Time
	for _, k := range keys {
		if t := f.last[k]; k != "" && t.After(at) {
			at = t
		}
	}
	return at
}

var (
	digits = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)
	userID = regexp.MustCompile(`^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$`)
)

// refusal is an error answer being built.
type refusal struct {
	status  int
	code    int
	sub     int
	message string
	details string
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now() // the rate is counted in real time, when a request arrives
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.cfg.AccessToken {
		f.refuse(w, refusal{status: http.StatusUnauthorized, code: whatsapp.CodeAccessToken, message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	want := "/" + Version + "/" + f.cfg.PhoneNumberID + "/messages"
	if r.Method != http.MethodPost || r.URL.Path != want {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"+Version+"/"), "/messages")
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, sub: 33,
			message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist", strings.ToLower(r.Method), id)})
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter", details: "the body must be JSON, not " + ct})
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter", details: "unreadable body"})
		return
	}
	var req whatsapp.Request
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter", details: fmt.Sprintf("not a message: %v", err)})
		return
	}
	to, bad := f.check(req)
	if bad != nil {
		f.refuse(w, *bad)
		return
	}

	f.mu.Lock()
	if len(f.failNext) > 0 {
		fl := f.failNext[0]
		f.failNext = f.failNext[1:]
		f.mu.Unlock()
		if fl.Code == 0 {
			f.mu.Lock()
			f.refused = append(f.refused, Refusal{Detail: "HTTP " + strconv.Itoa(fl.HTTPStatus)})
			f.mu.Unlock()
			http.Error(w, http.StatusText(fl.HTTPStatus), fl.HTTPStatus)
			return
		}
		f.refuse(w, refusal{status: fl.HTTPStatus, code: fl.Code, message: cmpOr(fl.Message, "Injected failure")})
		return
	}
	freeForm := req.Type != "template"
	closed := freeForm && f.cfg.Clock.Now().Sub(f.lastOf(to.Phone, to.ID)) > Window
	if closed && !f.cfg.WindowInStatus {
		f.mu.Unlock()
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeReEngagement, message: "Re-engagement message",
			details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."})
		return
	}
	if f.overRate(arrived) {
		f.throttled++
		f.mu.Unlock()
		f.refuse(w, refusal{status: http.StatusBadRequest, code: whatsapp.CodeThroughput, message: "Rate limit hit",
			details: "Cloud API message throughput has been reached."})
		return
	}
	i, _ := slices.BinarySearchFunc(f.arrivals, arrived, time.Time.Compare)
	f.arrivals = slices.Insert(f.arrivals, i, arrived)
	f.accepted = append(f.accepted, arrived)
	f.seq++
	wamid := newWAMID(f.seq)
	f.sent = append(f.sent, Sent{WAMID: wamid, To: to.Phone, Recipient: to.ID, Request: req, At: f.cfg.Clock.Now()})
	if closed {
		f.statuses = append(f.statuses, f.status(wamid, to, "failed", whatsapp.CodeReEngagement))
	}
	accepted := f.sent[len(f.sent)-1]
	f.mu.Unlock()
	if f.cfg.OnSent != nil {
		f.cfg.OnSent(accepted)
	}

	contact := map[string]any{"input": cmpOr(req.To, req.Recipient)}
	if to.Phone != "" {
		contact["wa_id"] = strings.TrimPrefix(to.Phone, "+")
	} else {
		contact["user_id"] = to.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{contact},
		"messages":          []any{map[string]any{"id": wamid}},
	})
}

// check validates a request against the Cloud API's schema and limits; it
// returns who the message is for.
func (f *Fake) check(req whatsapp.Request) (User, *refusal) {
	param := func(code int, details string) *refusal {
		msg := "Invalid parameter"
		if code == whatsapp.CodeParameterValue {
			msg = "Parameter value is not valid"
		} else if code == whatsapp.CodeMissingParameter {
			msg = "Required parameter is missing"
		}
		return &refusal{status: http.StatusBadRequest, code: code, message: msg, details: details}
	}
	var to User
	switch {
	case req.MessagingProduct != "whatsapp":
		return to, param(whatsapp.CodeInvalidParameter, "The parameter messaging_product is required and must be whatsapp.")
	case req.RecipientType != "" && req.RecipientType != "individual":
		return to, param(whatsapp.CodeInvalidParameter, "recipient_type must be individual")
	case req.To != "":
		if !digits.MatchString(strings.TrimPrefix(req.To, "+")) {
			return to, param(whatsapp.CodeInvalidParameter, "to is not a phone number with its country code")
		}
		to.Phone = "+" + strings.TrimPrefix(req.To, "+") // WhatsApp uses to when both are given
	case req.Recipient != "":
		if !userID.MatchString(req.Recipient) {
			return to, param(whatsapp.CodeInvalidParameter, "recipient is not a business-scoped user id")
		}
		to.ID = req.Recipient
	default:
		return to, param(whatsapp.CodeMissingParameter, "The parameter to is required.")
	}
	objects := map[string]bool{"text": req.Text != nil, "interactive": req.Interactive != nil, "template": req.Template != nil}
	if !objects[req.Type] {
		return to, param(whatsapp.CodeMissingParameter, fmt.Sprintf("type %q needs its object", req.Type))
	}
	for kind, set := range objects {
		if set && kind != req.Type {
			return to, param(whatsapp.CodeInvalidParameter, fmt.Sprintf("a %s message may not carry %s", req.Type, kind))
		}
	}
	var problem string
	switch req.Type {
	case "text":
		problem = checkText(*req.Text)
	case "interactive":
		problem = checkInteractive(*req.Interactive)
	case "template":
		return to, f.checkTemplate(*req.Template)
	}
	if problem != "" {
		return to, param(whatsapp.CodeParameterValue, problem)
	}
	return to, nil
}

func checkText(t whatsapp.Text) string {
	switch {
	case strings.TrimSpace(t.Body) == "":
		return "Param text['body'] is required"
	case whatsapp.Units(t.Body) > whatsapp.MaxText:
		return fmt.Sprintf("Param text['body'] must be at most %d characters long", whatsapp.MaxText)
	}
	return ""
}

// within says what is wrong with a required text of at most max.
func within(what, s string, max int) string {
	switch {
	case strings.TrimSpace(s) == "":
		return what + " is required"
	case whatsapp.Units(s) > max:
		return fmt.Sprintf("%s length invalid. Min length: 1, Max length: %d", what, max)
	case strings.ContainsAny(s, "\n\r\t"):
		return what + " may not hold a line break or a tab"
	}
	return ""
}

func checkInteractive(in whatsapp.Interactive) string {
	if strings.TrimSpace(in.Body.Text) == "" {
		return "Param interactive['body']['text'] is required"
	}
	if whatsapp.Units(in.Body.Text) > whatsapp.MaxBody {
		return fmt.Sprintf("Param interactive['body']['text'] must be at most %d characters long", whatsapp.MaxBody)
	}
	if in.Body.Type != "" {
		return "body has no type"
	}
	for _, b := range []*whatsapp.TextBlock{in.Header, in.Footer} {
		if b == nil {
			continue
		}
		if p := within("header or footer text", b.Text, 60); p != "" {
			return p
		}
	}
	a := in.Action
	switch in.Type {
	case "button":
		if a.Button != "" || len(a.Sections) > 0 {
			return "reply buttons take no list"
		}
		if len(a.Buttons) < 1 || len(a.Buttons) > whatsapp.MaxButtons {
			return fmt.Sprintf("Buttons count invalid. Min: 1, Max: %d", whatsapp.MaxButtons)
		}
		ids, titles := map[string]bool{}, map[string]bool{}
		for _, b := range a.Buttons {
			if b.Type != "reply" {
				return "button type must be reply"
			}
			if p := within("Button title", b.Reply.Title, whatsapp.MaxButtonTitle); p != "" {
				return p
			}
			if p := within("Button id", b.Reply.ID, whatsapp.MaxButtonID); p != "" {
				return p
			}
			if ids[b.Reply.ID] || titles[b.Reply.Title] {
				return "Button title and id must be unique"
			}
			ids[b.Reply.ID], titles[b.Reply.Title] = true, true
		}
	case "list":
		if len(a.Buttons) > 0 {
			return "a list takes no reply buttons"
		}
		if p := within("Button label", a.Button, whatsapp.MaxListButton); p != "" {
			return p
		}
		if len(a.Sections) < 1 || len(a.Sections) > whatsapp.MaxSections {
			return "Sections count invalid"
		}
		rows, ids := 0, map[string]bool{}
		for _, s := range a.Sections {
			if len(a.Sections) > 1 || s.Title != "" {
				if p := within("Section title", s.Title, whatsapp.MaxSectionTitle); p != "" {
					return p
				}
			}
			if len(s.Rows) == 0 {
				return "a section needs rows"
			}
			for _, row := range s.Rows {
				rows++
				if p := within("Row title", row.Title, whatsapp.MaxRowTitle); p != "" {
					return p
				}
				if p := within("Row id", row.ID, whatsapp.MaxRowID); p != "" {
					return p
				}
				if row.Description != "" {
					if p := within("Row description", row.Description, whatsapp.MaxRowDescription); p != "" {
						return p
					}
				}
				if ids[row.ID] {
					return "Row id must be unique"
				}
				ids[row.ID] = true
			}
		}
		if rows > whatsapp.MaxRows {
			return fmt.Sprintf("Total row count exceed max allowed count: %d", whatsapp.MaxRows)
		}
	default:
		return fmt.Sprintf("interactive type %q is not one this fake serves (button, list)", in.Type)
	}
	return ""
}

func (f *Fake) checkTemplate(t whatsapp.Template) *refusal {
	var def *TemplateDef
	for i, d := range f.cfg.Templates {
		if d.Name == t.Name && d.Language == t.Language.Code {
			def = &f.cfg.Templates[i]
		}
	}
	if def == nil {
		return &refusal{status: http.StatusNotFound, code: whatsapp.CodeTemplateMissing, message: "Template name does not exist in the translation",
			details: fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code)}
	}
	if t.Language.Policy != "" && t.Language.Policy != "deterministic" {
		return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter", details: "language policy must be deterministic"}
	}
	var params []whatsapp.Parameter
	for _, c := range t.Components {
		if c.Type != "body" {
			return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeTemplateParams, message: "Number of parameters does not match the expected number of params",
				details: "the template has a body only"}
		}
		params = append(params, c.Parameters...)
	}
	if len(params) != def.Params {
		return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeTemplateParams, message: "Number of parameters does not match the expected number of params",
			details: fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", len(params), def.Params)}
	}
	for _, p := range params {
		switch {
		case p.Type != "text":
			return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter", details: "parameters are text"}
		case strings.TrimSpace(p.Text) == "":
			return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeMissingParameter, message: "Required parameter is missing", details: "Param text is required"}
		case strings.ContainsAny(p.Text, "\n\r\t") || strings.Contains(p.Text, "     "):
			return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeInvalidParameter, message: "Invalid parameter",
				details: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"}
		case whatsapp.Units(p.Text) > whatsapp.MaxParam:
			return &refusal{status: http.StatusBadRequest, code: whatsapp.CodeParameterValue, message: "Parameter value is not valid",
				details: fmt.Sprintf("Param text must be at most %d characters long", whatsapp.MaxParam)}
		}
	}
	return nil
}

// overRate says whether a send arriving at would put more than the rate
// in some rolling second. Requests are handled concurrently, so one may be
// checked after a later arrival was accepted: every second that would
// hold it is counted. Callers hold f.mu.
func (f *Fake) overRate(at time.Time) bool {
	if f.cfg.Rate <= 0 {
		return false
	}
	drop := 0
	for drop < len(f.arrivals) && at.Sub(f.arrivals[drop]) >= 2*time.Second {
		drop++
	}
	f.arrivals = f.arrivals[drop:]
	ends := []time.Time{at}
	for _, a := range f.arrivals {
		if !a.Before(at) && a.Sub(at) < time.Second {
			ends = append(ends, a)
		}
	}
	for _, end := range ends {
		n := 1 // this one
		for _, a := range f.arrivals {
			if end.Sub(a) < time.Second && !a.After(end) {
				n++
			}
		}
		if float64(n) > f.cfg.Rate {
			return true
		}
	}
	return false
}

func (f *Fake) refuse(w http.ResponseWriter, r refusal) {
	f.mu.Lock()
	f.refused = append(f.refused, Refusal{Code: r.code, Detail: r.details})
	f.mu.Unlock()
	e := map[string]any{
		"message":    fmt.Sprintf("(#%d) %s", r.code, r.message),
		"type":       "OAuthException",
		"code":       r.code,
		"fbtrace_id": "A" + randomHex(11),
	}
	if r.sub != 0 {
		e["error_subcode"] = r.sub
		e["type"] = "GraphMethodException"
	}
	if r.details != "" {
		e["error_data"] = map[string]any{"messaging_product": "whatsapp", "details": r.details}
	}
	writeJSON(w, r.status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// newWAMID returns a wamid as WhatsApp's look: "wamid." and base64.
func newWAMID(seq int) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	copy(b, fmt.Sprintf("%08d", seq))
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// ---- people and Meta's webhook ----

// Text posts a text message from u to the service and returns its wamid and the answer's status code.
func (f *Fake) Text(u User, body string) (string, int, error) {
	return f.Inbound(u, "text", map[string]any{"text": map[string]any{"body": body}})
}

// Tap posts u's tap on a reply button (its id and title).
func (f *Fake) Tap(u User, id, title string) (string, int, error) {
	return f.Inbound(u, "interactive", map[string]any{"interactive": map[string]any{
		"type": "button_reply", "button_reply": map[string]any{"id": id, "title": title}}})
}

// Pick posts u's choice of a list row (its id and title).
func (f *Fake) Pick(u User, id, title string) (string, int, error) {
	return f.Inbound(u, "interactive", map[string]any{"interactive": map[string]any{
		"type": "list_reply", "list_reply": map[string]any{"id": id, "title": title}}})
}

// TemplateReply posts u's tap on a template's quick-reply button.
func (f *Fake) TemplateReply(u User, payload, text string) (string, int, error) {
	return f.Inbound(u, "button", map[string]any{"button": map[string]any{"payload": payload, "text": text}})
}

// Media posts something that is not text: kind is image, audio, voice,
// video, document, sticker, location or unsupported.
func (f *Fake) Media(u User, kind string) (string, int, error) {
	fields := map[string]any{kind: map[string]any{"id": randomHex(15), "mime_type": "application/octet-stream", "sha256": randomHex(64)}}
	switch kind {
	case "location":
		fields = map[string]any{"location": map[string]any{"latitude": 23.588, "longitude": 58.3829, "name": "Muscat"}}
	case "unsupported":
		fields = map[string]any{"errors": []any{map[string]any{"code": 131051, "title": "Message type unknown",
			"message": "Message type unknown", "error_data": map[string]any{"details": "Message type is currently not supported."}}}}
	}
	return f.Inbound(u, kind, fields)
}

// Card posts a contact card u shares: number and name; origin
// "contact_request" is the card shared by a template's request for it.
func (f *Fake) Card(u User, number, name, origin string) (string, int, error) {
	fields := map[string]any{"contacts": []any{map[string]any{
		"name":   map[string]any{"formatted_name": name, "first_name": name},
		"phones": []any{map[string]any{"phone": number, "wa_id": strings.TrimPrefix(number, "+"), "type": "CELL"}},
	}}}
	if origin != "" {
		fields["origin"] = origin
	}
	return f.Inbound(u, "contacts", fields)
}

// Inbound posts a message of type typ from u with the type's fields, as
// Meta does: dated now by the fake's clock (which opens u's 24-hour
// window), signed with the app secret. It returns the wamid and the
// service's status code.
func (f *Fake) Inbound(u User, typ string, fields map[string]any) (string, int, error) {
	wamid, value := f.message(u, typ, fields)
	code, _, err := f.Notify(value)
	return wamid, code, err
}

// InboundBody is the notification Inbound would post, a fresh wamid and
// all, for a caller that posts it itself (a load generator), signed by
// Signature. Unlike Inbound it opens no window: the fake does not know it
// was posted.
func (f *Fake) InboundBody(u User, typ string, fields map[string]any) (wamid string, body []byte, err error) {
	wamid, value := f.message(u, typ, fields)
	body, err = f.notification(value)
	return wamid, body, err
}

// Wrote records that u wrote at at, as WhatsApp knows (someone who wrote
// before the test began): their 24-hour window runs from there.
func (f *Fake) Wrote(u User, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range []string{u.Phone, u.ID} {
		if k != "" && at.After(f.last[k]) {
			f.last[k] = at
		}
	}
}

// message is the value of a notification carrying a message of type typ
// from u, dated now by the fake's clock, and its new wamid.
func (f *Fake) message(u User, typ string, fields map[string]any) (string, map[string]any) {
	f.mu.Lock()
	f.seq++
	wamid := newWAMID(f.seq)
	now := f.cfg.Clock.Now()
	f.mu.Unlock()
	msg := map[string]any{"id": wamid, "timestamp": strconv.FormatInt(now.Unix(), 10), "type": typ}
	contact := map[string]any{"profile": map[string]any{"name": cmpOr(u.Name, "WhatsApp user")}}
	if u.Phone != "" {
		msg["from"] = strings.TrimPrefix(u.Phone, "+")
		contact["wa_id"] = strings.TrimPrefix(u.Phone, "+")
	}
	if u.ID != "" {
		msg["from_user_id"] = u.ID
		contact["user_id"] = u.ID
	}
	for k, v := range fields {
		msg[k] = v
	}
	return wamid, map[string]any{"contacts": []any{contact}, "messages": []any{msg}}
}

// Status posts WhatsApp's status for a sent message: sent, delivered,
// read, or failed with code.
func (f *Fake) Status(wamid, status string, code int) (int, error) {
	f.mu.Lock()
	var to User
	found := false
	for _, s := range f.sent {
		if s.WAMID == wamid {
			to, found = User{Phone: s.To, ID: s.Recipient}, true
		}
	}
	st := f.status(wamid, to, status, code)
	f.mu.Unlock()
	if !found {
		return 0, fmt.Errorf("whatsapptest: no message %s was sent", wamid)
	}
	c, _, err := f.Notify(map[string]any{"statuses": []any{st}})
	return c, err
}

// status builds a status object. Callers hold f.mu.
func (f *Fake) status(wamid string, to User, status string, code int) map[string]any {
	st := map[string]any{"id": wamid, "status": status, "timestamp": strconv.FormatInt(f.cfg.Clock.Now().Unix(), 10)}
	if to.Phone != "" {
		st["recipient_id"] = strings.TrimPrefix(to.Phone, "+")
	} else {
		st["recipient_user_id"] = to.ID
	}
	if code != 0 {
		st["errors"] = []any{map[string]any{"code": code, "title": "failed", "message": "failed",
			"error_data": map[string]any{"details": "see code"}}}
	}
	return st
}

// FlushStatuses posts the failed statuses waiting (WindowInStatus), one
// notification each, and returns how many went.
func (f *Fake) FlushStatuses() (int, error) {
	f.mu.Lock()
	waiting := f.statuses
	f.statuses = nil
	f.mu.Unlock()
	for i, st := range waiting {
		code, _, err := f.Notify(map[string]any{"statuses": []any{st}})
		if err != nil || code != http.StatusOK {
			return i, fmt.Errorf("whatsapptest: status answered %d: %v", code, err)
		}
	}
	return len(waiting), nil
}

// Notify posts a change (its value's contacts, messages, statuses) for the
// fake's number, signed, and returns the service's status code and body.
func (f *Fake) Notify(value map[string]any) (int, string, error) {
	body, err := f.notification(value)
	if err != nil {
		return 0, "", err
	}
	return f.Post(body, f.Signature(body))
}

// notification is the JSON Meta posts for a change with value, for the fake's number.
func (f *Fake) notification(value map[string]any) ([]byte, error) {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]any{"display_phone_number": strings.NewReplacer(" ", "", "+", "").Replace(f.cfg.DisplayNumber), "phone_number_id": f.cfg.PhoneNumberID}
	return json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry":  []any{map[string]any{"id": BusinessID, "changes": []any{map[string]any{"field": "messages", "value": value}}}},
	})
}

// Signature is what Meta sends in X-Hub-Signature-256 for body.
func (f *Fake) Signature(body []byte) string {
	return "sha256=" + hex.EncodeToString(whatsapp.Sign(f.cfg.AppSecret, body))
}

// Post sends body to the service's webhook with signature ("" sends none)
// and returns the status code and body of the answer. The people whose
// messages it carries wrote now, by the fake's clock: their 24-hour window
// opens, whatever the service answers (WhatsApp has their message).
func (f *Fake) Post(body []byte, signature string) (int, string, error) {
	var n whatsapp.Notification
	_ = json.Unmarshal(body, &n) // a test may post what is not a notification
	f.mu.Lock()
	app := f.cfg.App
	now := f.cfg.Clock.Now()
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			for _, m := range c.Value.Messages {
				for _, k := range []string{"+" + m.From, m.FromUserID} {
					if k != "+" && k != "" && now.After(f.last[k]) {
						f.last[k] = now
					}
				}
			}
		}
	}
	f.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, app+whatsapp.WebhookPath, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(whatsapp.SignatureHeader, signature)
	}
	return f.do(req)
}

// Subscribe makes Meta's subscription check: a GET with mode, token and a
// fresh challenge. ok says the service answered 200 with the challenge.
func (f *Fake) Subscribe(mode, token string) (code int, ok bool, err error) {
	f.mu.Lock()
	app := f.cfg.App
	f.mu.Unlock()
	challenge := strconv.Itoa(1_000_000_000 + int(time.Now().UnixNano()%1_000_000_000))
	q := url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
	req, err := http.NewRequest(http.MethodGet, app+whatsapp.WebhookPath+"?"+q.Encode(), nil)
	if err != nil {
		return 0, false, err
	}
	code, body, err := f.do(req)
	return code, code == http.StatusOK && body == challenge, err
}

func (f *Fake) do(req *http.Request) (int, string, error) {
	res, err := f.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// Show is the message as the person sees it: a text; an interactive
// message's body with each button as [title], or a list's button as
// {label} and each row as "- title (description)"; a template as its name
// and parameters.
func (s Sent) Show() string {
	r := s.Request
	var b strings.Builder
	switch {
	case r.Text != nil:
		b.WriteString(r.Text.Body)
	case r.Interactive != nil:
		b.WriteString(r.Interactive.Body.Text)
		var buttons []string
		for _, btn := range r.Interactive.Action.Buttons {
			buttons = append(buttons, "["+btn.Reply.Title+"]")
		}
		if len(buttons) > 0 {
			b.WriteString("\n" + strings.Join(buttons, " "))
		}
		if a := r.Interactive.Action; a.Button != "" {
			b.WriteString("\n{" + a.Button + "}")
			for _, sec := range a.Sections {
				for _, row := range sec.Rows {
					b.WriteString("\n- " + row.Title)
					if row.Description != "" {
						b.WriteString(" (" + row.Description + ")")
					}
				}
			}
		}
	case r.Template != nil:
		fmt.Fprintf(&b, "template %s (%s)", r.Template.Name, r.Template.Language.Code)
		for _, c := range r.Template.Components {
			for i, p := range c.Parameters {
				fmt.Fprintf(&b, "\n{{%d}} %s", i+1, p.Text)
			}
		}
	}
	return b.String()
}

// Choices are the buttons or list rows of an interactive message, in
// order (nil for other messages).
func (s Sent) Choices() []whatsapp.Reply {
	in := s.Request.Interactive
	if in == nil {
		return nil
	}
	var out []whatsapp.Reply
	for _, b := range in.Action.Buttons {
		out = append(out, b.Reply)
	}
	for _, sec := range in.Action.Sections {
		for _, row := range sec.Rows {
			out = append(out, whatsapp.Reply{ID: row.ID, Title: row.Title})
		}
	}
	return out
}
