package inbox_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/orders"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/textnorm"
)

var optionLine = regexp.MustCompile(`(?m)^\d+\. (.+)$`)

// regionLabels returns the labels of country's regions in lang.
func regionLabels(t *testing.T, country, lang string) []string {
	t.Helper()
	b, err := locales.Load("", country)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range b.Content.Governorates {
		s, err := b.Text(lang, "gov."+g, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestEachCountryOffersItsOwnRegions: a person registering in each country's
// deployment is offered exactly that country's regions (Oman's 11
// governorates, Jordan's 12, Saudi Arabia's 13 regions, Egypt's 27), none of
// another country's, and help names that country's office.
func TestEachCountryOffersItsOwnRegions(t *testing.T) {
	cases := []struct {
		country, lang string
		regions       int
		some          []string // regions the issue names
		office        string   // in the help text
	}{
		{"OM", "ar", 11, []string{"مسقط", "ظفار", "الوسطى"}, "المديرية الإقليمية لوزارة التنمية الاجتماعية"},
		{"JO", "ar", 12, []string{"العاصمة (عمّان)", "إربد", "الزرقاء"}, "صندوق المعونة الوطنية"},
		{"SA", "en", 13, []string{"Jazan", "Riyadh", "Makkah"}, "social security office"},
		{"EG", "ar", 27, []string{"القاهرة", "الجيزة", "الإسكندرية"}, "وزارة التضامن الاجتماعي"},
		{"EG", "en", 27, []string{"Cairo", "Giza", "Alexandria"}, "Ministry of Social Solidarity"},
	}
	for _, c := range cases {
		t.Run(c.country+"_"+c.lang, func(t *testing.T) {
			storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
				w := newWorldIn(t, s, clock.NewManual(t0), c.country)
				choice := map[string]string{"ar": "1", "en": "2"}[c.lang]
				for _, line := range []string{"hello", choice, "1"} {
					w.say(t, "p", line)
				}
				w.transcript.Reset()
				w.say(t, "p", "Person Name")
				var offered []string
				for _, m := range optionLine.FindAllStringSubmatch(w.transcript.String(), -1) {
					offered = append(offered, m[1])
				}
				want := regionLabels(t, c.country, c.lang)
				if !slices.Equal(offered, want) || len(offered) != c.regions {
					t.Fatalf("offered %d regions %v, want the pack's %d: %v", len(offered), offered, c.regions, want)
				}
				for _, r := range c.some {
					if !slices.Contains(offered, r) {
						t.Errorf("%s is not offered", r)
					}
				}
				for _, other := range locales.Countries() {
					if other == c.country {
						continue
					}
					for _, r := range regionLabels(t, other, c.lang) {
						if slices.Contains(offered, r) {
							t.Errorf("%s's region %q is offered in %s", other, r, c.country)
						}
					}
				}
				w.say(t, "p", c.some[0])
				w.transcript.Reset()
				w.say(t, "p", map[string]string{"ar": "مساعدة", "en": "help"}[c.lang])
				if !strings.Contains(w.transcript.String(), c.office) {
					t.Errorf("help does not name %q:\n%s", c.office, w.transcript.String())
				}
			})
		})
	}
}

// TestOrderNoticesShowThePacksCurrency: an order amount reads in the
// country's currency, by name in Arabic and by code in English; Oman's new
// order notice names Maksab, where the order comes from.
func TestOrderNoticesShowThePacksCurrency(t *testing.T) {
	cases := []struct{ country, ar, en string }{
		{"OM", "12.500 ريال عماني", "OMR 12.500"},
		{"JO", "12.500 دينار أردني", "JOD 12.500"},
		{"SA", "12.500 ريال سعودي", "SAR 12.500"},
		{"EG", "12.500 جنيه مصري", "EGP 12.500"},
	}
	for _, c := range cases {
		t.Run(c.country, func(t *testing.T) {
			b, err := locales.Load("", c.country)
			if err != nil {
				t.Fatal(err)
			}
			r := bot.NewRenderer(b, time.UTC)
			o := store.Order{OrderRef: "A-1", Status: "placed", Items: 2, Total: "12.500", Currency: b.Content.Pack.Currency}
			for lang, want := range map[string]string{"ar": c.ar, "en": c.en} {
				m, err := r.Render(lang, orders.Notice(o), false)
				if err != nil || !strings.Contains(m.Text, want) {
					t.Errorf("%s notice %q (%v), want %q", lang, m.Text, err, want)
				}
				if named := strings.Contains(m.Text, "مكسب") || strings.Contains(m.Text, "Maksab"); named != b.Content.Pack.Marketplace {
					t.Errorf("%s notice %q: names Maksab = %v, want %v (only where Maksab exists)", lang, m.Text, named, b.Content.Pack.Marketplace)
				}
			}
		})
	}
}

// TestTownsChooseTheirRegion: in every pack, each town listed under a region
// (gov.<id>.words) picks that region and no other when typed at
// registration, in Arabic and English.
func TestTownsChooseTheirRegion(t *testing.T) {
	for _, country := range locales.Countries() {
		t.Run(country, func(t *testing.T) {
			b, err := locales.Load("", country)
			if err != nil {
				t.Fatal(err)
			}
			r := bot.NewRenderer(b, time.UTC)
			opts := make([]flows.Option, len(b.Content.Governorates))
			for i, g := range b.Content.Governorates {
				opts[i] = flows.Option{Payload: "g:" + g, Key: "gov." + g}
			}
			checked := 0
			for _, lang := range b.Languages() {
				labels := r.OptionLabels(lang, opts)
				for i, g := range b.Content.Governorates {
					if !b.Has(lang, "gov."+g+".words") {
						continue
					}
					words, _ := b.Text(lang, "gov."+g+".words", nil)
					for _, w := range strings.FieldsFunc(words, func(r rune) bool { return r == ',' || r == '،' }) {
						w = strings.TrimSpace(w)
						checked++
						if got, ok := textnorm.Pick(w, labels); !ok || got != i {
							t.Errorf("%s %q picks %d (%v), want %s", lang, w, got, ok, g)
						}
					}
				}
			}
			if checked == 0 {
				t.Error("no towns listed")
			}
		})
	}
}

// TestDemoOpportunitiesReachEveryRegion: with the demo data of its pack, a
// person registered in any region of any pack finds at least one open
// opportunity (a Minya user in Egypt once met "no open opportunities"), and
// every demo opportunity is marked as one in both languages.
func TestDemoOpportunitiesReachEveryRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	for _, country := range locales.Countries() {
		t.Run(country, func(t *testing.T) {
			b, err := locales.Load("", country)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range b.Demo {
				if !strings.HasPrefix(d.Title["ar"], "تجريبي: ") || !strings.HasPrefix(d.Title["en"], "Demo: ") {
					t.Errorf("demo %s is not marked as demo: %q / %q", d.Key, d.Title["ar"], d.Title["en"])
				}
			}
			none, err := b.Text("ar", "opportunities.none", nil)
			if err != nil {
				t.Fatal(err)
			}
			storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
				w := newWorldIn(t, s, clock.NewManual(t0), country)
				for i, region := range b.Content.Governorates {
					user := "p-" + region
					// Arabic, consent, name, the region by its number
					for _, line := range []string{"hello", "1", "1", "Person Name", strconv.Itoa(i + 1)} {
						w.say(t, user, line)
					}
					w.transcript.Reset()
					w.say(t, user, "3") // trainings, jobs and events
					got := w.transcript.String()
					if strings.Contains(got, none) || !strings.Contains(got, "1. تجريبي: ") {
						t.Errorf("%s: a person in %s finds no open opportunity:\n%s", country, region, got)
					}
				}
			})
		})
	}
}
