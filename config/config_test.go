package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/reach"
)

func env(m map[string]string) LookupEnv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "tamkeen.db" || c.HTTPAddr != ":8080" || c.DefaultRegion != "OM" || c.Location.String() != "Asia/Muscat" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.QuietHours.String() != "21:00-08:00" {
		t.Fatalf("quiet hours = %s", c.QuietHours)
	}
	if c.IsPostgres() {
		t.Fatal("default database must be SQLite")
	}
}

func TestLoadEmptyQuietHoursMeansNone(t *testing.T) {
	c, err := Load(env(map[string]string{"TAMKEEN_QUIET_HOURS": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if c.QuietHours.Set {
		t.Fatalf("empty TAMKEEN_QUIET_HOURS must mean none, got %s", c.QuietHours)
	}
}

func TestLoadNamesEveryBadVariable(t *testing.T) {
	_, err := Load(env(map[string]string{
		"TAMKEEN_TIMEZONE":        "Mars/Olympus",
		"TAMKEEN_DEFAULT_REGION":  "XX",
		"TAMKEEN_QUIET_HOURS":     "late",
		"TAMKEEN_PUBLIC_URL":      "ftp://x",
		"TAMKEEN_LOG_LEVEL":       "loud",
		"TAMKEEN_DEMO_DATA":       "maybe",
		"TAMKEEN_REMINDERS":       "yesterday",
		"TELEGRAM_MODE":           "carrier-pigeon",
		"TELEGRAM_RATE":           "-3",
		"TWILIO_ACCOUNT_SID":      "AC123",
		"TAMKEEN_OUTBOX_LEASE":    "10ms",
		"TAMKEEN_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local",
	}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"TAMKEEN_TIMEZONE", "TAMKEEN_DEFAULT_REGION", "TAMKEEN_QUIET_HOURS", "TAMKEEN_PUBLIC_URL", "TAMKEEN_LOG_LEVEL", "TAMKEEN_DEMO_DATA",
		"TAMKEEN_REMINDERS", "TELEGRAM_MODE", "TELEGRAM_RATE", "TWILIO_AUTH_TOKEN", "TAMKEEN_OUTBOX_LEASE", "TAMKEEN_TRUSTED_PROXIES"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestQuietHoursNextAllowed(t *testing.T) {
	muscat, _ := time.LoadLocation("Asia/Muscat")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, muscat) }
	night, _ := ParseQuietHours("21:00-08:00")
	noon, _ := ParseQuietHours("13:00-15:00")
	cases := []struct {
		name string
		q    QuietHours
		in   time.Time
		want time.Time
	}{
		{"day is allowed", night, at(23, 12, 0), at(23, 12, 0)},
		{"evening waits for morning", night, at(23, 22, 30), at(24, 8, 0)},
		{"window start is quiet", night, at(23, 21, 0), at(24, 8, 0)},
		{"early morning waits", night, at(24, 2, 0), at(24, 8, 0)},
		{"window end is allowed", night, at(24, 8, 0), at(24, 8, 0)},
		{"same-day window", noon, at(23, 14, 0), at(23, 15, 0)},
		{"none", QuietHours{}, at(23, 2, 0), at(23, 2, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.q.NextAllowed(c.in.UTC(), muscat); !got.Equal(c.want) {
				t.Errorf("NextAllowed(%s) = %s, want %s", c.in, got.In(muscat), c.want)
			}
		})
	}
}

func TestLoadTelegramWebhookNeedsPublicURLAndSecret(t *testing.T) {
	_, err := Load(env(map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"}))
	if err == nil || !strings.Contains(err.Error(), "TAMKEEN_PUBLIC_URL") || !strings.Contains(err.Error(), "TELEGRAM_WEBHOOK_SECRET") {
		t.Fatalf("want errors naming TAMKEEN_PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET, got %v", err)
	}
	c, err := Load(env(map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook",
		"TELEGRAM_WEBHOOK_SECRET": "s3cret_-", "TAMKEEN_PUBLIC_URL": "https://bot.example.org/"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Telegram.Enabled() || c.PublicURL != "https://bot.example.org" || c.Twilio.Enabled() {
		t.Fatalf("unexpected: %+v", c)
	}
	if len(c.Reminders) != 2 || c.Reminders[0] != 24*time.Hour || c.Reminders[1] != 2*time.Hour {
		t.Fatalf("reminders = %v", c.Reminders)
	}
}

func TestLoadSMSNeedsPublicURL(t *testing.T) {
	twilio := map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "tok", "TWILIO_FROM": "+96890000000"}
	if _, err := Load(env(twilio)); err == nil || !strings.Contains(err.Error(), "TAMKEEN_PUBLIC_URL") {
		t.Fatalf("want an error naming TAMKEEN_PUBLIC_URL, got %v", err)
	}
	twilio["TAMKEEN_PUBLIC_URL"] = "https://sms.example.org"
	c, err := Load(env(twilio))
	if err != nil || !c.Twilio.Enabled() {
		t.Fatalf("Load = %+v, %v", c.Twilio, err)
	}
}

// TAMKEEN_COUNTRY picks the pack, and with it the phone region and the time
// zone; explicit TAMKEEN_DEFAULT_REGION and TAMKEEN_TIMEZONE still win.
func TestCountryPicksThePacksRegionAndTimeZone(t *testing.T) {
	cases := []struct {
		env                   map[string]string
		country, region, zone string
	}{
		{nil, "OM", "OM", "Asia/Muscat"},
		{map[string]string{"TAMKEEN_COUNTRY": "jo"}, "JO", "JO", "Asia/Amman"},
		{map[string]string{"TAMKEEN_COUNTRY": "SA"}, "SA", "SA", "Asia/Riyadh"},
		{map[string]string{"TAMKEEN_COUNTRY": "EG"}, "EG", "EG", "Africa/Cairo"},
		{map[string]string{"TAMKEEN_COUNTRY": "EG", "TAMKEEN_DEFAULT_REGION": "SA", "TAMKEEN_TIMEZONE": "Asia/Riyadh"}, "EG", "SA", "Asia/Riyadh"},
	}
	for _, c := range cases {
		got, err := Load(env(c.env))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if got.Country != c.country || got.DefaultRegion != c.region || got.Location.String() != c.zone {
			t.Errorf("%v: country %s, region %s, zone %s; want %s, %s, %s", c.env, got.Country, got.DefaultRegion, got.Location, c.country, c.region, c.zone)
		}
	}
	_, err := Load(env(map[string]string{"TAMKEEN_COUNTRY": "Oman"}))
	if err == nil || !strings.Contains(err.Error(), `TAMKEEN_COUNTRY="Oman": allowed values are EG, JO, OM, SA`) {
		t.Fatalf("bad country: %v", err)
	}
}

// WhatsApp is on with all four credentials and off with none; any other
// mix of the four (each of the 14) is refused, naming every one missing
// and no other.
func TestLoadWhatsAppAllOrNone(t *testing.T) {
	values := map[string]string{
		"WHATSAPP_ACCESS_TOKEN": "EAAG-token", "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
		"WHATSAPP_APP_SECRET": "app-secret", "WHATSAPP_VERIFY_TOKEN": "verify-me",
	}
	for mask := 0; mask < 1<<len(whatsAppSettings); mask++ {
		e := map[string]string{}
		var missing []string
		for i, name := range whatsAppSettings {
			if mask&(1<<i) != 0 {
				e[name] = values[name]
			} else {
				missing = append(missing, name)
			}
		}
		c, err := Load(env(e))
		switch len(missing) {
		case 0:
			if err != nil || !c.WhatsApp.Enabled() {
				t.Errorf("all four set: enabled %v, err %v", c.WhatsApp.Enabled(), err)
			}
			if c.WhatsApp.APIBaseURL != "https://graph.facebook.com/v26.0" || c.WhatsApp.Rate != 80 {
				t.Errorf("defaults: %q at %v/s", c.WhatsApp.APIBaseURL, c.WhatsApp.Rate)
			}
		case len(whatsAppSettings):
			if err != nil || c.WhatsApp.Enabled() {
				t.Errorf("none set: enabled %v, err %v", c.WhatsApp.Enabled(), err)
			}
		default:
			if err == nil {
				t.Errorf("%v set: want an error", e)
				continue
			}
			first, _, _ := strings.Cut(err.Error(), ":")
			for _, name := range whatsAppSettings {
				if named := strings.Contains(first, name); named != slices.Contains(missing, name) {
					t.Errorf("%v set: error names %s: %v, want %v (%v)", slices.Collect(maps.Keys(e)), name, named, !named, err)
				}
			}
		}
	}
}

func TestLoadWhatsAppSettings(t *testing.T) {
	on := map[string]string{
		"WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1065", "WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v",
		"WHATSAPP_API_BASE_URL": "http://127.0.0.1:9000/v26.0/", "WHATSAPP_RATE": "20",
	}
	c, err := Load(env(on))
	if err != nil || c.WhatsApp.APIBaseURL != "http://127.0.0.1:9000/v26.0" || c.WhatsApp.Rate != 20 {
		t.Fatalf("Load = %+v, %v", c.WhatsApp, err)
	}
	for name, bad := range map[string]string{"WHATSAPP_PHONE_NUMBER_ID": "+968 9123 4567", "WHATSAPP_API_BASE_URL": "graph.facebook.com", "WHATSAPP_RATE": "0"} {
		e := maps.Clone(on)
		e[name] = bad
		if _, err := Load(env(e)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: want an error naming it, got %v", name, bad, err)
		}
	}
}

// Every kind but a reply has a template by default, named as the README
// lists; WHATSAPP_TEMPLATE_<KIND> renames one, set empty removes it, and a
// name Meta would not take stops the start naming the variable.
func TestWhatsAppTemplates(t *testing.T) {
	c, err := Load(env(map[string]string{"WHATSAPP_TEMPLATE_BROADCAST": "oman_news_2", "WHATSAPP_TEMPLATE_NUDGE": "",
		"TAMKEEN_WHATSAPP_TEMPLATE_PRICE": "0.02 OMR"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[reach.Kind]string{reach.Staff: "tamkeen_staff_reply", reach.Broadcast: "oman_news_2", reach.Reminder: "tamkeen_reminder",
		reach.Waitlist: "tamkeen_waitlist", reach.Order: "tamkeen_order", reach.Digest: "tamkeen_digest", reach.Notice: "tamkeen_notice"}
	for _, k := range reach.Kinds() {
		name, ok := c.WhatsApp.Template(k)
		if name != want[k] || ok != (want[k] != "") {
			t.Errorf("template of %s = %q, %v; want %q", k, name, ok, want[k])
		}
	}
	if c.TemplatePrice.Amount != 0.02 || c.TemplatePrice.Currency != "OMR" {
		t.Errorf("template price %+v", c.TemplatePrice)
	}
	for name, bad := range map[string]string{"WHATSAPP_TEMPLATE_REMINDER": "Tamkeen Reminder", "TAMKEEN_WHATSAPP_TEMPLATE_PRICE": "cheap"} {
		if _, err := Load(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: want an error naming it, got %v", name, bad, err)
		}
	}
}

// TestHelpContactSettings: TAMKEEN_HELP_PHONE, _ADDRESS and _HOURS set how
// to reach the office (the same text in every language); unset, there is
// none; a bad value stops the start naming its variable.
func TestHelpContactSettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || !c.Help.Empty() {
		t.Fatalf("unset: %+v, %v; want no contact", c.Help, err)
	}
	c, err = Load(env(map[string]string{
		"TAMKEEN_HELP_PHONE":   " +968 2469 0000 ",
		"TAMKEEN_HELP_ADDRESS": "المديرية العامة للتنمية الاجتماعية، صلالة",
		"TAMKEEN_HELP_HOURS":   "8:00-14:00",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Help.Phone != "+968 2469 0000" || c.Help.Address["ar"] != "المديرية العامة للتنمية الاجتماعية، صلالة" || c.Help.Address["en"] != c.Help.Address["ar"] || c.Help.Hours["en"] != "8:00-14:00" {
		t.Fatalf("help contact = %+v", c.Help)
	}
	for _, bad := range []struct{ name, value string }{
		{"TAMKEEN_HELP_PHONE", "call the office"},
		{"TAMKEEN_HELP_PHONE", "12"},
		{"TAMKEEN_HELP_PHONE", "+968 2469 0000 0000 00"},
		{"TAMKEEN_HELP_ADDRESS", strings.Repeat("ع", 51)},
		{"TAMKEEN_HELP_HOURS", "8:00\u202e-14:00"},
	} {
		_, err := Load(env(map[string]string{bad.name: bad.value}))
		if err == nil || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("%s=%q: %v, want an error naming it", bad.name, bad.value, err)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"TAMKEEN_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.5 ,fd00::/8,::ffff:172.16.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 192.168.1.5/32 fd00::/8 172.16.0.1/32"; strings.Join(got, " ") != want {
		t.Fatalf("trusted proxies %v, want %s", got, want)
	}
	for _, bad := range []string{"proxy.local", "10.0.0.0/33", "10.0.0.1/8/8", "fe80::1%eth0", "10.0.0.256"} {
		_, err := Load(env(map[string]string{"TAMKEEN_TRUSTED_PROXIES": bad}))
		if err == nil || !strings.Contains(err.Error(), "TAMKEEN_TRUSTED_PROXIES") {
			t.Errorf("TAMKEEN_TRUSTED_PROXIES=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// TAMKEEN_MESSAGE_RETENTION: days or a Go duration, at least a day; the
// default is 180 days; anything else stops the start naming the variable.
func TestMessageRetention(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration // 0: refused
	}{
		{"", 180 * 24 * time.Hour},
		{"180d", 180 * 24 * time.Hour},
		{"1d", 24 * time.Hour},
		{"30d", 30 * 24 * time.Hour},
		{"720h", 720 * time.Hour},
		{"24h", 24 * time.Hour},
		{"23h59m", 0},
		{"0d", 0},
		{"-3d", 0},
		{"12", 0},
		{"d", 0},
		{"1.5d", 0},
		{"a week", 0},
		{"36501d", 0},
	} {
		env := map[string]string{"TAMKEEN_MESSAGE_RETENTION": tc.value}
		c, err := Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), "TAMKEEN_MESSAGE_RETENTION")):
			t.Errorf("%q: accepted as %v (err %v), want it refused naming the variable", tc.value, c.MessageRetention, err)
		case tc.want != 0 && (err != nil || c.MessageRetention != tc.want):
			t.Errorf("%q: %v, %v; want %v", tc.value, c.MessageRetention, err, tc.want)
		}
	}
}

// TAMKEEN_OFFICE_HOURS replaces the pack's hours; set empty it promises
// none; a wrong value stops the start naming the variable.
func TestOfficeHours(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "!" for refused
	}{
		{nil, "Sun,Mon,Tue,Wed,Thu 08:00-15:00"},
		{map[string]string{"TAMKEEN_COUNTRY": "EG"}, "Sun,Mon,Tue,Wed,Thu 08:00-15:00"},
		{map[string]string{"TAMKEEN_OFFICE_HOURS": "Sat-Wed 07:30-14:30"}, "Sun,Mon,Tue,Wed,Sat 07:30-14:30"},
		{map[string]string{"TAMKEEN_OFFICE_HOURS": ""}, ""},
		{map[string]string{"TAMKEEN_OFFICE_HOURS": "weekdays"}, "!"},
		{map[string]string{"TAMKEEN_OFFICE_HOURS": "Sun-Thu 15:00-08:00"}, "!"},
	} {
		c, err := Load(env(tc.env))
		switch {
		case tc.want == "!" && (err == nil || !strings.Contains(err.Error(), "TAMKEEN_OFFICE_HOURS")):
			t.Errorf("%v: %v, %v; want refused naming the variable", tc.env, c.OfficeHours, err)
		case tc.want != "!" && (err != nil || c.OfficeHours.String() != tc.want):
			t.Errorf("%v: %q, %v; want %q", tc.env, c.OfficeHours.String(), err, tc.want)
		}
	}
}
