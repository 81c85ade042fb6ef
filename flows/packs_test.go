package flows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/locales"
)

func payloads(r Reply) []string {
	out := make([]string, len(r.Options))
	for i, o := range r.Options {
		out[i] = o.Payload
	}
	return out
}

// TestProducerCornerFollowsThePack: the corner offers the pack's producer
// lessons, "my orders" only where a marketplace sends orders (Oman), and is
// not in the menu of a pack with neither (Saudi Arabia); a stale "my orders"
// tap in a pack without a marketplace goes nowhere.
func TestProducerCornerFollowsThePack(t *testing.T) {
	cases := []struct {
		country string
		corner  []string // "" when the menu has no corner
	}{
		{"OM", []string{"m:marketplace", "m:financing", "orders", "menu"}},
		{"JO", []string{"m:self_employment", "menu"}},
		{"SA", nil},
		{"EG", []string{"m:forsa", "m:women", "menu"}},
	}
	for _, c := range cases {
		t.Run(c.country, func(t *testing.T) {
			b, err := locales.Load("", c.country)
			if err != nil {
				t.Fatal(err)
			}
			e := New(b.Content)
			menu := e.Handle(now, Snapshot{Channel: "telegram", Profile: registered, State: State{Step: stepHelp}}, Input{Text: "0"})
			if len(menu.Replies) == 0 {
				t.Fatal("no menu")
			}
			inMenu := slices.Contains(payloads(menu.Replies[len(menu.Replies)-1]), "pc")
			if inMenu != (c.corner != nil) {
				t.Fatalf("producer corner in the menu = %v, want %v", inMenu, c.corner != nil)
			}
			if c.corner == nil {
				return
			}
			corner := e.Handle(now, Snapshot{Channel: "telegram", Profile: registered, State: State{Step: stepMenu}}, Input{Payload: "pc"})
			got := payloads(corner.Replies[len(corner.Replies)-1])
			if !slices.Equal(got, c.corner) {
				t.Errorf("corner offers %v, want %v", got, c.corner)
			}
			stale := e.Handle(now, Snapshot{Channel: "telegram", Profile: registered, State: State{Step: stepProducer}}, Input{Payload: "orders"})
			if went := stale.State.Step == stepMyOrders; went != b.Content.Pack.Marketplace {
				t.Errorf("a my-orders tap went to my orders = %v, want %v", went, b.Content.Pack.Marketplace)
			}
		})
	}
}

// TestTownsInASentence: in every pack and language, a town listed under a
// region (gov.<id>.words) inside a sentence («انا من ولاية …», "I live in …
// please") picks that region at registration.
func TestTownsInASentence(t *testing.T) {
	for _, country := range locales.Countries() {
		t.Run(country, func(t *testing.T) {
			b, err := locales.Load("", country)
			if err != nil {
				t.Fatal(err)
			}
			e := New(b.Content).WithLabels(bot.NewRenderer(b, time.UTC))
			named := Profile{Language: "ar", ConsentAt: now, Name: "Mona"}
			checked := 0
			for _, lang := range b.Languages() {
				named.Language = lang
				for _, g := range b.Content.Governorates {
					if !b.Has(lang, "gov."+g+".words") {
						continue
					}
					words, _ := b.Text(lang, "gov."+g+".words", nil)
					for _, town := range strings.FieldsFunc(words, func(r rune) bool { return r == ',' || r == '،' }) {
						town = strings.TrimSpace(town)
						for _, sentence := range []string{"انا من ولاية " + town, "أنا ساكنة في " + town + " من فضلك", "I live in " + town + " please"} {
							r := e.Handle(now, Snapshot{Profile: named, State: State{Step: stepGovernorate}}, Input{Text: sentence})
							checked++
							if r.Profile.Governorate != g {
								t.Errorf("%s %q: governorate %q (%v), want %s", lang, sentence, r.Profile.Governorate, keys(r), g)
							}
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
