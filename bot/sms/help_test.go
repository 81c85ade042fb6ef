package sms_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/locales"
)

// TestHelpOnSMSShowsTheOfficesContactOnlyWhenSet: in every pack and
// language, help on SMS stays one segment while the deployment sets no way
// to reach the office; with the longest phone, address and hours accepted
// it shows all three in one message of at most MaxSegments segments.
func TestHelpOnSMSShowsTheOfficesContactOnlyWhenSet(t *testing.T) {
	longest := locales.Contact{
		Phone:   "+" + strings.Repeat("9", locales.MaxHelpPhone-1),
		Address: locales.Everywhere(strings.Repeat("ع", locales.MaxHelpAddress)),
		Hours:   locales.Everywhere(strings.Repeat("س", locales.MaxHelpHours)),
	}
	labels := map[string]string{"ar": "للمساعدة:", "en": "Help:"}
	for _, country := range locales.Countries() {
		b, err := locales.Load("", country)
		if err != nil {
			t.Fatal(err)
		}
		r := bot.NewRenderer(b, time.UTC)
		for _, contact := range []locales.Contact{{}, longest} {
			content := b.Content
			content.Pack.Help = contact
			e := flows.New(content)
			for _, lang := range b.Languages() {
				p := flows.Profile{Language: lang, Name: "Mona", Governorate: content.Governorates[0], ConsentAt: time.Unix(1, 0)}
				res := e.Handle(time.Unix(100, 0), flows.Snapshot{Channel: "sms", Profile: p, State: flows.State{Step: "menu"}}, flows.Input{Text: "help"})
				if len(res.Replies) == 0 || res.Replies[len(res.Replies)-1].Key != "help.text" {
					t.Fatalf("%s %s: help gave %+v", country, lang, res.Replies)
				}
				m, err := r.Render(lang, res.Replies[len(res.Replies)-1], true)
				if err != nil {
					t.Fatal(err)
				}
				pages := sms.Layout(m, "9")
				n := segment.Segments(pages[0])
				shown := strings.Contains(pages[0], labels[lang])
				switch {
				case len(pages) != 1:
					t.Errorf("%s %s contact %v: help is %d messages:\n%s", country, lang, !contact.Empty(), len(pages), strings.Join(pages, "\n---\n"))
				case contact.Empty() && (n != 1 || shown):
					t.Errorf("%s %s: help without a contact is %d segments, shows a contact %v:\n%s", country, lang, n, shown, pages[0])
				case !contact.Empty() && (n > sms.MaxSegments || !strings.Contains(pages[0], contact.Phone) || !strings.Contains(pages[0], contact.Address[lang]) || !strings.Contains(pages[0], contact.Hours[lang])):
					t.Errorf("%s %s: help with the longest contact is %d segments or lacks part of it:\n%s", country, lang, n, pages[0])
				}
			}
		}
	}
}
