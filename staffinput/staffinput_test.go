package staffinput

import (
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

var rules = Rules{Languages: []string{"ar", "en"}, Governorates: []string{"muscat", "dhofar"}, Tracks: []string{"job"}}

func first(ps []Problem) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[0].Field + " " + ps[0].Code
}

func TestBroadcast(t *testing.T) {
	ok := func() *store.Broadcast {
		return &store.Broadcast{Texts: map[string]string{"ar": "مرحبا"}, Audience: store.Audience{All: true}, Channels: []string{"sms"}}
	}
	cases := []struct {
		name string
		edit func(b *store.Broadcast)
		want string
	}{
		{"fine", func(*store.Broadcast) {}, ""},
		{"no arabic", func(b *store.Broadcast) { b.Texts = map[string]string{"en": "hi"} }, "texts.ar required"},
		{"unknown language", func(b *store.Broadcast) { b.Texts["fr"] = "salut" }, "texts.fr unknown"},
		{"blank english", func(b *store.Broadcast) { b.Texts["en"] = "  " }, "texts.en empty"},
		{"too long", func(b *store.Broadcast) { b.Texts["ar"] = strings.Repeat("ب", MaxTextRunes+1) }, "texts.ar too_long"},
		{"everyone and a filter", func(b *store.Broadcast) { b.Audience.Governorates = []string{"muscat"} }, "audience.all conflict"},
		{"nobody", func(b *store.Broadcast) { b.Audience.All = false }, "audience no_filter"},
		{"unknown governorate", func(b *store.Broadcast) { b.Audience = store.Audience{Governorates: []string{"mars"}} }, "audience.governorates unknown"},
		{"unknown track", func(b *store.Broadcast) { b.Audience = store.Audience{Tracks: []string{"astronaut"}} }, "audience.tracks unknown"},
		{"a field", func(b *store.Broadcast) {
			b.Audience = store.Audience{Fields: map[string][]string{"program": {"Takaful"}}}
		}, ""},
		{"a list", func(b *store.Broadcast) { b.Audience = store.Audience{Sources: []string{"registry-2026"}} }, ""},
		{"everyone and a field", func(b *store.Broadcast) { b.Audience.Fields = map[string][]string{"program": {"Takaful"}} }, "audience.all conflict"},
		{"a field without values", func(b *store.Broadcast) { b.Audience = store.Audience{Fields: map[string][]string{"program": {}}} }, "audience.fields.program empty"},
		{"a field without a name", func(b *store.Broadcast) { b.Audience = store.Audience{Fields: map[string][]string{" ": {"x"}}} }, "audience.fields empty"},
		{"a value with a NUL", func(b *store.Broadcast) {
			b.Audience = store.Audience{Fields: map[string][]string{"program": {"Taka\x00ful"}}}
		}, "audience.fields.program unsafe"},
		{"a blank list", func(b *store.Broadcast) { b.Audience = store.Audience{Sources: []string{""}} }, "audience.sources empty"},
		{"no channel", func(b *store.Broadcast) { b.Channels = nil }, "channels required"},
		{"fax", func(b *store.Broadcast) { b.Channels = []string{"fax"} }, "channels[0] unknown"},
		{"twice", func(b *store.Broadcast) { b.Channels = []string{"sms", "sms"} }, "channels[1] duplicate"},
	}
	for _, c := range cases {
		b := ok()
		c.edit(b)
		if got := first(rules.Broadcast(b)); got != c.want {
			t.Errorf("%s: first problem %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOpportunity(t *testing.T) {
	start := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	ok := func() *store.Opportunity {
		return &store.Opportunity{Kind: "training", Governorate: "dhofar", Title: map[string]string{"ar": "خياطة"}, StartsAt: start}
	}
	late := start.Add(time.Hour)
	cases := []struct {
		name string
		edit func(o *store.Opportunity)
		want string
	}{
		{"fine", func(*store.Opportunity) {}, ""},
		{"kind", func(o *store.Opportunity) { o.Kind = "party" }, "kind unknown"},
		{"governorate", func(o *store.Opportunity) { o.Governorate = "mars" }, "governorate unknown"},
		{"everywhere", func(o *store.Opportunity) { o.Governorate = "" }, ""},
		{"title", func(o *store.Opportunity) { o.Title = map[string]string{"en": "Sewing"} }, "title.ar required"},
		{"capacity", func(o *store.Opportunity) { o.Capacity = -1 }, "capacity negative"},
		{"capacity past a 32-bit column", func(o *store.Opportunity) { o.Capacity = 1 << 31 }, "capacity too_large"},
		{"largest capacity", func(o *store.Opportunity) { o.Capacity = MaxCapacity }, ""},
		{"NUL in a title", func(o *store.Opportunity) { o.Title["ar"] = "خياطة\x00" }, "title.ar unsafe"},
		{"line break in a title", func(o *store.Opportunity) { o.Title["ar"] = "خياطة\nجديدة" }, "title.ar unsafe"},
		{"line break in a description", func(o *store.Opportunity) { o.Description = map[string]string{"ar": "سطر\nسطر"} }, ""},
		{"deadline after start", func(o *store.Opportunity) { o.SignupDeadline = &late }, "signup_deadline after_start"},
	}
	for _, c := range cases {
		o := ok()
		c.edit(o)
		if got := first(rules.Opportunity(o)); got != c.want {
			t.Errorf("%s: first problem %q, want %q", c.name, got, c.want)
		}
	}
	if got := first(Rules{}.Opportunity(&store.Opportunity{Kind: "job", Governorate: "anywhere", Title: map[string]string{"ar": "x"}})); got != "" {
		t.Errorf("rules without lists must not judge governorates: %q", got)
	}
}
