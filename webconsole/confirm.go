package webconsole

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// confirmField is the form field that says "yes, do it": a POST that needs
// confirmation and lacks it gets the question instead.
const confirmField = "confirmed"

// confirmation asks before an action that costs money or cannot be undone:
// what will happen, a button that does it, and a way back that does not.
// Without JavaScript it is a page of its own; the page's script shows the
// same box in a dialog over the form.
type confirmation struct {
	Question string   // the question, rendered
	Lines    []string // what will happen, rendered
	Quote    []string // the text concerned (a broadcast's), shown as it is
	Action   string   // where the confirmed form goes: the same URL
	Fields   []formField
	Yes      string // catalog key of the confirming button
	Danger   bool   // the button is red (a cancellation, a disabling)
	Back     string // the page to go back to (GET), or
	// BackPost is a form action that takes the fields back (the composer,
	// so nothing typed is lost).
	BackPost string
}

// formField is one posted field, sent again as a hidden input.
type formField struct{ Name, Value string }

// isConfirmed reports whether the POST carries the confirmation.
func isConfirmed(rq *request) bool { return rq.PostFormValue(confirmField) == "yes" }

// askFirst answers an unconfirmed POST with the confirmation: the box alone
// for the page's script, else a page. Nothing has changed, so the audit log
// records nothing.
func (c *Console) askFirst(w http.ResponseWriter, rq *request, section string, q confirmation) error {
	q.Action = rq.URL.Path
	for _, name := range slices.Sorted(maps.Keys(rq.PostForm)) {
		if name == "csrf" || name == confirmField {
			continue
		}
		for _, v := range rq.PostForm[name] {
			q.Fields = append(q.Fields, formField{name, v})
		}
	}
	rq.asked = true
	if rq.Header.Get("X-Requested-With") == "fetch" {
		w.Header().Set("X-Tamkeen-Confirm", "ask")
		return c.renderPart(w, rq, "confirm", "confirm_box", q)
	}
	c.render(w, rq, http.StatusOK, "confirm", section, q)
	return nil
}

// isolate wraps a name or title typed by someone in Unicode isolates, so a
// Latin name inside an Arabic sentence (or the reverse) keeps its own
// direction and does not reorder the words around it.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// text renders a console catalog key; data pairs name, value.
func (c *Console) text(rq *request, key string, kv ...any) (string, error) {
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i].(string)] = kv[i+1]
	}
	return c.renderer.Text(rq.lang, key, data)
}

// texts renders several keys (each with its data), stopping at the first error.
func (c *Console) texts(rq *request, parts ...[]any) ([]string, error) {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		s, err := c.text(rq, p[0].(string), p[1:]...)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// confirmBroadcast asks before a broadcast is sent: to how many people, from
// when, and what its SMS cost; going back returns to the composer with the
// text as typed.
func (c *Console) confirmBroadcast(w http.ResponseWriter, rq *request, b *store.Broadcast) error {
	p, err := c.buildPreview(rq.Context(), rq.lang, b)
	if err != nil {
		return err
	}
	q := confirmation{Yes: "console.confirm.send.yes", BackPost: "/console/broadcasts/preview"}
	if q.Question, err = c.text(rq, "console.confirm.send.question"); err != nil {
		return err
	}
	when := []any{"console.confirm.send.now"}
	if !b.SendAt.IsZero() && b.SendAt.After(c.clock.Now()) {
		// The date as the bot writes one: «الخميس 10 ديسمبر 2026، الساعة 09:30».
		when = []any{"console.confirm.send.at", "When", vocab.Date(b.SendAt), "Zone", isolate(c.cfg.Location.String())}
	}
	sms, err := c.text(rq, "console.count.sms", "Count", p.Segments)
	if err != nil {
		return err
	}
	cost := []any{"console.confirm.send.no_price", "SMS", sms}
	switch {
	case p.Segments == 0:
		cost = []any{"console.confirm.send.no_sms"}
	case p.SMSMoney != "":
		cost = []any{"console.confirm.send.cost", "SMS", sms, "Cost", p.SMSMoney}
	}
	lines := [][]any{{"console.confirm.send.people", "Count", p.Total}, when, cost}
	switch {
	case p.Templates > 0 && p.TemplateMoney != "":
		lines = append(lines, []any{"console.confirm.send.templates", "Count", p.Templates, "Template", p.Template, "Cost", p.TemplateMoney})
	case p.Templates > 0:
		lines = append(lines, []any{"console.confirm.send.templates_no_price", "Count", p.Templates, "Template", p.Template})
	}
	if q.Lines, err = c.texts(rq, lines...); err != nil {
		return err
	}
	for _, l := range c.bundle.Languages() {
		if t := b.Texts[l]; t != "" {
			q.Quote = append(q.Quote, t)
		}
	}
	return c.askFirst(w, rq, "broadcasts", q)
}

// confirmCancelBroadcast asks before a broadcast is cancelled, saying how
// many messages still waiting will not go.
func (c *Console) confirmCancelBroadcast(w http.ResponseWriter, rq *request, id int64) error {
	rep, err := c.broadcasts.Report(rq.Context(), id)
	if err != nil {
		return err
	}
	back := "/console/broadcasts/" + strconv.FormatInt(id, 10)
	q := confirmation{Yes: "console.confirm.cancel_broadcast.yes", Danger: true, Back: back}
	effect := []any{"console.confirm.cancel_broadcast.waiting", "Count", rep.Counts.Queued}
	if rep.Status == store.BroadcastScheduled {
		effect = []any{"console.confirm.cancel_broadcast.scheduled"}
	}
	lines, err := c.texts(rq, []any{"console.confirm.cancel_broadcast.question", "ID", id}, effect,
		[]any{"console.confirm.cancel_broadcast.sent"})
	if err != nil {
		return err
	}
	q.Question, q.Lines = lines[0], lines[1:]
	if t := rep.Texts[rq.lang]; t != "" {
		q.Quote = []string{t}
	} else if t := rep.Texts["ar"]; t != "" {
		q.Quote = []string{t}
	}
	return c.askFirst(w, rq, "broadcasts", q)
}

// confirmCancelSignup asks before a person's place is cancelled.
func (c *Console) confirmCancelSignup(w http.ResponseWriter, rq *request, opp, sid int64) error {
	o, err := c.store.Opportunity(rq.Context(), opp)
	if err != nil {
		return err
	}
	signups, err := c.store.ListSignups(rq.Context(), store.SignupFilter{OpportunityID: opp, Limit: 100_000})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(signups, func(s store.SignupRow) bool { return s.ID == sid })
	if i < 0 {
		return errNotFound
	}
	s := signups[i]
	name := s.Name
	if name == "" {
		if name, err = c.text(rq, "console.contact.no_name"); err != nil {
			return err
		}
	}
	effect := "console.confirm.cancel_signup.waitlisted"
	if s.Status == store.SignupRegistered {
		effect = "console.confirm.cancel_signup.registered"
	}
	lines, err := c.texts(rq, []any{"console.confirm.cancel_signup.question", "Name", isolate(name), "Title", isolate(pickText(o.Title, rq.lang))},
		[]any{effect})
	if err != nil {
		return err
	}
	q := confirmation{Question: lines[0], Lines: lines[1:], Yes: "console.confirm.cancel_signup.yes", Danger: true,
		Back: opportunityPath(opp) + "#signups"}
	return c.askFirst(w, rq, "opportunities", q)
}

// confirmDisableAccount asks before an account is disabled.
func (c *Console) confirmDisableAccount(w http.ResponseWriter, rq *request, name string) error {
	lines, err := c.texts(rq, []any{"console.confirm.disable.question", "Name", isolate(name)}, []any{"console.confirm.disable.effect"})
	if err != nil {
		return err
	}
	q := confirmation{Question: lines[0], Lines: lines[1:], Yes: "console.confirm.disable.yes", Danger: true, Back: "/console/staff"}
	return c.askFirst(w, rq, "staff", q)
}

// pickText is a text in lang, else Arabic, else English.
func pickText(m map[string]string, lang string) string {
	for _, l := range []string{lang, "ar", "en"} {
		if m[l] != "" {
			return m[l]
		}
	}
	return ""
}
