package sms_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/locales"
)

// sample is data to render budgeted texts with: long enough to be honest.
var sample = map[string]any{
	"Name": "Fatma Al Balushi", "Title": "Food safety and packaging", "N": 9, "Page": 1, "Pages": 4,
	"Date": "Monday 7 December 2026, 10:00", "Min": 2, "Max": 60, "Position": "number 1000", // the longest waiting-list place in words
	"Ref": "…26-00012345", // the longest order reference a notice shows (orders.ShortRefLen)
	// the longest help contact accepted (help.toml, TAMKEEN_HELP_*), in Arabic letters
	"Phone":   "+" + strings.Repeat("9", locales.MaxHelpPhone-1),
	"Address": strings.Repeat("ع", locales.MaxHelpAddress),
	"Hours":   strings.Repeat("س", locales.MaxHelpHours),
	"Closes":  "15:00", // when the office closes (the handoff's confirmation)
}

// TestCatalogSegmentBudgets: every text whose description states an SMS
// budget ("sms:N") fits N segments when rendered, in every language, for
// every plural form, in every country pack; and every language budgets the
// same keys.
func TestCatalogSegmentBudgets(t *testing.T) {
	for _, country := range locales.Countries() {
		t.Run(country, func(t *testing.T) {
			b, err := locales.Load("", country)
			if err != nil {
				t.Fatal(err)
			}
			catalogSegmentBudgets(t, b)
		})
	}
}

func catalogSegmentBudgets(t *testing.T, b *locales.Bundle) {
	budgeted := map[string]map[string]bool{}
	checked := 0
	for _, lang := range b.Languages() {
		budgeted[lang] = map[string]bool{}
		for _, key := range b.Keys(lang) {
			desc := b.Description(lang, key)
			if !strings.HasPrefix(desc, "sms:") {
				continue
			}
			budget, err := strconv.Atoi(strings.TrimPrefix(desc, "sms:"))
			if err != nil || budget < 1 {
				t.Errorf("%s %s: description %q: want sms:N with N ≥ 1", lang, key, desc)
				continue
			}
			budgeted[lang][key] = true
			for _, text := range renderings(t, b, lang, key) {
				checked++
				if got := segment.Count(text); got.Segments > budget {
					t.Errorf("%s %s: %d segments (%d %s units), budget %d:\n%s", lang, key, got.Segments, got.Units, got.Encoding, budget, text)
				}
			}
		}
	}
	for _, lang := range b.Languages() {
		for key := range budgeted[lang] {
			for _, other := range b.Languages() {
				if !budgeted[other][key] {
					t.Errorf("%s has an SMS budget in %s but not in %s", key, lang, other)
				}
			}
		}
	}
	if checked < 18 {
		t.Errorf("only %d budgeted texts checked; the catalog lost its sms:N descriptions?", checked)
	}
}

// renderings renders key with the sample data, and with each plural count
// when the text is chosen by one.
func renderings(t *testing.T, b *locales.Bundle, lang, key string) []string {
	t.Helper()
	s, err := b.Text(lang, key, sample)
	if err == nil && !strings.Contains(s, "<no value>") {
		return []string{s}
	}
	var out []string
	for _, n := range []int{0, 1, 2, 3, 11, 100} {
		data := map[string]any{"Count": n}
		for k, v := range sample {
			data[k] = v
		}
		if s, err := b.Text(lang, key, data); err == nil {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Errorf("%s %s: cannot be rendered with sample data: %v", lang, key, err)
	}
	return out
}
