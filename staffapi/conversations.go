package staffapi

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Conversations with staff through the API. The bearer token is the
// administrator's; a client that acts for one caseworker (a helpdesk that
// signs its own users in) names the account in X-Tamkeen-Staff: the
// account's role and governorates then apply (a viewer reads, a Muscat
// caseworker gets 404 for a Dhofar conversation), and the audit log names it.

// StaffHeader names the account a request acts for.
const StaffHeader = "X-Tamkeen-Staff"

type actingKey struct{}

// acting is the account a request acts for, as guard found it (nil: the
// administrator's token alone).
func acting(r *http.Request) *store.StaffAccount {
	a, _ := r.Context().Value(actingKey{}).(*store.StaffAccount)
	return a
}

// actor is who a request changes things as.
func actor(r *http.Request) store.Actor {
	if a := acting(r); a != nil {
		return store.Actor{ID: a.ID, Name: a.Username, Regions: store.ParseRegions(a.Regions)}
	}
	return store.Actor{Name: "api"}
}

// actingFor resolves X-Tamkeen-Staff: the enabled account it names (nil
// when the header is absent), or an error to answer.
func (a *API) actingFor(r *http.Request) (*store.StaffAccount, error) {
	name := strings.TrimSpace(r.Header.Get(StaffHeader))
	if name == "" {
		return nil, nil
	}
	acc, err := a.store.StaffAccountNamed(r.Context(), name)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && acc.DisabledAt != nil:
		return nil, &apiError{http.StatusForbidden, StaffHeader + ": no enabled staff account of that name"}
	case err != nil:
		return nil, err
	case r.Method != http.MethodGet && acc.Role == store.RoleViewer:
		return nil, &apiError{http.StatusForbidden, StaffHeader + ": a viewer account reads only"}
	}
	return acc, nil
}

// conversationJSON is a conversation as the API gives it.
type conversationJSON struct {
	ID            int64      `json:"id"`
	ContactID     int64      `json:"contact_id"`
	Name          string     `json:"name"`
	Governorate   string     `json:"governorate"`
	Language      string     `json:"language"`
	Status        string     `json:"status"`
	Channel       string     `json:"channel"`
	OpenedAt      time.Time  `json:"opened_at"`
	WaitingSince  *time.Time `json:"waiting_since"`
	FirstAnswerAt *time.Time `json:"first_answer_at"`
	AssignedTo    string     `json:"assigned_to"`
	ClosedAt      *time.Time `json:"closed_at"`
}

func conversationOf(v store.ConversationRow) conversationJSON {
	return conversationJSON{ID: v.ID, ContactID: v.ContactID, Name: v.Name, Governorate: v.Governorate, Language: v.Language,
		Status: v.Status, Channel: v.Channel, OpenedAt: v.OpenedAt, WaitingSince: v.WaitingSince,
		FirstAnswerAt: v.FirstAnswerAt, AssignedTo: v.Assignee, ClosedAt: v.ClosedAt}
}

// listConversations: GET /api/v1/conversations?status=open|closed, by id, paged with after.
func (a *API) listConversations(w http.ResponseWriter, r *http.Request) error {
	if wantCSV(r) {
		return badRequest("format: csv is not offered for conversations")
	}
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "":
		status = store.ConversationOpen
	case store.ConversationOpen, store.ConversationClosed:
	default:
		return badRequest("status: %q: allowed values are open, closed", status)
	}
	rows, err := a.store.ListConversations(r.Context(), store.ConversationFilter{
		Status: status, Regions: actor(r).Regions, ByID: true, After: after, Limit: limit + 1,
	})
	if err != nil {
		return err
	}
	items := make([]conversationJSON, len(rows))
	for i, v := range rows {
		items[i] = conversationOf(v)
	}
	return table(w, r, items, limit, "next_after", func(c conversationJSON) int64 { return c.ID }, nil, nil)
}

// messageJSON is one message of a thread, either way.
type messageJSON struct {
	At        time.Time `json:"at"`
	Direction string    `json:"direction"` // in: the person wrote; out: sent to them
	Kind      string    `json:"kind"`      // in: text, button, photo…; out: bot, staff, notice, broadcast
	Channel   string    `json:"channel"`
	Text      *string   `json:"text"`             // nil: not kept, or forgotten
	Status    string    `json:"status,omitempty"` // out: pending, sent, delivered, failed…
	Author    string    `json:"author,omitempty"` // out, staff: who answered
}

// noteJSON is an internal note or a change of the conversation.
type noteJSON struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // note, assigned, closed, reopened
	Author string    `json:"author"`
	Text   string    `json:"text,omitempty"`
}

// getConversation: GET /api/v1/conversations/{id}: the conversation, its
// messages both ways (oldest first) and its notes.
func (a *API) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := a.store.ConversationThread(r.Context(), id, actor(r).Regions)
	if err != nil {
		return err
	}
	authors := map[int64]string{}
	var notes []noteJSON
	for _, e := range v.Entries {
		if e.Kind == store.EntryReply {
			if e.OutboxID != nil {
				authors[*e.OutboxID] = e.Author
			}
			continue
		}
		notes = append(notes, noteJSON{At: e.CreatedAt, Kind: e.Kind, Author: e.Author, Text: e.Text})
	}
	var msgs []messageJSON
	for _, m := range v.Inbound {
		msgs = append(msgs, messageJSON{At: m.ReceivedAt, Direction: "in", Kind: m.Kind, Channel: m.Channel, Text: m.Text})
	}
	for _, m := range v.Outbound {
		out := messageJSON{At: m.CreatedAt, Direction: "out", Channel: m.Channel, Status: m.Status, Kind: outKind(m)}
		if author, ok := authors[m.ID]; ok {
			out.Author = author
		}
		if t := a.messageText(m); t != "" {
			out.Text = &t
		}
		msgs = append(msgs, out)
	}
	sortByTime(msgs)
	if notes == nil {
		notes = []noteJSON{}
	}
	if msgs == nil {
		msgs = []messageJSON{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"conversation": conversationOf(v.ConversationRow), "messages": msgs, "notes": notes})
	return nil
}

// outKind names what sent a message.
func outKind(m store.OutboxMessage) string {
	switch {
	case strings.HasPrefix(m.DedupeKey, "staff:"):
		return "staff"
	case m.BroadcastID != nil:
		return "broadcast"
	case m.Priority == store.PriorityReply:
		return "bot"
	}
	return "notice"
}

// messageText is what a sent message said, in the person's language.
func (a *API) messageText(m store.OutboxMessage) string {
	if m.Body != "" || m.Payload == "" || a.cfg.Renderer == nil {
		return m.Body
	}
	reply, err := m.Reply()
	if err != nil {
		return ""
	}
	msg, err := a.cfg.Renderer.Render(m.Language, *reply, m.Channel == vocab.SMS)
	if err != nil {
		return reply.Key
	}
	return msg.Text
}

func sortByTime(msgs []messageJSON) {
	for i := 1; i < len(msgs); i++ {
		for j := i; j > 0 && msgs[j].At.Before(msgs[j-1].At); j-- {
			msgs[j], msgs[j-1] = msgs[j-1], msgs[j]
		}
	}
}

// replyToConversation: POST /api/v1/conversations/{id}/replies {"text": "…"}.
func (a *API) replyToConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := decode(r, &body); err != nil {
		return err
	}
	text, err := CheckReply(body.Text)
	if err != nil {
		return badRequest("text: %v", err)
	}
	e, err := a.store.ReplyToConversation(r.Context(), id, actor(r), text)
	if err := conversationError(err); err != nil {
		return err
	}
	a.notify()
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "conversation_id": id, "outbox_id": e.OutboxID,
		"author": e.Author, "text": e.Text, "at": e.CreatedAt})
	return nil
}

// closeConversation: POST /api/v1/conversations/{id}/close.
func (a *API) closeConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := conversationError(a.store.CloseConversation(r.Context(), id, actor(r))); err != nil {
		return err
	}
	a.notify()
	v, err := a.store.ConversationThread(r.Context(), id, actor(r).Regions)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, conversationOf(v.ConversationRow))
	return nil
}

// conversationError turns a refused change into its answer.
func conversationError(err error) error {
	switch {
	case errors.Is(err, store.ErrConversationClosed):
		return &apiError{http.StatusConflict, "the conversation is closed: reopen it in the console first"}
	case errors.Is(err, store.ErrUnreachable):
		return &apiError{http.StatusConflict, "the person cannot be reached on any channel (opted out, erased or without an address)"}
	}
	return err
}

func (a *API) notify() {
	if a.cfg.Notify != nil {
		a.cfg.Notify()
	}
}

// CheckReply checks a staff answer or note: trimmed, not empty, at most
// store.MaxConversationText characters, no control characters but line
// breaks and no direction overrides. It returns the text as kept.
func CheckReply(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return "", errors.New("empty: write the answer")
	case !utf8.ValidString(text):
		return "", errors.New("not UTF-8")
	case utf8.RuneCountInString(text) > store.MaxConversationText:
		return "", errors.New("longer than 1000 characters")
	}
	for _, r := range text {
		if r != '\n' && unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			return "", errors.New("control characters or direction overrides are not allowed")
		}
	}
	return text, nil
}
