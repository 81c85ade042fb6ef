package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go/client"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

// WebhookOptions configure the webhooks.
type WebhookOptions struct {
	AuthToken string             // TWILIO_AUTH_TOKEN: the key Twilio signs with
	PublicURL string             // TAMKEEN_PUBLIC_URL: the address Twilio calls (and signs), not the listener's
	Region    string             // default phone number region
	Inbox     bot.Handler        // takes inbound texts
	Receipts  bot.ReceiptHandler // takes delivery reports
	Log       *slog.Logger
}

// Webhooks serves Twilio's inbound messages and delivery status callbacks.
type Webhooks struct {
	validator client.RequestValidator
	o         WebhookOptions
}

// NewWebhooks returns the webhook handlers.
func NewWebhooks(o WebhookOptions) (*Webhooks, error) {
	if o.AuthToken == "" || o.PublicURL == "" {
		return nil, errors.New("sms: webhooks need TWILIO_AUTH_TOKEN and TAMKEEN_PUBLIC_URL (Twilio signs each call for that address)")
	}
	if o.Inbox == nil || o.Receipts == nil || o.Log == nil {
		return nil, errors.New("sms: webhooks need an inbox, a receipt handler and a logger")
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	return &Webhooks{validator: client.NewRequestValidator(o.AuthToken), o: o}, nil
}

// verified parses the form of r and checks Twilio's signature for the public
// address of r. It answers 403 and returns false when it does not match.
func (wh *Webhooks) verified(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		params[k] = v[0]
	}
	if sig == "" || !wh.validator.Validate(wh.o.PublicURL+r.URL.RequestURI(), params, sig) {
		wh.o.Log.Warn("sms: webhook refused: bad or missing X-Twilio-Signature", "path", r.URL.Path, "signed", sig != "")
		http.Error(w, "forbidden", http.StatusForbidden)
		return false
	}
	return true
}

// emptyTwiML answers Twilio without sending anything back in the same
// breath: replies go through the outbox like every channel's.
func emptyTwiML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`))
}

// Inbound handles POST /webhooks/twilio/sms: one text from a person.
func (wh *Webhooks) Inbound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wh.verified(w, r) {
			return
		}
		sid := messageSid(r)
		if sid == "" {
			http.Error(w, "MessageSid missing or not a Twilio id", http.StatusBadRequest)
			return
		}
		from, err := phone.Normalize(r.PostForm.Get("From"), wh.o.Region)
		if err != nil {
			// Nothing to answer to (a short code, an alphanumeric sender): drop it, and stop Twilio retrying.
			wh.o.Log.Warn("sms: inbound from a number that is not a valid phone number, dropped", "sid", sid)
			emptyTwiML(w)
			return
		}
		if err := wh.inbound(r.Context(), sid, from, r.PostForm.Get("Body")); err != nil {
			wh.o.Log.Error("sms: inbound failed; Twilio will retry", "sid", sid, "from", phone.Mask(from), "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		emptyTwiML(w)
	})
}

func (wh *Webhooks) inbound(ctx context.Context, sid, from, body string) error {
	in := bot.Input{Channel: bot.SMS, ExternalID: sid, From: vocab.Address{Phone: from}, Text: body}
	if textnorm.Normalize(body) == strconv.Itoa(MoreDigit) {
		in.Kind = bot.KindMorePlease
	}
	out, err := wh.o.Inbox.Handle(ctx, in)
	if err != nil {
		return err
	}
	wh.o.Log.Info("sms: inbound", "from", phone.Mask(from), "sid", sid, "kind", in.Kind, "contact", out.ContactID, "duplicate", out.Duplicate, "replies", out.Replies)
	return nil
}

// Status handles POST /webhooks/twilio/status: Twilio's report on a message we sent.
func (wh *Webhooks) Status() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wh.verified(w, r) {
			return
		}
		sid := messageSid(r)
		status := r.PostForm.Get("MessageStatus")
		if status == "" {
			status = r.PostForm.Get("SmsStatus")
		}
		code, _ := strconv.Atoi(r.PostForm.Get("ErrorCode"))
		if err := wh.status(r.Context(), sid, status, code); err != nil {
			wh.o.Log.Error("sms: status callback failed", "sid", sid, "status", status, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Twilio delivery error codes that say something about the recipient.
const (
	codeUnreachableHandset = 30003
	codeUnknownDestination = 30005
	codeLandline           = 30006
)

func (wh *Webhooks) status(ctx context.Context, sid, status string, code int) error {
	return wh.o.Receipts.HandleReceipt(ctx, receiptOf(sid, status, code))
}

// receiptOf reads a Twilio status callback.
func receiptOf(sid, status string, code int) bot.Receipt {
	r := bot.Receipt{Channel: bot.SMS, ProviderID: sid, Detail: fmt.Sprintf("twilio %s, error %d", status, code)}
	switch status {
	case "delivered":
		r.Status = bot.Delivered
	case "undelivered", "failed":
		r.Status = bot.Undelivered
	default: // accepted, queued, sending, sent, scheduled, read: still on its way
		r.Status = bot.InTransit
	}
	switch code {
	case codeUnsubscribed:
		r.Failure = bot.FailureOptedOut
	case codeUnreachableHandset, codeUnknownDestination, codeLandline:
		r.Failure = bot.FailureNoHandset
	}
	return r
}

// messageSid is the id Twilio gives the message a webhook is about (older
// callbacks name it SmsSid); "" when there is none, or when it is not
// letters and digits as Twilio's are (it is stored and looked up as given).
func messageSid(r *http.Request) string {
	sid := r.PostForm.Get("MessageSid")
	if sid == "" {
		sid = r.PostForm.Get("SmsSid")
	}
	if len(sid) > 64 {
		return ""
	}
	for _, c := range []byte(sid) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	return sid
}
