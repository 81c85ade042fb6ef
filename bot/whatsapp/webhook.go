package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/vocab"
)

// WebhookPath is where Meta calls: GET to verify the subscription, POST
// with messages and statuses.
const WebhookPath = "/webhooks/whatsapp"

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the raw
// body, keyed by the app secret.
const SignatureHeader = "X-Hub-Signature-256"

// MaxWebhookBody bounds one notification (Meta batches at most a few
// hundred messages or statuses, a few hundred kilobytes).
const MaxWebhookBody = 3 << 20

// WebhookOptions configure the webhook.
type WebhookOptions struct {
	AppSecret     string             // WHATSAPP_APP_SECRET: the key Meta signs with
	VerifyToken   string             // WHATSAPP_VERIFY_TOKEN: what Meta sends when the webhook is registered
	PhoneNumberID string             // WHATSAPP_PHONE_NUMBER_ID: changes for other numbers of the app are left alone
	Region        string             // default phone number region
	Inbox         bot.Handler        // takes messages
	Receipts      bot.ReceiptHandler // takes statuses
	Log           *slog.Logger
}

// Webhooks serves Meta's webhook for one WhatsApp number.
type Webhooks struct{ o WebhookOptions }

// NewWebhooks returns the webhook handlers.
func NewWebhooks(o WebhookOptions) (*Webhooks, error) {
	if o.AppSecret == "" || o.VerifyToken == "" || o.PhoneNumberID == "" {
		return nil, errors.New("whatsapp: the webhook needs WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN and WHATSAPP_PHONE_NUMBER_ID")
	}
	if o.Inbox == nil || o.Receipts == nil || o.Log == nil {
		return nil, errors.New("whatsapp: the webhook needs an inbox, a receipt handler and a logger")
	}
	return &Webhooks{o: o}, nil
}

// Verify answers Meta's subscription check (GET): hub.mode=subscribe with
// the right hub.verify_token gets hub.challenge back; anything else 403.
func (wh *Webhooks) Verify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		token, challenge := q.Get("hub.verify_token"), q.Get("hub.challenge")
		if q.Get("hub.mode") != "subscribe" || subtle.ConstantTimeCompare([]byte(token), []byte(wh.o.VerifyToken)) != 1 {
			wh.o.Log.Warn("whatsapp: webhook verification refused", "mode", q.Get("hub.mode"), "token_given", token != "")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if challenge == "" || len(challenge) > 256 || strings.ContainsFunc(challenge, func(r rune) bool { return !unicode.IsPrint(r) }) {
			http.Error(w, "hub.challenge missing or not printable", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = io.WriteString(w, challenge)
		wh.o.Log.Info("whatsapp: webhook verified")
	})
}

// Receive handles Meta's notifications (POST). The raw body must carry
// the app secret's signature (missing: 401, wrong: 403, and nothing is
// read further). Each message becomes an input and each status a receipt,
// in order; the answer is 200 once all are stored, 500 when one could not
// be (Meta posts again; what was stored is then a duplicate by its wamid).
func (wh *Webhooks) Receive() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		if code := wh.checkSignature(r.Header.Values(SignatureHeader), body); code != 0 {
			wh.o.Log.Warn("whatsapp: webhook refused: bad or missing "+SignatureHeader, "status", code, "bytes", len(body))
			http.Error(w, http.StatusText(code), code)
			return
		}
		var n Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		if n.Object != "whatsapp_business_account" {
			wh.o.Log.Warn("whatsapp: webhook for something else ignored", "object", n.Object)
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := wh.handle(r.Context(), n); err != nil {
			wh.o.Log.Error("whatsapp: notification not stored; Meta will post it again", "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// checkSignature returns 0 when one signature header is "sha256=" and
// the hex HMAC-SHA256 of body by the app secret (compared in constant
// time), 401 when there is none, 403 when it is wrong.
func (wh *Webhooks) checkSignature(values []string, body []byte) int {
	if len(values) == 0 || values[0] == "" {
		return http.StatusUnauthorized
	}
	hexSum, ok := strings.CutPrefix(values[0], "sha256=")
	got, err := hex.DecodeString(hexSum)
	if len(values) != 1 || !ok || err != nil || len(got) != sha256.Size {
		return http.StatusForbidden
	}
	if !hmac.Equal(got, Sign(wh.o.AppSecret, body)) {
		return http.StatusForbidden
	}
	return 0
}

// Sign is the HMAC-SHA256 of body keyed by the app secret: what Meta sends,
// in hex after "sha256=", in X-Hub-Signature-256.
func Sign(appSecret string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return mac.Sum(nil)
}

func (wh *Webhooks) handle(ctx context.Context, n Notification) error {
	for _, e := range n.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue
			}
			v := ch.Value
			if v.Metadata.PhoneNumberID != wh.o.PhoneNumberID {
				wh.o.Log.Warn("whatsapp: change for another number ignored", "phone_number_id", v.Metadata.PhoneNumberID)
				continue
			}
			for _, e := range v.Errors {
				wh.o.Log.Warn("whatsapp: error reported", "code", e.Code, "title", e.Title)
			}
			for _, m := range v.Messages {
				in, ok := wh.input(m)
				if !ok {
					continue
				}
				out, err := wh.o.Inbox.Handle(ctx, in)
				if err != nil {
					return fmt.Errorf("message %s: %w", in.ExternalID, err)
				}
				from := in.From.Phone
				if from == "" {
					from = in.From.WhatsAppID
				}
				wh.o.Log.Info("whatsapp: inbound", "from", phone.Mask(from), "wamid", in.ExternalID, "kind", in.Kind,
					"contact", out.ContactID, "duplicate", out.Duplicate, "replies", out.Replies)
			}
			for _, st := range v.Statuses {
				rc, ok := receiptOf(st)
				if !ok {
					continue
				}
				if err := wh.o.Receipts.HandleReceipt(ctx, rc); err != nil {
					return fmt.Errorf("status of %s: %w", rc.ProviderID, err)
				}
			}
		}
	}
	return nil
}

// input turns a message into what the inbox takes; false for one that
// asks nothing of us (a reaction, a system notice, a group's message) or
// whose sender cannot be named.
func (wh *Webhooks) input(m Message) (bot.Input, bool) {
	if m.GroupID != "" {
		return bot.Input{}, false
	}
	switch m.Type {
	case "reaction", "system", "request_welcome":
		return bot.Input{}, false
	}
	if m.ID == "" || len(m.ID) > 256 || strings.ContainsFunc(m.ID, unicode.IsControl) {
		wh.o.Log.Warn("whatsapp: message without a usable id dropped", "type", m.Type)
		return bot.Input{}, false
	}
	from := wh.sender(m)
	if from == (vocab.Address{}) {
		wh.o.Log.Warn("whatsapp: message from no number or user id dropped", "wamid", m.ID)
		return bot.Input{}, false
	}
	in := bot.Input{Channel: bot.WhatsApp, ExternalID: m.ID, From: from, At: timestamp(m.Timestamp)}
	switch {
	case m.Type == "text" && m.Text != nil:
		in.Text = m.Text.Body
	case m.Type == "interactive" && m.Interactive != nil && m.Interactive.ButtonReply != nil:
		in.Payload = m.Interactive.ButtonReply.ID
	case m.Type == "interactive" && m.Interactive != nil && m.Interactive.ListReply != nil:
		in.Payload = m.Interactive.ListReply.ID
	case m.Type == "button" && m.Button != nil:
		in.Payload = m.Button.Payload // a template's quick reply
	case m.Type == "contacts":
		if card := wh.card(m, from); card != nil {
			in.Kind, in.Contact = bot.KindSharedContact, card
		} else {
			in.Kind, in.Media = bot.KindUnreadable, bot.MediaContact
		}
	default:
		// A photo, voice note, video, file, location, sticker, a message
		// type WhatsApp itself cannot show us ("unsupported")…
		in.Kind, in.Media = bot.KindUnreadable, mediaOf(m.Type)
	}
	return in, true
}

// mediaOf names what a message of a type we cannot read carries.
func mediaOf(messageType string) string {
	switch messageType {
	case "image":
		return bot.MediaPhoto
	case "audio", "voice":
		return bot.MediaVoice
	case "video":
		return bot.MediaVideo
	case "document":
		return bot.MediaDocument
	case "location":
		return bot.MediaLocation
	case "sticker":
		return bot.MediaSticker
	}
	return bot.MediaOther
}

// sender names who wrote: their number (from, WhatsApp's wa_id) and their
// business-scoped user id (from_user_id; from itself for a user whose
// number WhatsApp hides).
func (wh *Webhooks) sender(m Message) vocab.Address {
	var a vocab.Address
	from, uid := m.From, m.FromUserID
	if IsUserID(from) {
		if uid == "" {
			uid = from
		}
		from = ""
	}
	if from != "" && strings.Trim(from, "0123456789") == "" {
		if e164, err := phone.Normalize("+"+from, wh.o.Region); err == nil {
			a.Phone = e164
		}
	}
	if IsUserID(uid) {
		a.WhatsAppID = uid
	}
	return a
}

// card reads a shared contact card, but only the person's own: one shared
// through a template's request for it (WhatsApp vouches), or one whose
// number is the sender's. nil for anything else (someone else's card).
func (wh *Webhooks) card(m Message, from vocab.Address) *bot.Contact {
	for _, c := range m.Contacts {
		for _, p := range c.Phones {
			raw := p.WaID
			if raw == "" {
				raw = p.Phone
			}
			if !strings.HasPrefix(raw, "+") && strings.Trim(raw, "0123456789 -") == "" {
				raw = "+" + raw // wa_id and shared numbers carry the country code without "+"
			}
			number, err := phone.Normalize(raw, wh.o.Region)
			if err != nil {
				continue
			}
			if m.Origin == "contact_request" || (from.Phone != "" && number == from.Phone) {
				return &bot.Contact{Phone: number, Name: strings.TrimSpace(c.Name.FormattedName), Own: true}
			}
		}
	}
	return nil
}

// timestamp reads WhatsApp's Unix seconds (zero when unreadable).
func timestamp(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if n >= 1_000_000_000_000 { // milliseconds, as Meta sometimes sends
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// receiptOf reads a status; false for one that records nothing (deleted, unknown).
func receiptOf(st Status) (bot.Receipt, bool) {
	if st.ID == "" {
		return bot.Receipt{}, false
	}
	r := bot.Receipt{Channel: bot.WhatsApp, ProviderID: st.ID}
	switch st.Status {
	case "sent":
		r.Status = bot.InTransit
	case "delivered", "read":
		r.Status = bot.Delivered
	case "failed":
		r.Status = bot.Undelivered
	default:
		return bot.Receipt{}, false
	}
	code := 0
	if len(st.Errors) > 0 {
		code = st.Errors[0].Code
	}
	r.Detail = fmt.Sprintf("whatsapp %s, error %d", st.Status, code)
	switch code {
	case CodeUndeliverable:
		r.Failure = bot.FailureNoHandset
	case CodeReEngagement:
		r.Failure = bot.FailureWindowClosed
	}
	return r, true
}
