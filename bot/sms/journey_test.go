package sms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// maxJourneySegments is what a person may pay, at most, from a first hello
// to a confirmed sign-up (segments of every SMS the service sends her).
const maxJourneySegments = 18

// TestJourneyToSignup walks a basic phone from a first text to a confirmed
// sign-up by numbered replies, in Arabic with Arabic-Indic digits and in
// English with ASCII digits.
func TestJourneyToSignup(t *testing.T) {
	tests := []struct {
		name, phone, lang, langLabel, hello string
		arabic                              bool
	}{
		{"arabic, arabic-indic digits", "+96891234567", "ar", "العربية", "مرحبا", true},
		{"english, ascii digits", "+96899887766", "en", "English", "hello", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
				w := newWorld(t, s, clock.NewManual(t0))
				var transcript []string
				more := "9"
				if tt.arabic {
					more = "٩"
				}
				pages, segments, texts := 0, 0, 0
				// say sends body and, like a person, asks for more while a page ends with the more line.
				var say func(body string) []string
				say = func(body string) []string {
					got := w.text(tt.phone, body)
					transcript = append(transcript, "> "+body)
					for _, m := range got {
						transcript = append(transcript, fmt.Sprintf("[%d segments]\n%s", segment.Segments(m), m))
						segments += segment.Segments(m)
						texts++
						if n := segment.Segments(m); n > sms.MaxSegments {
							t.Errorf("a %d-segment text:\n%s", n, m)
						}
					}
					if len(got) > 0 && strings.HasSuffix(got[len(got)-1], "\n"+w.moreLine(tt.lang)) {
						pages++
						return append(got, say(more)...)
					}
					return got
				}
				pick := func(got []string, key string) []string {
					if w.bundle.Has(tt.lang, key+".sms") { // the label SMS shows
						key += ".sms"
					}
					return say(number(t, got, w.word(tt.lang, key), tt.arabic))
				}
				got := say(tt.hello)
				got = say(number(t, got, tt.langLabel, tt.arabic))
				got = pick(got, "consent.agree")
				got = say("Fatma")
				got = say(number(t, got, w.word(tt.lang, "gov.muscat"), tt.arabic))
				got = pick(got, "menu.opportunities")
				got = say(number(t, got, "", tt.arabic)) // the first opportunity
				got = pick(got, "opportunity.signup")
				all := strings.Join(transcript, "\n")
				t.Logf("journey cost: %d segments in %d SMS\n%s", segments, texts, all)
				if segments > maxJourneySegments {
					t.Errorf("from the first hello to a confirmed sign-up cost %d segments in %d SMS, want at most %d; transcript:\n%s", segments, texts, maxJourneySegments, all)
				}
				if t.Failed() {
					t.Fatalf("transcript:\n%s", all)
				}
				c := w.contact(tt.phone)
				if c.Name != "Fatma" || c.Language != tt.lang || c.ConsentAt == nil || c.Governorate != "muscat" {
					t.Errorf("contact after the journey: %+v", c)
				}
				ctx := context.Background()
				var registered int64
				err := s.InTx(ctx, func(tx *store.Tx) error {
					_, signups, err := tx.ConversationData(c.ID, w.clock.Now())
					for _, su := range signups {
						if su.Status == "registered" {
							registered++
						}
					}
					return err
				})
				if err != nil || registered != 1 {
					t.Fatalf("want one registered sign-up, got %d (%v); transcript:\n%s", registered, err, all)
				}
				counts, err := s.OutboxCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if counts[store.OutboxPending]+counts[store.OutboxSending]+counts[store.OutboxFailed] != 0 {
					t.Errorf("outbox after the journey: %v", counts)
				}
				if pages > 0 {
					t.Errorf("a person had to ask for more %d times on the way to a sign-up; transcript:\n%s", pages, all)
				}
			})
		})
	}
}

func (w *world) moreLine(lang string) string {
	w.t.Helper()
	s, err := w.bundle.Text(lang, "sms.more", map[string]any{"N": 9})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// TestNineIsAnOptionWithoutPages: "9" asks for more only while a page waits;
// otherwise it is the ninth choice (the governorate list has eleven).
func TestNineIsAnOptionWithoutPages(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const from = "+96891234567"
		for _, in := range paths["ar"][:5] { // up to the governorate list
			w.text(from, in)
		}
		w.text(from, "٩")
		if got := w.contact(from).Governorate; got != "north_ash_sharqiyah" {
			t.Errorf("governorate %q, want the ninth (north_ash_sharqiyah)", got)
		}
	})
}

// TestModuleOnSMS: a module is its short SMS text, in at most two segments
// plus its options, with no "next" page that would repeat it.
func TestModuleOnSMS(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		for lang, path := range paths {
			from := "+96891234567"
			if lang == "en" {
				from = "+96891234568"
			}
			var got []string
			for _, in := range path {
				got = w.text(from, in)
			}
			short := w.word(lang, "module.tamkeen.sms") // the first module of the default pack (Oman)
			if len(got) != 1 || !strings.HasPrefix(got[0], short) {
				t.Fatalf("%s: want the module's SMS text, got %q", lang, got)
			}
			if strings.Contains(got[0], w.word(lang, "nav.next")) {
				t.Errorf("%s: a next page on SMS repeats the same short text:\n%s", lang, got[0])
			}
			if n := segment.Segments(got[0]); n > sms.MaxSegments {
				t.Errorf("%s: module page costs %d segments", lang, n)
			}
		}
	})
}
