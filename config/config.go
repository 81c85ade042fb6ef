// Package config reads and validates the service's settings from the environment.
// One Config value is built at start and passed down; nothing reads the environment later.
package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/officehours"
	"github.com/tamkeen/tamkeen/reach"
)

// Config is every setting the service uses.
type Config struct {
	DB            string          // TAMKEEN_DB: SQLite file path, or postgres:// URL
	HTTPAddr      string          // TAMKEEN_HTTP_ADDR
	PublicURL     string          // TAMKEEN_PUBLIC_URL: how providers reach us (webhooks)
	AdminToken    string          // TAMKEEN_ADMIN_TOKEN: bearer token of the staff API
	Country       string          // TAMKEEN_COUNTRY: the country pack (OM, JO, SA, EG): regions, currency, programs, lessons
	Location      *time.Location  // TAMKEEN_TIMEZONE
	DefaultRegion string          // TAMKEEN_DEFAULT_REGION: phone number region, ISO 3166 alpha-2
	QuietHours    QuietHours      // TAMKEEN_QUIET_HOURS
	ContentDir    string          // TAMKEEN_CONTENT_DIR: folder whose files override the embedded locales
	LogLevel      string          // TAMKEEN_LOG_LEVEL: debug, info, warn, error
	LogFormat     string          // TAMKEEN_LOG_FORMAT: json, text, or "" (text on a terminal, JSON otherwise)
	DemoData      bool            // TAMKEEN_DEMO_DATA: load demo opportunities into an empty database
	OrdersSecret  string          // TAMKEEN_ORDERS_SECRET: HMAC key of marketplace order events
	Reminders     []time.Duration // TAMKEEN_REMINDERS: how long before an opportunity starts to remind
	DebugAddr     string          // TAMKEEN_DEBUG_ADDR: where pprof listens (off when empty; keep it private)
	OutboxLease   time.Duration   // TAMKEEN_OUTBOX_LEASE: how long a message being sent is held before another process may take it over
	// MessageRetention is TAMKEEN_MESSAGE_RETENTION: how long what people
	// write is kept for staff to read (default 180 days).
	MessageRetention time.Duration
	// OfficeHours is TAMKEEN_OFFICE_HOURS ("Sun-Thu 08:00-15:00", judged in
	// Location), else the pack's: when staff answer people who asked for a
	// person. Set empty: no hours are promised.
	OfficeHours officehours.Hours
	// Help is TAMKEEN_HELP_PHONE, TAMKEEN_HELP_ADDRESS and TAMKEEN_HELP_HOURS:
	// how a person reaches the office that helps in person, shown under
	// "help"; each one set replaces the pack's (countries/<cc>/help.toml).
	Help locales.Contact
	// TrustedProxies are TAMKEEN_TRUSTED_PROXIES: the reverse proxies whose
	// X-Forwarded-For names the client (sign-in limits, the audit log).
	TrustedProxies []netip.Prefix
	// SMSPrice is TAMKEEN_SMS_SEGMENT_PRICE ("0.012 OMR"): what one SMS
	// segment costs, for the broadcast composer's estimate (zero: not shown).
	SMSPrice SMSPrice
	// TemplatePrice is TAMKEEN_WHATSAPP_TEMPLATE_PRICE ("0.02 OMR"): what one
	// WhatsApp template message costs (zero: not set).
	TemplatePrice SMSPrice

	Telegram Telegram
	Twilio   Twilio
	WhatsApp WhatsApp
}

// Telegram is the Telegram channel's settings; it is on when Token is set.
type Telegram struct {
	Token         string  // TELEGRAM_BOT_TOKEN
	APIEndpoint   string  // TELEGRAM_API_ENDPOINT: the library's format, "https://api.telegram.org/bot%s/%s"
	Mode          string  // TELEGRAM_MODE: polling or webhook
	WebhookSecret string  // TELEGRAM_WEBHOOK_SECRET
	Rate          float64 // TELEGRAM_RATE: messages per second overall
}

// Enabled reports whether the channel has its credentials.
func (t Telegram) Enabled() bool { return t.Token != "" }

// Twilio is the SMS channel's settings; it is on when the account, token and a sender are set.
type Twilio struct {
	AccountSID          string  // TWILIO_ACCOUNT_SID
	AuthToken           string  // TWILIO_AUTH_TOKEN
	From                string  // TWILIO_FROM: the sending number
	MessagingServiceSID string  // TWILIO_MESSAGING_SERVICE_SID: or a messaging service
	APIBaseURL          string  // TWILIO_API_BASE_URL
	Rate                float64 // TWILIO_RATE: segments per second
}

// Enabled reports whether the channel has its credentials.
func (t Twilio) Enabled() bool {
	return t.AccountSID != "" && t.AuthToken != "" && (t.From != "" || t.MessagingServiceSID != "")
}

// WhatsApp is the WhatsApp channel's settings (Meta's Cloud API); it is on
// when its four credentials are set.
type WhatsApp struct {
	AccessToken   string  // WHATSAPP_ACCESS_TOKEN: a system user's token with whatsapp_business_messaging
	PhoneNumberID string  // WHATSAPP_PHONE_NUMBER_ID: the business number's id (not the number)
	AppSecret     string  // WHATSAPP_APP_SECRET: the Meta app's secret, which signs webhooks
	VerifyToken   string  // WHATSAPP_VERIFY_TOKEN: what Meta sends back when the webhook is registered
	APIBaseURL    string  // WHATSAPP_API_BASE_URL: the Graph API with its version
	Rate          float64 // WHATSAPP_RATE: messages per second for the number
	// Templates names the approved template each kind of message goes as
	// outside the 24-hour window (WHATSAPP_TEMPLATE_<KIND>, by reach.Kind:
	// "broadcast" → tamkeen_broadcast…); a kind absent has none.
	Templates map[string]string
}

// DefaultTemplates are the templates the README asks the program to
// register, by message kind; a reply (an answer to someone writing) has none.
func DefaultTemplates() map[string]string {
	out := map[string]string{}
	for _, k := range reach.Kinds() {
		switch k {
		case reach.Reply:
		case reach.Staff:
			out[string(k)] = "tamkeen_staff_reply"
		default:
			out[string(k)] = "tamkeen_" + string(k)
		}
	}
	return out
}

// Template is the template a kind of message goes as outside the window.
func (w WhatsApp) Template(kind reach.Kind) (name string, ok bool) {
	name, ok = w.Templates[string(kind)]
	return name, ok && name != ""
}

// whatsAppSettings names the four settings that switch WhatsApp on.
var whatsAppSettings = [...]string{"WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"}

func (w WhatsApp) credentials() [4]string {
	return [4]string{w.AccessToken, w.PhoneNumberID, w.AppSecret, w.VerifyToken}
}

// Enabled reports whether the channel has its credentials.
func (w WhatsApp) Enabled() bool {
	for _, v := range w.credentials() {
		if v == "" {
			return false
		}
	}
	return true
}

// MinAdminTokenLen is the shortest TAMKEEN_ADMIN_TOKEN accepted: it signs
// console sessions and opens the staff API, so it must not be guessable.
const MinAdminTokenLen = 16

// LookupEnv looks up one variable and says whether it is set; os.LookupEnv fits.
type LookupEnv func(string) (string, bool)

// Load reads the configuration. The error lists every bad variable at once,
// each naming the variable and what it accepts.
func Load(lookupEnv LookupEnv) (Config, error) {
	var errs []error
	lookupEnv, err := withSecretFiles(lookupEnv, os.ReadFile)
	if err != nil {
		errs = append(errs, err)
	}
	get := func(name, def string) string {
		if v, _ := lookupEnv(name); strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := Config{
		DB:         get("TAMKEEN_DB", "tamkeen.db"),
		HTTPAddr:   get("TAMKEEN_HTTP_ADDR", ":8080"),
		PublicURL:  strings.TrimRight(get("TAMKEEN_PUBLIC_URL", ""), "/"),
		AdminToken: get("TAMKEEN_ADMIN_TOKEN", ""),
		Country:    strings.ToUpper(get("TAMKEEN_COUNTRY", locales.DefaultCountry)),
		ContentDir: get("TAMKEEN_CONTENT_DIR", ""),
		LogLevel:   strings.ToLower(get("TAMKEEN_LOG_LEVEL", "info")),
		LogFormat:  strings.ToLower(get("TAMKEEN_LOG_FORMAT", "")),
		DebugAddr:  get("TAMKEEN_DEBUG_ADDR", ""),
	}

	// The pack gives the phone region and time zone; explicit settings win.
	pack, err := locales.PackSettings(c.Country)
	if err != nil {
		errs = append(errs, fmt.Errorf("TAMKEEN_COUNTRY=%q: allowed values are %s (the country pack: regions, currency, programs, lessons)", get("TAMKEEN_COUNTRY", ""), strings.Join(locales.Countries(), ", ")))
		pack = locales.Pack{PhoneRegion: "OM", TimeZone: "Asia/Muscat"}
	}
	c.DefaultRegion = strings.ToUpper(get("TAMKEEN_DEFAULT_REGION", pack.PhoneRegion))
	tz := get("TAMKEEN_TIMEZONE", pack.TimeZone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("TAMKEEN_TIMEZONE=%q: not an IANA time zone name (for example Asia/Muscat, Asia/Riyadh, Africa/Cairo)", tz))
	}
	c.Location = loc

	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("TAMKEEN_PUBLIC_URL=%q: must be an absolute http:// or https:// URL", c.PublicURL))
		}
	}
	if phonenumbers.GetCountryCodeForRegion(c.DefaultRegion) == 0 {
		errs = append(errs, fmt.Errorf("TAMKEEN_DEFAULT_REGION=%q: must be a two-letter region code such as OM, SA, JO or EG", c.DefaultRegion))
	}
	if strings.HasPrefix(c.DB, "postgres") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("TAMKEEN_DB=%q: a PostgreSQL database is given as a postgres:// URL", c.DB))
	}

	quiet, set := lookupEnv("TAMKEEN_QUIET_HOURS")
	if !set {
		quiet = "21:00-08:00" // unset means the default; set but empty means none
	}
	qh, err := ParseQuietHours(quiet)
	if err != nil {
		errs = append(errs, fmt.Errorf("TAMKEEN_QUIET_HOURS: %w", err))
	}
	c.QuietHours = qh

	if v := get("TAMKEEN_SMS_SEGMENT_PRICE", ""); v != "" {
		p, err := ParseSMSPrice(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TAMKEEN_SMS_SEGMENT_PRICE=%q: %w", v, err))
		}
		c.SMSPrice = p
	}

	if v := get("TAMKEEN_WHATSAPP_TEMPLATE_PRICE", ""); v != "" {
		p, err := ParseSMSPrice(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TAMKEEN_WHATSAPP_TEMPLATE_PRICE=%q: %w", v, err))
		}
		c.TemplatePrice = p
	}

	if v := get("TAMKEEN_HELP_PHONE", ""); v != "" {
		if err := locales.CheckHelpPhone(v); err != nil {
			errs = append(errs, fmt.Errorf("TAMKEEN_HELP_PHONE=%q: %w", v, err))
		}
		c.Help.Phone = v
	}
	for _, s := range []struct {
		name string
		max  int
		to   *map[string]string
	}{{"TAMKEEN_HELP_ADDRESS", locales.MaxHelpAddress, &c.Help.Address}, {"TAMKEEN_HELP_HOURS", locales.MaxHelpHours, &c.Help.Hours}} {
		if v := get(s.name, ""); v != "" {
			if err := locales.CheckHelpText(v, s.max); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", s.name, v, err))
			}
			*s.to = locales.Everywhere(v)
		}
	}

	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("TAMKEEN_LOG_LEVEL=%q: allowed values are debug, info, warn, error", c.LogLevel))
	}

	switch c.LogFormat {
	case "", "json", "text":
	default:
		errs = append(errs, fmt.Errorf("TAMKEEN_LOG_FORMAT=%q: allowed values are json, text (unset: text on a terminal, JSON otherwise)", c.LogFormat))
	}

	switch v := strings.ToLower(get("TAMKEEN_DEMO_DATA", "true")); v {
	case "1", "true", "yes", "on":
		c.DemoData = true
	case "0", "false", "no", "off":
		c.DemoData = false
	default:
		errs = append(errs, fmt.Errorf("TAMKEEN_DEMO_DATA=%q: allowed values are true or false", v))
	}
	c.OrdersSecret = get("TAMKEEN_ORDERS_SECRET", "")
	if n := len([]rune(c.AdminToken)); c.AdminToken != "" && n < MinAdminTokenLen {
		errs = append(errs, fmt.Errorf("TAMKEEN_ADMIN_TOKEN: %d characters, at least %d are needed (for example the output of: openssl rand -hex 16)", n, MinAdminTokenLen))
	}
	c.Reminders, err = parseDurations(get("TAMKEEN_REMINDERS", "24h,2h"))
	if err != nil {
		errs = append(errs, fmt.Errorf("TAMKEEN_REMINDERS: %w", err))
	}

	lease := get("TAMKEEN_OUTBOX_LEASE", "2m")
	if c.OutboxLease, err = time.ParseDuration(lease); err != nil || c.OutboxLease < time.Second {
		errs = append(errs, fmt.Errorf("TAMKEEN_OUTBOX_LEASE=%q: want a duration of at least 1s, such as 2m", lease))
	}

	c.OfficeHours = pack.OfficeHours
	if v, set := lookupEnv("TAMKEEN_OFFICE_HOURS"); set {
		if c.OfficeHours, err = officehours.Parse(v); err != nil {
			errs = append(errs, fmt.Errorf("TAMKEEN_OFFICE_HOURS=%q: %w", v, err))
		}
	}

	retention := get("TAMKEEN_MESSAGE_RETENTION", "180d")
	if c.MessageRetention, err = ParseRetention(retention); err != nil {
		errs = append(errs, fmt.Errorf("TAMKEEN_MESSAGE_RETENTION=%q: %w", retention, err))
	}

	if v := get("TAMKEEN_TRUSTED_PROXIES", ""); v != "" {
		if c.TrustedProxies, err = ParseTrustedProxies(v); err != nil {
			errs = append(errs, fmt.Errorf("TAMKEEN_TRUSTED_PROXIES=%q: %w", v, err))
		}
	}

	c.Telegram = Telegram{
		Token:         get("TELEGRAM_BOT_TOKEN", ""),
		APIEndpoint:   get("TELEGRAM_API_ENDPOINT", "https://api.telegram.org/bot%s/%s"),
		Mode:          strings.ToLower(get("TELEGRAM_MODE", "polling")),
		WebhookSecret: get("TELEGRAM_WEBHOOK_SECRET", ""),
	}
	if c.Telegram.Rate, err = parseRate(get("TELEGRAM_RATE", "30")); err != nil {
		errs = append(errs, fmt.Errorf("TELEGRAM_RATE: %w", err))
	}
	if strings.Count(c.Telegram.APIEndpoint, "%s") != 2 {
		errs = append(errs, fmt.Errorf("TELEGRAM_API_ENDPOINT=%q: must contain two %%s (token, method), like https://api.telegram.org/bot%%s/%%s", c.Telegram.APIEndpoint))
	}
	switch c.Telegram.Mode {
	case "polling":
	case "webhook":
		if c.Telegram.Enabled() && c.PublicURL == "" {
			errs = append(errs, errors.New("TAMKEEN_PUBLIC_URL: required when TELEGRAM_MODE=webhook (Telegram must reach us)"))
		}
		if c.Telegram.Enabled() && !validWebhookSecret(c.Telegram.WebhookSecret) {
			errs = append(errs, errors.New("TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_MODE=webhook: 1-256 characters of A-Z, a-z, 0-9, _ and -"))
		}
	default:
		errs = append(errs, fmt.Errorf("TELEGRAM_MODE=%q: allowed values are polling, webhook", c.Telegram.Mode))
	}

	c.Twilio = Twilio{
		AccountSID:          get("TWILIO_ACCOUNT_SID", ""),
		AuthToken:           get("TWILIO_AUTH_TOKEN", ""),
		From:                get("TWILIO_FROM", ""),
		MessagingServiceSID: get("TWILIO_MESSAGING_SERVICE_SID", ""),
		APIBaseURL:          strings.TrimRight(get("TWILIO_API_BASE_URL", "https://api.twilio.com"), "/"),
	}
	if c.Twilio.Rate, err = parseRate(get("TWILIO_RATE", "1")); err != nil {
		errs = append(errs, fmt.Errorf("TWILIO_RATE: %w", err))
	}
	if tw := c.Twilio; (tw.AccountSID != "" || tw.AuthToken != "" || tw.From != "" || tw.MessagingServiceSID != "") && !tw.Enabled() {
		errs = append(errs, errors.New("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID): set all of them to switch SMS on, or none"))
	}
	if c.Twilio.Enabled() && c.PublicURL == "" {
		errs = append(errs, errors.New("TAMKEEN_PUBLIC_URL: required when SMS is on (Twilio signs its webhooks for that address)"))
	}
	if u, err := url.Parse(c.Twilio.APIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TWILIO_API_BASE_URL=%q: must be an absolute http:// or https:// URL", c.Twilio.APIBaseURL))
	}
	c.WhatsApp, err = loadWhatsApp(get, lookupEnv)
	errs = append(errs, err)
	return c, errors.Join(errs...)
}

// loadWhatsApp reads the WHATSAPP_* settings: the four credentials all or
// none (the error names each one missing), the API base URL and the rate.
func loadWhatsApp(get func(name, def string) string, lookupEnv LookupEnv) (WhatsApp, error) {
	w := WhatsApp{
		AccessToken:   get("WHATSAPP_ACCESS_TOKEN", ""),
		PhoneNumberID: get("WHATSAPP_PHONE_NUMBER_ID", ""),
		AppSecret:     get("WHATSAPP_APP_SECRET", ""),
		VerifyToken:   get("WHATSAPP_VERIFY_TOKEN", ""),
		// Meta retires a Graph API version about two years after its
		// release: the version is part of the setting.
		APIBaseURL: strings.TrimRight(get("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v26.0"), "/"),
	}
	var errs []error
	var set, missing []string
	for i, v := range w.credentials() {
		if v == "" {
			missing = append(missing, whatsAppSettings[i])
		} else {
			set = append(set, whatsAppSettings[i])
		}
	}
	if len(set) > 0 && len(missing) > 0 {
		errs = append(errs, fmt.Errorf("%s: not set, while %s is: set all of %s to switch WhatsApp on, or none",
			strings.Join(missing, ", "), strings.Join(set, ", "), strings.Join(whatsAppSettings[:], ", ")))
	}
	if id := w.PhoneNumberID; id != "" && strings.Trim(id, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("WHATSAPP_PHONE_NUMBER_ID=%q: the number's id from Meta's WhatsApp Manager, digits only (not the phone number)", id))
	}
	if u, err := url.Parse(w.APIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("WHATSAPP_API_BASE_URL=%q: must be an absolute http:// or https:// URL, such as https://graph.facebook.com/v26.0", w.APIBaseURL))
	}
	var err error
	if w.Rate, err = parseRate(get("WHATSAPP_RATE", "80")); err != nil {
		errs = append(errs, fmt.Errorf("WHATSAPP_RATE: %w", err))
	}
	w.Templates = DefaultTemplates()
	for _, k := range reach.Kinds() {
		name := "WHATSAPP_TEMPLATE_" + strings.ToUpper(string(k))
		v, set := lookupEnv(name)
		if !set {
			continue // the default
		}
		v = strings.TrimSpace(v)
		if v == "" { // set but empty: this kind has no template
			delete(w.Templates, string(k))
			continue
		}
		if !templateName.MatchString(v) {
			errs = append(errs, fmt.Errorf("%s=%q: a template's name as registered in WhatsApp Manager: lower-case letters, digits and _ (at most 512)", name, v))
			continue
		}
		w.Templates[string(k)] = v
	}
	return w, errors.Join(errs...)
}

// templateName is the form Meta allows for a template's name.
var templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

func parseRate(s string) (float64, error) {
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r <= 0 || r > 10000 {
		return 0, fmt.Errorf("%q: want messages per second, a number above 0 such as 30 or 0.5", s)
	}
	return r, nil
}

func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q: want durations before the start, separated by commas, such as 24h,2h", s)
		}
		out = append(out, d)
	}
	return out, nil
}

func validWebhookSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// IsPostgres reports whether the database is PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// SMSPrice is the price of one SMS segment.
type SMSPrice struct {
	Amount   float64
	Currency string // ISO 4217 code such as OMR, or ""
}

// ParseSMSPrice reads "0.012" or "0.012 OMR".
func ParseSMSPrice(v string) (SMSPrice, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return SMSPrice{}, errors.New(`want an amount and an optional currency, such as "0.012 OMR"`)
	}
	amount, err := strconv.ParseFloat(f[0], 64)
	if err != nil || amount < 0 || math.IsInf(amount, 0) || math.IsNaN(amount) {
		return SMSPrice{}, errors.New(`the amount must be a number of at least 0, such as 0.012`)
	}
	p := SMSPrice{Amount: amount}
	if len(f) == 2 {
		p.Currency = strings.ToUpper(f[1])
		for _, r := range p.Currency {
			if r < 'A' || r > 'Z' {
				return SMSPrice{}, errors.New("the currency must be a three-letter code such as OMR")
			}
		}
		if len(p.Currency) != 3 {
			return SMSPrice{}, errors.New("the currency must be a three-letter code such as OMR")
		}
	}
	return p, nil
}

// MinRetention is the shortest TAMKEEN_MESSAGE_RETENTION: a message's id
// is forgotten with its text, and a provider may deliver a message again
// for a day (Telegram keeps updates 24 hours).
const MinRetention = 24 * time.Hour

// ParseRetention reads a retention as days ("180d") or a Go duration
// ("720h"), at least MinRetention.
func ParseRetention(v string) (time.Duration, error) {
	bad := errors.New("want days such as 180d, or hours such as 720h, of at least 1 day")
	var d time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 36500 {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, bad
		}
	}
	if d < MinRetention {
		return 0, bad
	}
	return d, nil
}
