package orders

import (
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
)

// Every order notice, rendered for SMS as the dispatcher would, fits one
// segment in every language and for every status, even for the longest
// order id a notice shows.
func TestOrderNoticeFitsOneSMSSegment(t *testing.T) {
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRenderer(b, time.UTC)
	refs := []string{"A-10293", "MKT-2026-000123456789", strings.Repeat("W", maxRefLen)}
	for _, lang := range b.Languages() {
		for _, status := range store.OrderStatuses {
			for _, ref := range refs {
				o := store.Order{OrderRef: ref, Status: status, Items: 3, Total: "12.500", Currency: "OMR", CustomerArea: "السيب"}
				m, err := r.Render(lang, Notice(o), true)
				if err != nil {
					t.Fatalf("%s %s: %v", lang, status, err)
				}
				pages := sms.Layout(m, "")
				info := segment.Count(pages[0])
				if len(pages) != 1 || info.Segments != 1 || strings.Contains(pages[0], "<no value>") {
					t.Errorf("%s %s %s: %q costs %d segments (%s, %d units), want 1", lang, status, ref, pages[0], info.Segments, info.Encoding, info.Units)
				}
				if lang == locales.Default && info.Encoding == segment.UCS2 && info.Units > segment.UCS2Single {
					t.Errorf("%s %s: %d UCS-2 units, want at most %d", lang, status, info.Units, segment.UCS2Single)
				}
				// Telegram gets the details too.
				full, err := r.Render(lang, Notice(o), false)
				amount := map[string]string{"ar": "12.500 ريال عماني", "en": "OMR 12.500"}[lang]
				if err != nil || !strings.Contains(full.Text, amount) || !strings.Contains(full.Text, "السيب") {
					t.Errorf("%s %s: Telegram notice %q lacks the details (%v)", lang, status, full.Text, err)
				}
			}
		}
	}
}
