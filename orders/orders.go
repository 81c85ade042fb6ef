// Package orders receives order-status events from the marketplace
// (POST /api/v1/orders/events, signed with HMAC-SHA256) and tells the producer
// family about each step forward: one short notice on their preferred
// channel, in their language, in the transactional lane, at once.
package orders

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

// Path is where the marketplace posts order events.
const Path = "/api/v1/orders/events"

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the raw body.
const SignatureHeader = "X-Tamkeen-Signature"

// MaxBodyBytes bounds one event; a real one is a few hundred bytes.
const MaxBodyBytes = 64 << 10

// Field limits.
const (
	maxIDLen   = 100
	maxRefLen  = 64
	maxAreaLen = 100
	// ShortRefLen is the most characters of an order id an SMS notice shows,
	// so that every Arabic notice fits one segment.
	ShortRefLen = 12
	// MaxItems is the largest item count an event may carry (the database
	// column is a 32-bit integer on PostgreSQL; no real order comes near).
	MaxItems = 1_000_000
)

// Store is what the handler needs of the database (*store.Store): recording
// an order event, with its notice, in one transaction.
type Store interface {
	RecordOrderEvent(ctx context.Context, ev store.OrderEventInput, payload func(c *store.Contact, o *store.Order) (string, error)) (store.OrderEventResult, error)
}

// Options configure the handler.
type Options struct {
	Store  Store
	Secret string // TAMKEEN_ORDERS_SECRET; empty switches the API off (503)
	Region string // default phone region for local numbers
	// Currency is the country pack's currency (ISO 4217): a total sent
	// without a currency is in it.
	Currency string
	Log      *slog.Logger
	Notify   func() // wakes the dispatcher after a notice was queued; may be nil
}

// Handler serves order events.
type Handler struct {
	o Options
}

// New returns the handler.
func New(o Options) *Handler {
	if o.Notify == nil {
		o.Notify = func() {}
	}
	return &Handler{o: o}
}

// Mount adds the route to srv.
func (h *Handler) Mount(srv *httpapi.Server) {
	srv.Handle("POST "+Path, "orders_events", h)
}

// Event is the JSON the marketplace sends.
type Event struct {
	EventID       string          `json:"event_id"`
	OrderID       string          `json:"order_id"`
	ProducerPhone string          `json:"producer_phone"`
	Status        string          `json:"status"`
	OccurredAt    string          `json:"occurred_at"`
	Items         json.RawMessage `json:"items,omitempty"`    // a count, or a list of items
	Total         json.RawMessage `json:"total,omitempty"`    // a number, or a decimal as a string
	Currency      string          `json:"currency,omitempty"` // ISO 4217
	CustomerArea  string          `json:"customer_area,omitempty"`
}

// Sign returns the signature header value of body under secret (for the
// marketplace's side, tests and benchmarks).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (h *Handler) verify(sig string, body []byte) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(sig), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(h.o.Secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// ServeHTTP handles one event.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.o.Secret == "" {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "order events disabled: set TAMKEEN_ORDERS_SECRET")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", tooBig.Limit))
			return
		}
		httpapi.WriteError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if !h.verify(r.Header.Get(SignatureHeader), body) {
		h.o.Log.Warn("orders: event with a missing or wrong signature refused", "remote", r.RemoteAddr)
		httpapi.WriteError(w, http.StatusUnauthorized, "missing or wrong "+SignatureHeader)
		return
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil || dec.More() {
		httpapi.WriteError(w, http.StatusBadRequest, "malformed JSON")
		return
	}
	in, field, err := h.validate(ev)
	if err != nil {
		httpapi.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error(), "field": field})
		return
	}
	res, err := h.Record(r.Context(), in)
	if err != nil {
		h.o.Log.Error("orders: could not record event", "event", in.EventID, "err", err)
		httpapi.WriteError(w, http.StatusInternalServerError, "could not record the event; send it again")
		return
	}
	if res.Conflict {
		h.o.Log.Warn("orders: event id reused for a different event refused", "event", in.EventID)
		httpapi.WriteJSON(w, http.StatusConflict, map[string]string{"error": "event_id: already used for a different event; give each event its own id", "field": "event_id"})
		return
	}
	if res.Duplicate {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "duplicate"})
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "recorded", "outcome": res.Outcome})
}

// Record stores a validated event and queues its notice.
func (h *Handler) Record(ctx context.Context, in store.OrderEventInput) (store.OrderEventResult, error) {
	res, err := h.o.Store.RecordOrderEvent(ctx, in, func(c *store.Contact, o *store.Order) (string, error) {
		b, err := json.Marshal(Notice(*o))
		return string(b), err
	})
	if err != nil {
		return res, err
	}
	if !res.Duplicate && !res.Conflict {
		h.o.Log.Info("orders: event recorded", "event", in.EventID, "status", in.Status, "contact", res.ContactID,
			"producer", phone.Mask(in.Phone), "new_producer", res.Created, "outcome", res.Outcome)
	}
	if res.Outcome == store.OrderNotified {
		h.o.Notify()
	}
	return res, nil
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
var decimalRE = regexp.MustCompile(`^-?[0-9]{1,12}(\.[0-9]{1,4})?$`)

// validate checks an event; field names the first bad one.
func (h *Handler) validate(ev Event) (store.OrderEventInput, string, error) {
	in := store.OrderEventInput{Language: locales.Default}
	text := func(name, v string, max int) (string, error) {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			return "", fmt.Errorf("%s: required", name)
		case utf8.RuneCountInString(v) > max:
			return "", fmt.Errorf("%s: at most %d characters", name, max)
		}
		if r, bad := textnorm.Unsafe(v, false); bad {
			return "", fmt.Errorf("%s: contains %U, a control or direction-override character", name, r)
		}
		return v, nil
	}
	var err error
	if in.EventID, err = text("event_id", ev.EventID, maxIDLen); err != nil {
		return in, "event_id", err
	}
	if in.OrderRef, err = text("order_id", ev.OrderID, maxRefLen); err != nil {
		return in, "order_id", err
	}
	if strings.TrimSpace(ev.ProducerPhone) == "" {
		return in, "producer_phone", errors.New("producer_phone: required")
	}
	if in.Phone, err = phone.Normalize(ev.ProducerPhone, h.o.Region); err != nil {
		return in, "producer_phone", fmt.Errorf("producer_phone: not a valid phone number (E.164 such as +96891234567, or a local number of region %s)", h.o.Region)
	}
	in.Status = strings.ToLower(strings.TrimSpace(ev.Status))
	if !store.ValidOrderStatus(in.Status) {
		return in, "status", fmt.Errorf("status: %q is not one of %s", ev.Status, strings.Join(store.OrderStatuses, ", "))
	}
	if in.OccurredAt, err = time.Parse(time.RFC3339, strings.TrimSpace(ev.OccurredAt)); err != nil {
		return in, "occurred_at", errors.New("occurred_at: want an RFC 3339 time such as 2026-05-03T10:15:00+04:00")
	}
	if in.Items, err = itemCount(ev.Items); err != nil {
		return in, "items", err
	}
	if in.Total, err = decimal(ev.Total); err != nil {
		return in, "total", err
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(ev.Currency))
	if in.Currency != "" && !currencyRE.MatchString(in.Currency) {
		return in, "currency", errors.New("currency: want a three-letter ISO 4217 code such as OMR")
	}
	if in.Currency == "" && in.Total != "" {
		in.Currency = h.o.Currency
	}
	in.CustomerArea = strings.TrimSpace(ev.CustomerArea)
	if utf8.RuneCountInString(in.CustomerArea) > maxAreaLen {
		return in, "customer_area", fmt.Errorf("customer_area: at most %d characters", maxAreaLen)
	}
	if r, bad := textnorm.Unsafe(in.CustomerArea, false); bad {
		return in, "customer_area", fmt.Errorf("customer_area: contains %U, a control or direction-override character", r)
	}
	return in, "", nil
}

// itemCount reads items given as a count or as a list.
func itemCount(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil && n >= 0 {
		if n > MaxItems {
			return 0, fmt.Errorf("items: at most %d", MaxItems)
		}
		return int(n), nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		return len(list), nil
	}
	return 0, errors.New("items: want a count (0 to 1000000) or a list")
}

// decimal reads total given as a JSON number or a numeric string, kept as written.
func decimal(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("total: want a number")
		}
		s = strings.TrimSpace(s)
	}
	if !decimalRE.MatchString(s) {
		return "", errors.New("total: want a number such as 12.500")
	}
	return s, nil
}

// ShortRef is the order id as notices show it: whole when short, else its
// last characters after an ellipsis (the end of an id is what tells orders apart).
func ShortRef(ref string) string {
	r := []rune(ref)
	if len(r) <= ShortRefLen {
		return ref
	}
	return "…" + string(r[len(r)-(ShortRefLen-1):])
}

// Notice is the message telling a producer their order's status: on
// Telegram with the details known, on SMS one line that fits one segment.
func Notice(o store.Order) vocab.Reply {
	line := vocab.TD("notice.order."+o.Status, map[string]any{"Ref": ShortRef(o.OrderRef)})
	var total any = ""
	if o.Total != "" {
		total = vocab.Money(o.Total, o.Currency)
	}
	return vocab.Reply{
		Key:      "notice.order",
		ShortKey: "notice.order.sms",
		Data: map[string]any{
			"Line": line, "Items": o.Items, "Total": total, "Area": o.CustomerArea,
		},
	}
}
