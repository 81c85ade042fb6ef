package webconsole

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// smsPage is one SMS page of a broadcast text and what it costs.
type smsPage struct {
	Text     string
	Segments int  // SMS messages it is sent as
	Units    int  // characters, as the phone network counts them
	Unicode  bool // it has Arabic letters or emoji: fewer characters fit in one SMS
}

// PerSMS is how many characters like this page's fit in one SMS.
func (p smsPage) PerSMS() int {
	if p.Unicode {
		return segment.UCS2Single
	}
	return segment.GSM7Single
}

// PerPart is how many fit in each SMS of a text that needs several.
func (p smsPage) PerPart() int {
	if p.Unicode {
		return segment.UCS2Multi
	}
	return segment.GSM7Multi
}

// languagePreview is a broadcast text as each channel shows it.
type languagePreview struct {
	Lang       string
	Text       string    // the Telegram bubble
	Pages      []smsPage // the SMS pages; only the first is sent at once
	FirstPage  int       // segments of the first page
	Telegram   int       // people who get it on Telegram
	SMS        int       // people who get it by SMS (those WhatsApp would reach only as a dearer template, or not at all, included)
	SMSSegment int       // SMS segments it costs: SMS × FirstPage
	WhatsApp   int       // people who get it on WhatsApp as a free message (inside their window)
	Templates  int       // people who get it as the WhatsApp broadcast template
	Waiting    int       // people on WhatsApp it waits for (window closed, no template, no SMS)
}

// wayRow is one line of the composer's "how it goes": a way, how many it
// reaches that way and what that costs.
type wayRow struct {
	Way    string // a reach.Way, or "waiting"
	People int
	Money  string // the cost as the bot writes money; "" when free or no price is set
	Free   bool
}

// preview is what the composer shows beside the form.
type preview struct {
	Languages     []languagePreview
	Audience      store.AudienceEstimate
	Total         int
	Segments      int      // SMS segments in all
	Cost          string   // the amount, "" when no price is set
	Money         string   // the cost as the bot writes money («0.720 ريال عماني»)
	Ways          []wayRow // how many each way reaches and what it costs
	Template      string   // the WhatsApp broadcast template ("" none)
	TemplatePrice bool     // TAMKEEN_WHATSAPP_TEMPLATE_PRICE is set
	Templates     int      // people it goes to as the template
	TemplateMoney string   // what the templates cost ("" when free or no price is set)
	SMSMoney      string   // what the SMS cost ("" when no price is set)
	Configured    []string // the channels this server can send on
	Unconfigured  []string // chosen channels that are not configured
	NoneAvailable bool     // no chosen channel is configured: nothing would be sent
	Opportunity   *store.OpportunityView
}

// buildPreview computes the preview of the broadcast b.
func (c *Console) buildPreview(ctx context.Context, lang string, b *store.Broadcast) (*preview, error) {
	p := &preview{Configured: c.configuredChannels()}
	for _, ch := range b.Channels {
		if !slices.Contains(c.cfg.Channels, ch) {
			p.Unconfigured = append(p.Unconfigured, ch)
		}
	}
	p.NoneAvailable = len(b.Channels) > 0 && len(p.Unconfigured) == len(b.Channels)
	if b.Audience.OpportunityID > 0 {
		o, err := c.store.Opportunity(ctx, b.Audience.OpportunityID)
		if err == nil {
			p.Opportunity = o
		}
	}
	est, err := c.audience.estimate(ctx, c, b)
	if err != nil {
		return nil, err
	}
	p.Audience, p.Total = est, est.Total()
	for _, l := range c.bundle.Languages() {
		text := b.Texts[l]
		if text == "" {
			continue
		}
		lp := languagePreview{Lang: l, Text: text, Telegram: est.Reach[vocab.Telegram][l], SMS: est.Reach[vocab.SMS][l],
			WhatsApp: est.WhatsApp[store.WindowOpen][l]}
		more, err := c.renderer.Text(l, "sms.more", map[string]any{"N": sms.MoreDigit})
		if err != nil {
			return nil, err
		}
		for _, page := range sms.Layout(bot.Message{Text: text}, more) {
			info := segment.Count(page)
			lp.Pages = append(lp.Pages, smsPage{Text: page, Segments: info.Segments, Units: info.Units, Unicode: info.Encoding == segment.UCS2})
		}
		if len(lp.Pages) > 0 {
			lp.FirstPage = lp.Pages[0].Segments
		}
		c.splitClosed(&lp, est, b)
		lp.SMSSegment = lp.SMS * lp.FirstPage
		p.Segments += lp.SMSSegment
		p.Languages = append(p.Languages, lp)
	}
	p.Template, p.TemplatePrice = c.cfg.BroadcastTemplate, c.cfg.TemplatePrice > 0
	templates := 0
	rows := map[string]*wayRow{}
	for _, w := range []string{string(reach.Telegram), string(reach.WhatsApp), string(reach.WhatsAppTemplate), string(reach.SMS), "waiting"} {
		rows[w] = &wayRow{Way: w, Free: w == string(reach.Telegram) || w == string(reach.WhatsApp)}
	}
	for _, lp := range p.Languages {
		rows[string(reach.Telegram)].People += lp.Telegram
		rows[string(reach.WhatsApp)].People += lp.WhatsApp
		rows[string(reach.WhatsAppTemplate)].People += lp.Templates
		rows[string(reach.SMS)].People += lp.SMS
		rows["waiting"].People += lp.Waiting
		templates += lp.Templates
		p.Total -= lp.Waiting // it reaches them only when they write
	}
	var total float64
	priced := true
	if n := rows[string(reach.SMS)].People; n > 0 {
		if c.cfg.SMSPrice > 0 {
			cost := float64(p.Segments) * c.cfg.SMSPrice
			total += cost
			if rows[string(reach.SMS)].Money, err = c.money(lang, cost); err != nil {
				return nil, err
			}
		} else {
			priced = false
		}
	}
	if templates > 0 {
		if c.cfg.TemplatePrice > 0 {
			cost := float64(templates) * c.cfg.TemplatePrice
			total += cost
			if rows[string(reach.WhatsAppTemplate)].Money, err = c.money(lang, cost); err != nil {
				return nil, err
			}
		} else {
			priced = false
		}
	}
	p.Templates, p.TemplateMoney, p.SMSMoney = templates, rows[string(reach.WhatsAppTemplate)].Money, rows[string(reach.SMS)].Money
	for _, w := range []string{string(reach.Telegram), string(reach.WhatsApp), string(reach.WhatsAppTemplate), string(reach.SMS), "waiting"} {
		if rows[w].People > 0 {
			p.Ways = append(p.Ways, *rows[w])
		}
	}
	if priced && (c.cfg.SMSPrice > 0 || c.cfg.TemplatePrice > 0) {
		p.Cost = strconv.FormatFloat(total, 'f', 3, 64)
		if p.Money, err = c.money(lang, total); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// money writes an amount as the bot writes money: «0.720 ريال عماني», "OMR 0.720".
func (c *Console) money(lang string, amount float64) (string, error) {
	return c.renderer.Text(lang, "console.money", map[string]any{"Amount": vocab.Money(strconv.FormatFloat(amount, 'f', 3, 64), c.cfg.SMSCurrency)})
}

// splitClosed says how the people on WhatsApp whose window is closed get
// a broadcast in lp's language, as the dispatcher will decide it
// (reach.Choose): as the broadcast template, by SMS (cheaper, or no
// template), or they wait for their window.
func (c *Console) splitClosed(lp *languagePreview, est store.AudienceEstimate, b *store.Broadcast) {
	o := reach.Options{Channels: []string{vocab.WhatsApp}, Template: func(reach.Kind) bool { return c.cfg.BroadcastTemplate != "" },
		Prices: reach.Prices{Template: c.cfg.TemplatePrice, SMSSegment: c.cfg.SMSPrice}, Segments: lp.FirstPage}
	if slices.Contains(b.Channels, vocab.SMS) && slices.Contains(c.cfg.Channels, vocab.SMS) {
		o.Channels = append(o.Channels, vocab.SMS)
	}
	for class, smsOK := range map[string]bool{store.WindowClosedSMS: true, store.WindowClosed: false} {
		n := est.WhatsApp[class][lp.Lang]
		if n == 0 {
			continue
		}
		choice, ok := reach.Choose(reach.Person{WhatsApp: true, SMS: smsOK}, reach.Broadcast, c.clock.Now(), o)
		switch {
		case ok && choice.Way == reach.WhatsAppTemplate:
			lp.Templates += n
		case ok && choice.Way == reach.SMS:
			lp.SMS += n
		default:
			lp.Waiting += n
		}
	}
}

// configuredChannels are the broadcast channels this server can send on:
// what a new broadcast starts with ticked.
func (c *Console) configuredChannels() []string {
	var out []string
	for _, ch := range broadcastChannels() {
		if slices.Contains(c.cfg.Channels, ch) {
			out = append(out, ch)
		}
	}
	return out
}

// previewBroadcast shows the composer's preview: the fragment alone for the
// page's script (as you type), else the whole form with it.
func (c *Console) previewBroadcast(w http.ResponseWriter, rq *request) error {
	f := readBroadcastForm(rq)
	b := c.validBroadcast(&f)
	p, err := c.buildPreview(rq.Context(), rq.lang, b)
	if err != nil {
		return err
	}
	data := map[string]any{"Form": f, "Preview": p}
	if rq.Header.Get("X-Requested-With") == "fetch" {
		return c.renderPart(w, rq, "broadcast_form", "preview", data)
	}
	opps, err := c.store.Opportunities(rq.Context())
	if err != nil {
		return err
	}
	data["Choices"], data["Opportunities"] = c.choices(), opps
	if data["Lists"], err = c.audienceLists(rq.Context()); err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "broadcast_form", "broadcasts", data)
	return nil
}

// audienceTTL is how long an audience count is reused while someone types:
// the text changes with every key, the audience rarely.
const audienceTTL = 10 * time.Second

// audienceCache keeps recent audience estimates by audience, channels and
// the languages that have a text (what decides who gets what).
type audienceCache struct {
	mu      sync.Mutex
	entries map[string]audienceEntry
}

type audienceEntry struct {
	at  time.Time
	est store.AudienceEstimate
}

func (a *audienceCache) estimate(ctx context.Context, c *Console, b *store.Broadcast) (store.AudienceEstimate, error) {
	langs := slices.Sorted(maps.Keys(b.Texts))
	k, _ := json.Marshal([]any{b.Audience, b.Channels, langs})
	key, now := string(k), c.clock.Now()
	a.mu.Lock()
	e, ok := a.entries[key]
	a.mu.Unlock()
	if ok && now.Sub(e.at) < audienceTTL {
		return e.est, nil
	}
	est, err := c.store.EstimateAudience(ctx, b)
	if err != nil {
		return est, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.entries == nil || len(a.entries) >= 200 {
		a.entries = map[string]audienceEntry{}
	}
	a.entries[key] = audienceEntry{at: now, est: est}
	return est, nil
}
