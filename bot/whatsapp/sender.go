package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/reach"
)

// DefaultTimeout bounds one call to the Cloud API.
const DefaultTimeout = 15 * time.Second

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// userID is the form of a business-scoped user id: a country code, a dot,
// then letters and digits (a parent id has "ENT." after the country).
var userID = regexp.MustCompile(`^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$`)

// IsUserID reports whether s is a business-scoped user id ("OM.1349…").
func IsUserID(s string) bool { return userID.MatchString(s) }

// Options are the sender's collaborators.
type Options struct {
	Renderer  *bot.Renderer
	Log       *slog.Logger
	Timeout   time.Duration     // per call (default DefaultTimeout)
	Transport http.RoundTripper // the network (default: a transport with dial, TLS and header timeouts)
}

// Sender sends WhatsApp messages through the Cloud API.
type Sender struct {
	cfg      config.WhatsApp
	endpoint string // {base}/{phone_number_id}/messages
	renderer *bot.Renderer
	log      *slog.Logger
	http     *http.Client
	timeout  time.Duration
}

// NewSender returns a sender for the number in cfg.
func NewSender(cfg config.WhatsApp, o Options) (*Sender, error) {
	if !cfg.Enabled() {
		return nil, errors.New("whatsapp: the sender needs WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID")
	}
	if o.Renderer == nil || o.Log == nil {
		return nil, errors.New("whatsapp: the sender needs a renderer and a logger")
	}
	network := o.Transport
	if network == nil {
		network = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   64, // one per send in flight
			ForceAttemptHTTP2:     true,
		}
	}
	s := &Sender{
		cfg: cfg, endpoint: strings.TrimRight(cfg.APIBaseURL, "/") + "/" + cfg.PhoneNumberID + "/messages",
		renderer: o.Renderer, log: o.Log, timeout: o.Timeout,
		http: &http.Client{Transport: network, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s, nil
}

// Channel is "whatsapp".
func (s *Sender) Channel() string { return bot.WhatsApp }

// Limits declares the number's throughput, WHATSAPP_RATE messages a
// second (Cloud API: 80 by default). WhatsApp's limit per person (about
// one message every 6 seconds on average, with bursts) is not declared:
// a conversation's replies come in bursts it allows; its 131056 pauses
// that person alone.
func (s *Sender) Limits() bot.Limits { return bot.Limits{PerSecond: s.cfg.Rate} }

// Cost is what m spends of WHATSAPP_RATE: one per request it goes as (a
// text too long for the buttons' body goes before them).
func (s *Sender) Cost(m bot.Outgoing) int {
	reqs, err := s.Requests(m)
	if err != nil || len(reqs) == 0 {
		return 1
	}
	return len(reqs)
}

// Template names the approved template a kind of message goes as outside
// the window (WHATSAPP_TEMPLATE_<KIND>).
func (s *Sender) Template(kind string) (string, bool) { return s.cfg.Template(reach.Kind(kind)) }

// TemplateLanguage is the template language a person's language is sent
// in: the templates are registered in Arabic and English.
func TemplateLanguage(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "ar"
}

// Requests renders m as the requests that carry it, in order, addressed:
// one template message when m.Template is set.
func (s *Sender) Requests(m bot.Outgoing) ([]Request, error) {
	msg := bot.Message{Text: m.Body}
	if m.Reply != nil {
		var err error
		if msg, err = s.renderer.Render(m.Language, *m.Reply, false); err != nil {
			return nil, err
		}
	}
	if m.Template != "" {
		r, err := TemplateRequest(TemplateMessage{Name: m.Template, Language: TemplateLanguage(m.Language), Params: []string{templateText(msg)}})
		if err == nil {
			err = Address(&r, m.Recipient)
		}
		return []Request{r}, err
	}
	words, err := s.words(m.Language)
	if err != nil {
		return nil, err
	}
	reqs := Layout(msg, words)
	for i := range reqs {
		if err := Address(&reqs[i], m.Recipient); err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

func (s *Sender) words(lang string) (Words, error) {
	var w Words
	var err error
	if w.ListButton, err = s.renderer.Text(lang, keyListButton, nil); err != nil {
		return w, err
	}
	w.Choose, err = s.renderer.Text(lang, keyChoose, nil)
	return w, err
}

// templateText is a message as one template parameter: its text, then its
// options as numbered choices the person can answer by number or word
// (Param joins the lines).
func templateText(msg bot.Message) string {
	var b strings.Builder
	b.WriteString(msg.Text)
	for i, o := range msg.Options {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Label)
	}
	return b.String()
}

// Address fills in who r goes to: a number in E.164 ("+968…") by "to"
// (digits), a business-scoped user id by "recipient".
func Address(r *Request, recipient string) error {
	r.MessagingProduct, r.RecipientType = "whatsapp", "individual"
	switch {
	case strings.HasPrefix(recipient, "+") && len(recipient) > 7 && strings.Trim(recipient[1:], "0123456789") == "":
		r.To = recipient[1:]
	case IsUserID(recipient):
		r.Recipient = recipient
	default:
		return fmt.Errorf("whatsapp: recipient %s is neither a number nor a WhatsApp user id", phone.Mask(recipient))
	}
	return nil
}

// Send delivers m: each of its requests in order. It returns the wamid of
// the last, the one carrying the options: WhatsApp's statuses report on
// it. Errors are *bot.SendError.
func (s *Sender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	reqs, err := s.Requests(m)
	if err == nil && len(reqs) == 0 {
		err = errors.New("whatsapp: nothing to send (an empty text)")
	}
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: err}
	}
	id := ""
	for _, r := range reqs {
		if id, err = s.Post(ctx, r); err != nil {
			var se *bot.SendError
			if errors.As(err, &se) && se.Kind == bot.BadConfig {
				s.log.Error("whatsapp: REFUSED: check WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_API_BASE_URL", "err", err)
			}
			return "", err
		}
	}
	s.log.Debug("whatsapp: sent", "to", phone.Mask(m.Recipient), "wamid", id, "requests", len(reqs))
	return id, nil
}

// Post sends one request and returns its wamid. A 2xx answer whose body
// cannot be read is a send whose id is unknown (""): WhatsApp has the
// message, and sending it again would show it twice.
func (s *Sender) Post(ctx context.Context, r Request) (string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("whatsapp: encode: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", &bot.SendError{Kind: bot.BadConfig, Err: fmt.Errorf("whatsapp: %s", scrub(err.Error(), s.cfg.AccessToken))}
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	answered := bot.Sending(ctx)
	res, err := s.http.Do(req)
	answered()
	if err != nil {
		return "", &bot.SendError{Kind: bot.RetryLater, Err: fmt.Errorf("whatsapp: %s", scrub(err.Error(), s.cfg.AccessToken))}
	}
	defer res.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	var ans Response
	parseErr := json.Unmarshal(raw, &ans)
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		if readErr != nil || parseErr != nil || len(ans.Messages) == 0 || ans.Messages[0].ID == "" {
			s.log.Warn("whatsapp: message accepted but the answer was unreadable; recorded as sent without its id", "status", res.StatusCode)
			return "", nil
		}
		return ans.Messages[0].ID, nil
	}
	if parseErr != nil {
		ans.Error = nil
	}
	return "", classify(res.StatusCode, ans.Error, s.cfg.AccessToken)
}

// SendTemplate sends an approved template to recipient (a number in
// E.164 or a WhatsApp user id): what may go to a person outside the 24
// hours after they last wrote. It returns the wamid; errors are *bot.SendError.
func (s *Sender) SendTemplate(ctx context.Context, recipient string, t TemplateMessage) (string, error) {
	r, err := TemplateRequest(t)
	if err == nil {
		err = Address(&r, recipient)
	}
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: err}
	}
	return s.Post(ctx, r)
}
