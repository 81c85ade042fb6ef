// Package sms is the SMS channel over Twilio: a sender that renders replies
// as short numbered menus sized to SMS segments (long content paged, the rest
// sent when the person replies 9), signed inbound webhooks, signed delivery
// status callbacks, and the mapping of Twilio's errors to what the dispatcher
// should do. twilio-go is used here and nowhere else.
package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/vocab"
)

// Webhook paths, relative to the public URL.
const (
	InboundPath = "/webhooks/twilio/sms"
	StatusPath  = "/webhooks/twilio/status"
)

// DefaultTimeout bounds one call to Twilio.
const DefaultTimeout = 15 * time.Second

// Pages keeps what is left of a long message until the person asks for more.
type Pages interface {
	SetSMSMore(ctx context.Context, contactID int64, pages []string) error
}

// Options are the sender's collaborators.
type Options struct {
	PublicURL string        // where Twilio posts status callbacks ("" for none)
	Renderer  *bot.Renderer // words
	Pages     Pages         // where pages after the first wait
	Log       *slog.Logger
	Timeout   time.Duration     // per call to Twilio (default DefaultTimeout)
	Transport http.RoundTripper // the network (default: a transport with dial, TLS and header timeouts)
}

// Sender sends SMS through Twilio's Messages API.
type Sender struct {
	cfg      config.Twilio
	base     *url.URL
	callback string
	renderer *bot.Renderer
	pages    Pages
	log      *slog.Logger
	timeout  time.Duration
	network  http.RoundTripper
}

// NewSender returns a sender for the account in cfg.
func NewSender(cfg config.Twilio, o Options) (*Sender, error) {
	base, err := url.Parse(cfg.APIBaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("sms: TWILIO_API_BASE_URL %q is not an absolute URL", cfg.APIBaseURL)
	}
	if o.Renderer == nil || o.Pages == nil || o.Log == nil {
		return nil, errors.New("sms: sender needs a renderer, a page store and a logger")
	}
	s := &Sender{
		cfg: cfg, base: base, renderer: o.Renderer, pages: o.Pages, log: o.Log,
		timeout: o.Timeout, network: o.Transport,
	}
	if o.PublicURL != "" {
		s.callback = strings.TrimRight(o.PublicURL, "/") + StatusPath
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.network == nil {
		s.network = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   64, // one per send in flight (the dispatcher runs 32 at once)
			ForceAttemptHTTP2:     true,
		}
	}
	return s, nil
}

// Channel is "sms".
func (s *Sender) Channel() string { return bot.SMS }

// Limits declares Twilio's throughput for the sender: TWILIO_RATE per second.
// The rate is in segments; Segments tells what one message costs.
func (s *Sender) Limits() bot.Limits { return bot.Limits{PerSecond: s.cfg.Rate} }

// Pages renders m as the SMS pages it is sent as: the first goes now, the
// others when the person asks for more.
func (s *Sender) Pages(m bot.Outgoing) ([]string, error) {
	more, err := moreLine(s.renderer, m.Language)
	if err != nil {
		return nil, err
	}
	msg := bot.Message{Text: m.Body}
	if m.Reply != nil {
		if msg, err = s.renderer.Render(m.Language, s.short(m.Language, *m.Reply), true); err != nil {
			return nil, err
		}
	}
	return Layout(msg, more), nil
}

// short swaps each option label for its SMS version ("<key>.sms") where the
// catalog has one: a label that would turn a whole English text into UCS-2,
// for instance, costs twice the segments.
func (s *Sender) short(lang string, r vocab.Reply) vocab.Reply {
	b := s.renderer.Bundle()
	if !b.Supported(lang) {
		lang = locales.Default
	}
	opts := make([]vocab.Option, len(r.Options))
	for i, o := range r.Options {
		if b.Has(lang, o.Key+".sms") {
			o.Key += ".sms"
		}
		opts[i] = o
	}
	r.Options = opts
	return r
}

// Segments is what sending m now costs in SMS segments (its first page).
func (s *Sender) Segments(m bot.Outgoing) int {
	pages, err := s.Pages(m)
	if err != nil || len(pages) == 0 {
		return 1
	}
	return max(1, segment.Segments(pages[0]))
}

// Cost is what m spends of TWILIO_RATE: the segments of the page sent now.
func (s *Sender) Cost(m bot.Outgoing) int { return s.Segments(m) }

// Send delivers the first page of m and keeps the others for "more".
func (s *Sender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	pages, err := s.Pages(m)
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: err}
	}
	if !strings.HasPrefix(m.Recipient, "+") {
		return "", &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("sms: recipient %s is not an E.164 number", phone.Mask(m.Recipient))}
	}
	sid, err := s.post(ctx, m.Recipient, pages[0])
	if err != nil {
		var se *bot.SendError
		if errors.As(err, &se) && se.Kind == bot.BadConfig {
			s.log.Error("sms: TWILIO CREDENTIALS OR SENDER REFUSED: check TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM / TWILIO_MESSAGING_SERVICE_SID", "err", err)
		}
		return "", err
	}
	s.log.Debug("sms: sent", "to", phone.Mask(m.Recipient), "sid", sid, "segments", segment.Segments(pages[0]), "pages", len(pages))
	if len(pages) > 1 && m.ContactID != 0 {
		if err := s.pages.SetSMSMore(ctx, m.ContactID, pages[1:]); err != nil {
			// The first page is out; losing the rest is better than sending it twice.
			s.log.Error("sms: could not keep the next pages", "contact", m.ContactID, "err", err)
		}
	}
	return sid, nil
}

// post creates one message at Twilio and returns its sid.
func (s *Sender) post(ctx context.Context, to, body string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rt := &rewrite{ctx: ctx, base: s.base, next: s.network}
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient: &http.Client{
			Transport:     rt,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	rh := client.NewRequestHandler(c)
	rh.Edge, rh.Region = "", "" // the base URL decides where requests go
	api := openapi.NewApiService(rh)

	p := (&openapi.CreateMessageParams{}).SetTo(to).SetBody(body)
	if s.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
	} else {
		p.SetFrom(s.cfg.From)
	}
	if s.callback != "" {
		p.SetStatusCallback(s.callback)
	}
	msg, err := api.CreateMessage(p)
	if err != nil && rt.status >= 200 && rt.status < 300 {
		// Twilio accepted the message (201) but its answer was cut off:
		// it goes out, so it is a send; only its sid is unknown.
		s.log.Warn("sms: message accepted but the answer was unreadable; recorded as sent without its sid", "to", phone.Mask(to), "err", err)
		return "", nil
	}
	if err != nil {
		return "", classify(fmt.Errorf("twilio api at %s: %w", s.base.Host, namedAtBase(err, s.base)), rt.status, rt.retryAfter)
	}
	if msg == nil || msg.Sid == nil || *msg.Sid == "" {
		return "", &bot.SendError{Kind: bot.RetryLater, Err: errors.New("sms: twilio answered without a message sid")}
	}
	return *msg.Sid, nil
}

// rewrite sends twilio-go's requests to the configured base URL (a local
// simulator in tests) under the caller's context, and notes the HTTP status
// and Retry-After of the answer for the error mapping.
type rewrite struct {
	ctx        context.Context
	base       *url.URL
	next       http.RoundTripper
	status     int
	retryAfter time.Duration
}

func (t *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(t.ctx)
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = strings.TrimRight(t.base.Path, "/") + req.URL.Path
	r.URL.RawPath = ""
	r.Host = ""
	answered := bot.Sending(t.ctx)
	res, err := t.next.RoundTrip(r)
	answered()
	if err != nil {
		return nil, err
	}
	t.status = res.StatusCode
	if v := res.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
			t.retryAfter = time.Duration(secs) * time.Second
		}
	}
	return res, nil
}

// Twilio error codes with a meaning for the dispatcher.
const (
	codeAuth           = 20003 // authenticate: bad account sid or token
	codeTooManyRequest = 20429 // too many requests
	codeInvalidTo      = 21211 // invalid 'To' phone number
	codeNotMobile      = 21614 // 'To' is not a valid mobile number
	codeUnsubscribed   = 21610 // the recipient replied STOP to this sender
	codeNoRoute        = 21612 // cannot route to this number
	codeRegionDisabled = 21408 // permission to send to this region is not enabled
	codeBadFrom        = 21606 // 'From' is not a valid SMS-capable number of this account
	codeFromNotOwned   = 21659 // 'From' is not a Twilio number of this account
	codeNoService      = 21703 // messaging service has no senders / is invalid
)

// classify turns a failed call into the decision it implies.
func classify(err error, status int, retryAfter time.Duration) *bot.SendError {
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		if te.Status != 0 {
			status = te.Status
		}
		// Twilio's message may quote the phone number: keep only the code,
		// so logs and the outbox's error column hold no number.
		err = fmt.Errorf("twilio: error %d (HTTP %d) %s", te.Code, status, te.MoreInfo)
		switch te.Code {
		case codeUnsubscribed:
			return &bot.SendError{Kind: bot.OptedOut, Err: err}
		case codeInvalidTo, codeNotMobile, codeNoRoute:
			return &bot.SendError{Kind: bot.Permanent, Err: err}
		case codeTooManyRequest:
			return &bot.SendError{Kind: bot.RetryLater, RetryAfter: retryAfter, Scope: bot.ScopeChannel, Err: err}
		case codeAuth, codeBadFrom, codeFromNotOwned, codeRegionDisabled, codeNoService:
			return &bot.SendError{Kind: bot.BadConfig, Err: err}
		}
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &bot.SendError{Kind: bot.BadConfig, Err: err}
	case status == http.StatusTooManyRequests:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: retryAfter, Scope: bot.ScopeChannel, Err: err}
	case status >= 500 || status == 0 || status == http.StatusRequestTimeout:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: retryAfter, Err: err} // 0: no answer at all
	}
	return &bot.SendError{Kind: bot.Permanent, Err: err}
}
