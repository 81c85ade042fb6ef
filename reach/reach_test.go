package reach_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/reach"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// The window opens when the person writes, lasts 24 hours to the
// nanosecond, closes early when WhatsApp said 131047 after their last
// message, and opens again when they write after that.
func TestWhatsAppWindow(t *testing.T) {
	for _, tc := range []struct {
		name         string
		last, closed *time.Time
		now          time.Time
		open         bool
		closes       time.Time
	}{
		{"never wrote", nil, nil, t0, false, time.Time{}},
		{"never wrote, a 131047 on record", nil, at(0), t0, false, time.Time{}},
		{"just wrote", at(0), nil, t0, true, t0.Add(24 * time.Hour)},
		{"a nanosecond before the end", at(0), nil, t0.Add(24*time.Hour - 1), true, t0.Add(24 * time.Hour)},
		{"at the end", at(0), nil, t0.Add(24 * time.Hour), false, t0.Add(24 * time.Hour)},
		{"days later", at(0), nil, t0.Add(72 * time.Hour), false, t0.Add(24 * time.Hour)},
		{"131047 two hours after they wrote", at(0), at(2 * time.Hour), t0.Add(3 * time.Hour), false, t0.Add(2 * time.Hour)},
		{"131047 noted, before it was said", at(0), at(2 * time.Hour), t0.Add(time.Hour), true, t0.Add(2 * time.Hour)},
		{"131047 at the very moment they wrote", at(0), at(0), t0, false, t0},
		{"wrote again after a 131047", at(5 * time.Hour), at(2 * time.Hour), t0.Add(6 * time.Hour), true, t0.Add(29 * time.Hour)},
		{"a 131047 after the window ended anyway", at(0), at(30 * time.Hour), t0.Add(25 * time.Hour), false, t0.Add(24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open, closes := reach.WhatsAppWindow(tc.last, tc.closed, tc.now)
			if open != tc.open || !closes.Equal(tc.closes) {
				t.Errorf("WhatsAppWindow = %v, %v; want %v, %v", open, closes, tc.open, tc.closes)
			}
		})
	}
}

// Every dedupe key the service writes names its kind.
func TestKindOfKey(t *testing.T) {
	for key, want := range map[string]reach.Kind{
		"reply:whatsapp:wamid.X:0":              reach.Reply,
		"staff:3:9":                             reach.Staff,
		"broadcast:4:contact:7":                 reach.Broadcast,
		"reminder:signup:9:24h":                 reach.Reminder,
		"waitlist:signup:9:promoted:1700000000": reach.Waitlist,
		"order:12:evt-1":                        reach.Order,
		"nudge:assessment:7:1700000000":         reach.Nudge,
		"digest:7:2026-49":                      reach.Digest,
		"signup:9:cancelled_by_staff:17":        reach.Notice,
		"":                                      reach.Notice,
	} {
		if got := reach.KindOfKey(key); got != want {
			t.Errorf("KindOfKey(%q) = %q, want %q", key, got, want)
		}
	}
}

// window states a person can be in at t0.
var windows = []struct {
	name         string
	last, closed *time.Time
	open         bool
}{
	{"never wrote", nil, nil, false},
	{"open", at(-time.Hour), nil, true},
	{"expired", at(-25 * time.Hour), nil, false},
	{"closed by 131047", at(-time.Hour), at(-time.Minute), false},
	{"wrote after a 131047", at(-time.Minute), at(-time.Hour), true},
}

var prices = []reach.Prices{{}, {Template: 0.01, SMSSegment: 0.012}, {Template: 0.05, SMSSegment: 0.012}, {Template: 0.024, SMSSegment: 0.012}}

var channels = []string{"telegram", "whatsapp", "sms", "web", "console"}

// Over every combination of addresses, window, kind, allowed channels,
// template setting, prices and segments, Choose picks a way that reaches
// the person on an allowed channel, never a free WhatsApp message outside
// the window, never a template for a reply or a kind without one, and
// costs no more than any other way that would have reached them (the
// order Telegram, WhatsApp, template, SMS, web, console among equals);
// it says no only when no way would.
func TestChooseOverEveryCombination(t *testing.T) {
	n := 0
	for addr := 0; addr < 1<<5; addr++ {
		for _, w := range windows {
			p := reach.Person{Telegram: addr&1 != 0, WhatsApp: addr&2 != 0, SMS: addr&4 != 0, Web: addr&8 != 0, Console: addr&16 != 0,
				LastInbound: w.last, ClosedAt: w.closed}
			for allowed := 0; allowed < 1<<5; allowed++ {
				var chans []string
				for i, c := range channels {
					if allowed&(1<<i) != 0 {
						chans = append(chans, c)
					}
				}
				for _, kind := range reach.Kinds() {
					for _, tpl := range []bool{false, true} {
						for _, pr := range prices {
							for _, seg := range []int{1, 3} {
								o := reach.Options{Channels: chans, Template: func(reach.Kind) bool { return tpl }, Prices: pr, Segments: seg}
								checkChoice(t, p, w.open, kind, tpl, o)
								n++
							}
						}
					}
				}
			}
		}
	}
	if n != 32*len(windows)*32*len(reach.Kinds())*2*len(prices)*2 {
		t.Fatalf("checked %d combinations", n)
	}
}

func checkChoice(t *testing.T, p reach.Person, open bool, kind reach.Kind, tpl bool, o reach.Options) {
	t.Helper()
	// Every way that would reach them, in the order of preference.
	var ways []reach.Way
	has := func(ch string) bool { return slices.Contains(o.Channels, ch) }
	if p.Telegram && has("telegram") {
		ways = append(ways, reach.Telegram)
	}
	if p.WhatsApp && has("whatsapp") && open {
		ways = append(ways, reach.WhatsApp)
	}
	if p.WhatsApp && has("whatsapp") && !open && tpl && kind != reach.Reply {
		ways = append(ways, reach.WhatsAppTemplate)
	}
	if p.SMS && has("sms") {
		ways = append(ways, reach.SMS)
	}
	real := len(ways)
	if p.Web && has("web") {
		ways = append(ways, reach.Web)
	}
	if p.Console && has("console") {
		ways = append(ways, reach.Console)
	}
	c, ok := reach.Choose(p, kind, t0, o)
	desc := func() string {
		return fmt.Sprintf("%+v open=%v kind=%s template=%v options=%v %+v %d", p, open, kind, tpl, o.Channels, o.Prices, o.Segments)
	}
	if !ok {
		if len(ways) > 0 {
			t.Fatalf("%s: no way chosen, but %v reach them", desc(), ways)
		}
		return
	}
	if !slices.Contains(ways, c.Way) {
		t.Fatalf("%s: chose %s, not among %v", desc(), c.Way, ways)
	}
	if c.Cost != o.Cost(c.Way) {
		t.Fatalf("%s: %s costs %v, said %v", desc(), c.Way, o.Cost(c.Way), c.Cost)
	}
	pool := ways
	if real > 0 {
		pool = ways[:real] // the simulator and terminal only when nothing real reaches them
	}
	for _, w := range pool {
		if o.Cost(w) < c.Cost {
			t.Fatalf("%s: chose %s at %v, but %s costs %v", desc(), c.Way, c.Cost, w, o.Cost(w))
		}
		if o.Cost(w) == c.Cost {
			if w != c.Way {
				t.Fatalf("%s: chose %s, but %s costs the same and comes first", desc(), c.Way, w)
			}
			break
		}
	}
}

// A template costs what it is set to; SMS its segments.
func TestCost(t *testing.T) {
	o := reach.Options{Prices: reach.Prices{Template: 0.02, SMSSegment: 0.012}, Segments: 3}
	for way, want := range map[reach.Way]float64{reach.Telegram: 0, reach.WhatsApp: 0, reach.WhatsAppTemplate: 0.02, reach.SMS: 0.036, reach.Web: 0} {
		if got := o.Cost(way); fmt.Sprintf("%.4f", got) != fmt.Sprintf("%.4f", want) {
			t.Errorf("Cost(%s) = %v, want %v", way, got, want)
		}
	}
	if reach.WhatsAppTemplate.Channel() != "whatsapp" || reach.SMS.Channel() != "sms" {
		t.Error("a way's channel")
	}
}
