// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the real wire format (the telegram-bot-api library talks to it
// unchanged), validates what Telegram validates — text length in UTF-16
// units after HTML parsing, HTML tags, callback_data size, reply_markup
// JSON, known callback query ids — and can be told to fail the next calls
// with 429 (retry_after), 403, 400 or 500. With Limit it enforces Telegram's
// flood limits: a rolling second over the bot, a bucket per chat. A scripted user pushes updates
// that the bot reads by getUpdates or that a test posts to its webhook.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Token is the bot token the fake accepts.
const Token = "123456:TEST-token"

// BotUsername is the fake bot's username.
const BotUsername = "tamkeen_test_bot"

// Limits Telegram enforces.
const (
	MaxTextUnits        = 4096 // UTF-16 code units of a message's text after entity parsing
	MaxCallbackDataByte = 64
)

// Button is one button of a sent keyboard.
type Button struct {
	Text           string `json:"text"`
	CallbackData   string `json:"callback_data,omitempty"`
	URL            string `json:"url,omitempty"`
	RequestContact bool   `json:"request_contact,omitempty"`
}

// Markup is a sent reply_markup.
type Markup struct {
	InlineKeyboard [][]Button `json:"inline_keyboard,omitempty"`
	Keyboard       [][]Button `json:"keyboard,omitempty"`
	RemoveKeyboard bool       `json:"remove_keyboard,omitempty"`
}

// Sent is a message the bot sent.
type Sent struct {
	ChatID    int64
	MessageID int
	Text      string // as the person sees it (HTML parsed)
	Raw       string // as sent
	ParseMode string
	Markup    *Markup
	At        time.Time
}

// Payloads lists the callback data of the inline buttons, in order.
func (s Sent) Payloads() []string {
	var out []string
	if s.Markup == nil {
		return nil
	}
	for _, row := range s.Markup.InlineKeyboard {
		for _, b := range row {
			out = append(out, b.CallbackData)
		}
	}
	return out
}

// Failure is an error the fake answers instead of doing a call.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int // seconds, for 429
}

// Common failures, worded as Telegram words them.
var (
	Blocked     = Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}
	Deactivated = Failure{Code: 403, Description: "Forbidden: user is deactivated"}
	ChatMissing = Failure{Code: 400, Description: "Bad Request: chat not found"}
	Internal    = Failure{Code: 500, Description: "Internal Server Error"}
)

// Limits are Telegram's flood limits, which the fake enforces once Limit is
// called: measured when a request arrives, over accepted messages only.
type Limits struct {
	PerSecond  int           // sendMessage calls accepted in any rolling second across the bot
	ChatBurst  int           // a chat's bucket: messages it takes at once
	ChatRefill time.Duration // a chat's bucket gains one message back per ChatRefill
	RetryAfter int           // seconds announced by the 429 (at least 1)
}

// Published are Telegram's published limits: 30 messages a second over the
// bot, and about one a second to one chat (a bucket of 3).
var Published = Limits{PerSecond: 30, ChatBurst: 3, ChatRefill: time.Second, RetryAfter: 1}

// chatBucket is one chat's flood bucket.
type chatBucket struct {
	tokens float64
	at     time.Time
}

// TooMany is a 429 asking to wait seconds.
func TooMany(seconds int) Failure {
	return Failure{Code: 429, Description: "Too Many Requests: retry after " + strconv.Itoa(seconds), RetryAfter: seconds}
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	URL string
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced whenever an update is pushed
	updates      []json.RawMessage
	updateIDs    []int
	nextUpdate   int
	nextCallback int
	messageIDs   map[int64]int
	sent         []Sent
	callbacks    map[string]time.Time // pending query id → when the person tapped
	answered     map[string]time.Duration
	badAnswers   []string
	fail         map[string][]Failure // method → failures to answer, in order
	blocked      map[int64]bool
	calls        map[string]int
	webhook      map[string]string
	commands     map[string][]map[string]string // language_code → commands
	allowed      string                         // allowed_updates of the last getUpdates
	floodUntil   time.Time                      // a 429 was answered: calls before this are violations
	violations   int
	limits       *Limits
	accepted     []time.Time // arrivals of the messages accepted in the last 2 s, in order
	chatBuckets  map[int64]*chatBucket
	botFloods    int // 429s for the bot's rate
	chatFloods   int // 429s for one chat's rate
}

// Limit makes the fake enforce l from now on, as Telegram does: a message
// over the bot's rolling-second limit or a chat's bucket gets 429 with
// retry_after and is not delivered.
func (s *Server) Limit(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.RetryAfter = max(1, l.RetryAfter)
	s.limits = &l
	s.chatBuckets = map[int64]*chatBucket{}
}

// Floods counts the 429s the limits answered: for the bot's rate and for a chat's.
func (s *Server) Floods() (bot, chat int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botFloods, s.chatFloods
}

// flood checks the limits for a message to chat arriving at; callers hold s.mu.
func (s *Server) flood(chat int64, at time.Time) *apiError {
	l := s.limits
	if l == nil {
		return nil
	}
	tooMany := TooMany(l.RetryAfter)
	if l.PerSecond > 0 && s.overBotRate(at) {
		s.botFloods++
		return &apiError{tooMany.Code, tooMany.Description, tooMany.RetryAfter}
	}
	if l.ChatBurst > 0 {
		b := s.chatBuckets[chat]
		if b == nil {
			b = &chatBucket{tokens: float64(l.ChatBurst), at: at}
			s.chatBuckets[chat] = b
		}
		b.tokens = min(float64(l.ChatBurst), b.tokens+float64(at.Sub(b.at))/float64(l.ChatRefill))
		b.at = at
		if b.tokens < 1 {
			s.chatFloods++
			return &apiError{tooMany.Code, tooMany.Description, tooMany.RetryAfter}
		}
		b.tokens--
	}
	if l.PerSecond > 0 {
		i, _ := slices.BinarySearchFunc(s.accepted, at, time.Time.Compare)
		s.accepted = slices.Insert(s.accepted, i, at)
	}
	return nil
}

// overBotRate says whether accepting a message that arrived at would put
// more than PerSecond accepted messages in some rolling second. Requests are
// handled concurrently, so one may be checked after a later arrival was
// accepted: every second that would hold it is counted. Callers hold s.mu.
func (s *Server) overBotRate(at time.Time) bool {
	// Forget what no window through at can hold.
	drop := 0
	for drop < len(s.accepted) && at.Sub(s.accepted[drop]) >= 2*time.Second {
		drop++
	}
	s.accepted = s.accepted[drop:]
	limit := s.limits.PerSecond
	// Each window (end-1s, end] that holds at ends at at or at a later arrival.
	ends := []time.Time{at}
	for _, t := range s.accepted {
		if !t.Before(at) && t.Sub(at) < time.Second {
			ends = append(ends, t)
		}
	}
	for _, end := range ends {
		n := 1 // the new message
		for _, t := range s.accepted {
			if end.Sub(t) < time.Second && !t.After(end) {
				n++
			}
		}
		if n > limit {
			return true
		}
	}
	return false
}

// New starts a fake server, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		t: t, changed: make(chan struct{}), nextUpdate: 1000, messageIDs: map[int64]int{},
		callbacks: map[string]time.Time{}, answered: map[string]time.Duration{}, fail: map[string][]Failure{},
		blocked: map[int64]bool{}, calls: map[string]int{}, commands: map[string][]map[string]string{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Endpoint is the library's endpoint format pointing at the fake.
func (s *Server) Endpoint() string { return s.URL + "/bot%s/%s" }

// Fail makes the next calls of method answer f, once per f.
func (s *Server) Fail(method string, f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = append(s.fail[method], f...)
}

// Block makes every later sendMessage to chat fail as blocked (false undoes it).
func (s *Server) Block(chat int64, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = blocked
}

// Sent returns the messages sent so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages sent to chat.
func (s *Server) SentTo(chat int64) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

// Calls counts the calls of a method (failed ones included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Answered returns how long after the tap each answered callback query was answered.
func (s *Server) Answered() map[string]time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Duration, len(s.answered))
	for k, v := range s.answered {
		out[k] = v
	}
	return out
}

// Unanswered lists the callback queries nobody answered.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.callbacks {
		out = append(out, id)
	}
	return out
}

// BadAnswers lists answerCallbackQuery calls refused (unknown or repeated ids).
func (s *Server) BadAnswers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.badAnswers...)
}

// Webhook returns the parameters of the last setWebhook (nil if none).
func (s *Server) Webhook() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Commands returns the command menu set for a language ("" for the default).
func (s *Server) Commands(lang string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[lang]
}

// AllowedUpdates returns the allowed_updates of the last getUpdates call.
func (s *Server) AllowedUpdates() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allowed
}

// FloodViolations counts calls made inside a window announced by a 429.
func (s *Server) FloodViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// Pending counts updates not yet confirmed by a getUpdates offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// --- the scripted user ---

// User is a person in a private chat with the bot.
type User struct {
	ID        int64
	FirstName string
	LastName  string
	Language  string // language_code of the Telegram app
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Language != "" {
		m["language_code"] = u.Language
	}
	return m
}

func (u User) chat() map[string]any {
	return map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}
}

// Push queues an update (its update_id is set) for getUpdates and returns its JSON.
func (s *Server) Push(update map[string]any) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdate
	s.nextUpdate++
	update["update_id"] = id
	if cq, ok := update["callback_query"].(map[string]any); ok {
		s.nextCallback++
		qid := fmt.Sprintf("cq%d", s.nextCallback)
		cq["id"] = qid
		s.callbacks[qid] = time.Now()
	}
	raw, err := json.Marshal(update)
	if err != nil {
		s.t.Fatalf("telegramtest: encode update: %v", err)
	}
	s.updates = append(s.updates, raw)
	s.updateIDs = append(s.updateIDs, id)
	close(s.changed)
	s.changed = make(chan struct{})
	return raw
}

// Message builds a text message update from u.
func Message(u User, text string) map[string]any {
	return map[string]any{"message": message(u, map[string]any{"text": text})}
}

// Command builds a /command message with its bot_command entity.
func Command(u User, text string) map[string]any {
	cmd := strings.Fields(text)[0]
	return map[string]any{"message": message(u, map[string]any{
		"text":     text,
		"entities": []any{map[string]any{"type": "bot_command", "offset": 0, "length": len(utf16.Encode([]rune(cmd)))}},
	})}
}

// Tap builds the callback query of a tapped inline button.
func Tap(u User, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"from": u.json(), "chat_instance": "ci" + strconv.FormatInt(u.ID, 10), "data": data,
		"message": map[string]any{"message_id": 1, "date": 1700000000, "chat": u.chat(), "text": "…"},
	}}
}

// ShareContact builds the message of a shared contact; owner is whose
// contact it is (u for the person's own number).
func ShareContact(u User, phone string, owner User) map[string]any {
	c := map[string]any{"phone_number": phone, "first_name": owner.FirstName, "user_id": owner.ID}
	if owner.LastName != "" {
		c["last_name"] = owner.LastName
	}
	return map[string]any{"message": message(u, map[string]any{"contact": c})}
}

// Sticker builds a sticker message.
func Sticker(u User) map[string]any {
	return map[string]any{"message": message(u, map[string]any{"sticker": map[string]any{
		"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": false,
	}})}
}

// Photo builds a photo message.
func Photo(u User) map[string]any {
	return map[string]any{"message": message(u, map[string]any{"photo": []any{map[string]any{
		"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90,
	}}})}
}

// Voice builds a voice message.
func Voice(u User) map[string]any {
	return map[string]any{"message": message(u, map[string]any{"voice": map[string]any{
		"file_id": "v1", "file_unique_id": "vu1", "duration": 3,
	}})}
}

// Location builds a location message.
func Location(u User) map[string]any {
	return map[string]any{"message": message(u, map[string]any{"location": map[string]any{"latitude": 23.6, "longitude": 58.5}})}
}

// Edited builds an edited_message update.
func Edited(u User, text string) map[string]any {
	m := message(u, map[string]any{"text": text, "edit_date": 1700000100})
	return map[string]any{"edited_message": m}
}

// MemberStatus builds the my_chat_member update sent when the person blocks
// ("kicked") or unblocks ("member") the bot.
func MemberStatus(u User, status string) map[string]any {
	old := "member"
	if status == "member" {
		old = "kicked"
	}
	bot := map[string]any{"id": 123456, "is_bot": true, "first_name": "Tamkeen", "username": BotUsername}
	return map[string]any{"my_chat_member": map[string]any{
		"chat": u.chat(), "from": u.json(), "date": 1700000000,
		"old_chat_member": map[string]any{"user": bot, "status": old},
		"new_chat_member": map[string]any{"user": bot, "status": status},
	}}
}

func message(u User, fields map[string]any) map[string]any {
	m := map[string]any{"message_id": 1, "date": 1700000000, "from": u.json(), "chat": u.chat()}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// --- the Bot API ---

type apiError struct {
	code int
	desc string
	wait int
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now() // limits are measured when a request arrives
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "bot") {
		writeErr(w, apiError{404, "Not Found", 0})
		return
	}
	if parts[0] != "bot"+Token {
		writeErr(w, apiError{401, "Unauthorized", 0})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeErr(w, apiError{400, "Bad Request: " + err.Error(), 0})
		return
	}
	method := parts[1]
	s.mu.Lock()
	s.calls[method]++
	if method == "sendMessage" && time.Now().Before(s.floodUntil) {
		s.violations++
	}
	if fs := s.fail[method]; len(fs) > 0 {
		f := fs[0]
		s.fail[method] = fs[1:]
		if f.Code == 429 {
			s.floodUntil = time.Now().Add(time.Duration(f.RetryAfter) * time.Second)
		}
		s.mu.Unlock()
		writeErr(w, apiError{f.Code, f.Description, f.RetryAfter})
		return
	}
	s.mu.Unlock()

	var result any
	var aerr *apiError
	switch method {
	case "getMe":
		result = map[string]any{"id": 123456, "is_bot": true, "first_name": "Tamkeen", "username": BotUsername}
	case "getUpdates":
		result, aerr = s.getUpdates(r)
	case "sendMessage":
		result, aerr = s.sendMessage(r.Form, arrived)
	case "answerCallbackQuery":
		result, aerr = s.answerCallback(r.Form)
	case "setWebhook":
		result, aerr = s.setWebhook(r.Form)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = nil
		s.mu.Unlock()
		result = true
	case "setMyCommands":
		result, aerr = s.setCommands(r.Form)
	default:
		aerr = &apiError{404, "Not Found: method not found", 0}
	}
	if aerr != nil {
		writeErr(w, *aerr)
		return
	}
	raw, _ := json.Marshal(result)
	writeJSON(w, 200, map[string]any{"ok": true, "result": json.RawMessage(raw)})
}

func writeErr(w http.ResponseWriter, e apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	if e.wait > 0 {
		body["parameters"] = map[string]any{"retry_after": e.wait}
	}
	writeJSON(w, e.code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func bad(desc string) *apiError { return &apiError{400, "Bad Request: " + desc, 0} }

func (s *Server) getUpdates(r *http.Request) (any, *apiError) {
	f := r.Form
	offset, _ := strconv.Atoi(f.Get("offset"))
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(f.Get("timeout"))
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if s.webhook != nil {
			s.mu.Unlock()
			return nil, &apiError{409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0}
		}
		if a := f.Get("allowed_updates"); a != "" {
			s.allowed = a
		}
		if offset > 0 { // confirm everything before offset
			for len(s.updateIDs) > 0 && s.updateIDs[0] < offset {
				s.updateIDs, s.updates = s.updateIDs[1:], s.updates[1:]
			}
		}
		if n := len(s.updates); n > 0 {
			if n > limit {
				n = limit
			}
			out := append([]json.RawMessage(nil), s.updates[:n]...)
			s.mu.Unlock()
			return out, nil
		}
		changed := s.changed
		s.mu.Unlock()
		if timeout <= 0 {
			return []json.RawMessage{}, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return []json.RawMessage{}, nil
		case <-r.Context().Done():
			return []json.RawMessage{}, nil
		}
	}
}

var allowedTag = regexp.MustCompile(`^</?(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|a( href="[^"]*")?)>`)

// parseHTML returns the text a person sees, or an error worded as Telegram's.
func parseHTML(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			tag := allowedTag.FindString(s[i:])
			if tag == "" {
				return "", fmt.Errorf("can't parse entities: Unsupported start tag at byte offset %d", i)
			}
			i += len(tag)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("can't parse entities: Can't find end of the entity starting at byte offset %d", i)
			}
			ent := s[i : i+end+1]
			dec := html.UnescapeString(ent)
			if dec == ent {
				return "", fmt.Errorf("can't parse entities: Unsupported HTML entity at byte offset %d", i)
			}
			b.WriteString(dec)
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

func (s *Server) sendMessage(f map[string][]string, arrived time.Time) (any, *apiError) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	chat, err := strconv.ParseInt(get("chat_id"), 10, 64)
	if err != nil {
		return nil, bad("chat not found")
	}
	raw := get("text")
	if strings.TrimSpace(raw) == "" {
		return nil, bad("message text is empty")
	}
	text := raw
	mode := get("parse_mode")
	switch strings.ToLower(mode) {
	case "":
	case "html":
		if text, err = parseHTML(raw); err != nil {
			return nil, bad(err.Error())
		}
	default:
		return nil, bad("unsupported parse_mode " + mode)
	}
	if n := len(utf16.Encode([]rune(text))); n > MaxTextUnits {
		return nil, bad("message is too long")
	}
	var markup *Markup
	if rm := get("reply_markup"); rm != "" {
		markup = &Markup{}
		if err := json.Unmarshal([]byte(rm), markup); err != nil {
			return nil, bad("can't parse reply keyboard markup JSON object")
		}
		if e := validMarkup(markup); e != nil {
			return nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chat] {
		return nil, &apiError{Blocked.Code, Blocked.Description, 0}
	}
	if e := s.flood(chat, arrived); e != nil {
		return nil, e
	}
	s.messageIDs[chat]++
	m := Sent{ChatID: chat, MessageID: s.messageIDs[chat], Text: text, Raw: raw, ParseMode: mode, Markup: markup, At: arrived}
	s.sent = append(s.sent, m)
	return map[string]any{
		"message_id": m.MessageID, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": chat, "type": "private"},
	}, nil
}

func validMarkup(m *Markup) *apiError {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return bad("text buttons are unallowed in the inline keyboard")
			}
			if b.CallbackData == "" && b.URL == "" {
				return bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			if len(b.CallbackData) > MaxCallbackDataByte {
				return bad("BUTTON_DATA_INVALID")
			}
		}
	}
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == "" {
				return bad("can't parse keyboard button: text is empty")
			}
		}
	}
	return nil
}

func (s *Server) answerCallback(f map[string][]string) (any, *apiError) {
	id := ""
	if v := f["callback_query_id"]; len(v) > 0 {
		id = v[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.callbacks[id]
	if !ok {
		s.badAnswers = append(s.badAnswers, id)
		return nil, bad("query is too old and response timeout expired or query ID is invalid")
	}
	delete(s.callbacks, id)
	s.answered[id] = time.Since(at)
	return true, nil
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(f map[string][]string) (any, *apiError) {
	params := map[string]string{}
	for k, v := range f {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if !strings.HasPrefix(params["url"], "https://") && params["url"] != "" {
		return nil, bad("bad webhook: An HTTPS URL must be provided for webhook")
	}
	if sec, ok := params["secret_token"]; ok && !secretRE.MatchString(sec) {
		return nil, bad("bad webhook: secret token contains unallowed characters")
	}
	if a := params["allowed_updates"]; a != "" {
		var list []string
		if err := json.Unmarshal([]byte(a), &list); err != nil {
			return nil, bad("can't parse allowed_updates JSON array")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if params["url"] == "" {
		s.webhook = nil
	} else {
		s.webhook = params
	}
	return true, nil
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setCommands(f map[string][]string) (any, *apiError) {
	raw := ""
	if v := f["commands"]; len(v) > 0 {
		raw = v[0]
	}
	var cmds []map[string]string
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, bad("can't parse commands JSON array")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c["command"]) {
			return nil, bad("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c["description"])); n < 1 || n > 256 {
			return nil, bad("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := ""
	if v := f["language_code"]; len(v) > 0 {
		lang = v[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[lang] = cmds
	return true, nil
}
