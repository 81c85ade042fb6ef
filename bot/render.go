package bot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/vocab"
)

// Renderer turns channel-neutral replies into text and option labels in a language.
type Renderer struct {
	bundle   *locales.Bundle
	location *time.Location
}

// NewRenderer returns a renderer; dates are shown in loc.
func NewRenderer(b *locales.Bundle, loc *time.Location) *Renderer {
	return &Renderer{bundle: b, location: loc}
}

// Bundle returns the catalogs the renderer reads.
func (r *Renderer) Bundle() *locales.Bundle { return r.bundle }

// Message is a rendered reply.
type Message struct {
	Text    string
	Options []Option
}

// Option is a rendered choice.
type Option struct {
	Payload string
	Label   string
}

// Render resolves a reply in lang. short picks the reply's shorter text for
// costly channels when it has one.
func (r *Renderer) Render(lang string, reply vocab.Reply, short bool) (Message, error) {
	if !r.bundle.Supported(lang) {
		lang = locales.Default
	}
	key := reply.Key
	if short && reply.ShortKey != "" && r.bundle.Has(lang, reply.ShortKey) {
		key = reply.ShortKey
	}
	text, err := r.text(lang, key, reply.Data)
	if err != nil {
		return Message{}, err
	}
	m := Message{Text: text, Options: make([]Option, 0, len(reply.Options))}
	for _, o := range reply.Options {
		label, err := r.text(lang, o.Key, o.Data)
		if err != nil {
			return Message{}, err
		}
		m.Options = append(m.Options, Option{Payload: o.Payload, Label: label})
	}
	return m, nil
}

// OptionLabels renders the words that name each option, so the flows can
// match what a person typed: its label in lang first, the words of its
// shorter SMS version ("<key>.sms", so what an SMS user read is understood on
// every channel) and of its hidden synonyms ("<key>.words", such as a
// governorate's towns), then the same in the other languages (a person
// writing in Arabic may type "Sohar"). "" for an option that cannot be rendered.
func (r *Renderer) OptionLabels(lang string, opts []vocab.Option) []string {
	if !r.bundle.Supported(lang) {
		lang = locales.Default
	}
	langs := []string{lang}
	for _, l := range r.bundle.Languages() {
		if l != lang {
			langs = append(langs, l)
		}
	}
	out := make([]string, len(opts))
	for i, o := range opts {
		var words []string
		for _, l := range langs {
			for _, key := range []string{o.Key, o.Key + ".sms", o.Key + ".words"} {
				if !r.bundle.Has(l, key) {
					continue
				}
				if w, err := r.text(l, key, o.Data); err == nil && w != "" && !slices.Contains(words, w) {
					words = append(words, w)
				}
			}
		}
		out[i] = strings.Join(words, " / ")
	}
	return out
}

// Text renders one catalog key with data in lang.
func (r *Renderer) Text(lang, key string, data map[string]any) (string, error) {
	if !r.bundle.Supported(lang) {
		lang = locales.Default
	}
	return r.text(lang, key, data)
}

func (r *Renderer) text(lang, key string, data map[string]any) (string, error) {
	resolved := make(map[string]any, len(data))
	for k, v := range data {
		rv, err := r.value(lang, v)
		if err != nil {
			return "", fmt.Errorf("render %s.%s: %w", key, k, err)
		}
		resolved[k] = rv
	}
	return r.bundle.Text(lang, key, resolved)
}

// value resolves the markers written by vocab.T, TD, L, List, Money and Date; other
// values pass through. Strings from people (names, staff titles) are left as
// they are.
func (r *Renderer) value(lang string, v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	if key, ok := m[vocab.MarkText].(string); ok {
		sub, _ := m[vocab.MarkTextData].(map[string]any)
		return r.text(lang, key, sub)
	}
	if byLang, ok := m[vocab.MarkByLang].(map[string]any); ok {
		for _, l := range []string{lang, locales.Default, "en"} {
			if s, ok := byLang[l].(string); ok && s != "" {
				return s, nil
			}
		}
		return "", nil
	}
	if list, ok := m[vocab.MarkList].([]any); ok {
		parts := make([]string, 0, len(list))
		for _, k := range list {
			key, _ := k.(string)
			s, err := r.text(lang, key, nil)
			if err != nil {
				return nil, err
			}
			parts = append(parts, s)
		}
		sep, err := r.text(lang, "format.list_separator", nil)
		if err != nil {
			return nil, err
		}
		return strings.Join(parts, sep), nil
	}
	if amount, ok := m[vocab.MarkMoney].(string); ok {
		cur, _ := m[vocab.MarkCurrency].(string)
		if cur == "" {
			return amount, nil
		}
		name := cur // a currency without a name in the catalog shows its code
		if r.bundle.Has(lang, "currency."+cur) {
			s, err := r.text(lang, "currency."+cur, nil)
			if err != nil {
				return nil, err
			}
			name = s
		}
		return r.text(lang, "format.money", map[string]any{"Amount": amount, "Currency": name})
	}
	if s, ok := m[vocab.MarkDate].(string); ok {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("bad date %q: %w", s, err)
		}
		return r.date(lang, t)
	}
	return v, nil
}

func (r *Renderer) date(lang string, t time.Time) (string, error) {
	lt := t.In(r.location)
	month, err := r.text(lang, "format.month."+strconv.Itoa(int(lt.Month())), nil)
	if err != nil {
		return "", err
	}
	weekday, err := r.text(lang, "format.weekday."+strconv.Itoa(int(lt.Weekday())), nil)
	if err != nil {
		return "", err
	}
	return r.text(lang, "format.date", map[string]any{
		"Weekday": weekday, "Day": lt.Day(), "Month": month, "Year": lt.Year(), "Time": lt.Format("15:04"),
	})
}

// Lines renders a message as plain text with numbered options, one per line:
// what the console and SMS show.
func Lines(m Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for i, o := range m.Options {
		if i == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Label)
	}
	return b.String()
}
