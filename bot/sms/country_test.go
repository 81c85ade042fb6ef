package sms_test

import (
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// TestEgyptsGovernoratesOverSMS: Egypt's 27 governorates reach an SMS user
// whole, numbered, in one message that is never cut between options (it
// costs 6 segments: the one long list of the Egypt pack), none of Oman's;
// and a governorate typed by name registers it.
func TestEgyptsGovernoratesOverSMS(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorldIn(t, s, clock.NewManual(t0), "EG")
		const from = "+201001234567"
		var got []string
		for _, in := range []string{"مرحبا", "١", "٩", "١", "منى"} {
			got = w.text(from, in)
		}
		if len(got) != 1 {
			t.Fatalf("want the governorate question in one message, got %q", got)
		}
		for _, g := range []string{"1. القاهرة", "2. الجيزة", "3. الإسكندرية", "22. أسوان", "27. جنوب سيناء"} {
			if !strings.Contains(got[0], g) {
				t.Errorf("%s not offered over SMS:\n%s", g, got[0])
			}
		}
		if strings.Contains(got[0], "مسقط") || strings.Contains(got[0], "ظفار") {
			t.Errorf("Omani governorates offered in Egypt:\n%s", got[0])
		}
		if n := segment.Segments(got[0]); n > 6 {
			t.Errorf("the governorate list costs %d segments, want at most 6", n)
		}
		w.text(from, "الجيزة")
		if c := w.contact(from); c == nil || c.Governorate != "giza" {
			t.Fatalf("contact %+v, want registered in giza", c)
		}
	})
}
