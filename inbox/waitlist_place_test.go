package inbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// TestWaitingListPlaceIsSaidInWords: a person who joins a full
// opportunity's waiting list is told her place in words, «وأنت الأول فيها»,
// "first in line", up to the tenth, then by number («رقم 11», "number 11"),
// when she joins and again in "my sign-ups"; in Arabic and in English.
func TestWaitingListPlaceIsSaidInWords(t *testing.T) {
	ordinals := map[string][]string{
		"ar": {"الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر"},
		"en": {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"},
	}
	place := func(lang string, n int) (joined, listed string) {
		w := map[string]string{"ar": fmt.Sprintf("رقم %d", n), "en": fmt.Sprintf("number %d", n)}[lang]
		if n <= len(ordinals[lang]) {
			w = ordinals[lang][n-1]
		}
		if lang == "ar" {
			return "وأنت " + w + " فيها", "في قائمة الانتظار، وأنت " + w + " فيها"
		}
		return "on the waiting list, " + w + " in line", "(on the waiting list, " + w + " in line)"
	}
	const people = 12
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
				w := newWorld(t, s, clock.NewManual(t0))
				fillDhofarForum(t, w)
				choose, menu := map[string]string{"ar": "1", "en": "2"}[lang], map[string]string{"ar": "قائمة", "en": "menu"}[lang]
				for n := 1; n <= people; n++ {
					user := fmt.Sprintf("p%d", n)
					// language, consent, name, Dhofar, opportunities, the forum (full), join the waiting list
					for _, line := range []string{"hello", choose, "1", "Person Name", "2", "3", "1"} {
						w.say(t, user, line)
					}
					w.transcript.Reset()
					w.say(t, user, "1")
					joined, listed := place(lang, n)
					if got := w.transcript.String(); !strings.Contains(got, joined) {
						t.Errorf("person %d is not told %q:\n%s", n, joined, got)
					}
					w.say(t, user, menu)
					w.transcript.Reset()
					w.say(t, user, "4") // my sign-ups
					if got := w.transcript.String(); !strings.Contains(got, listed) {
						t.Errorf("person %d's sign-ups do not say %q:\n%s", n, listed, got)
					}
				}
			})
		})
	}
}

// fillDhofarForum gives the two places of the Dhofar demo forum to two other
// people, straight in the database.
func fillDhofarForum(t *testing.T, w *world) {
	t.Helper()
	err := w.store.InTx(context.Background(), func(tx *store.Tx) error {
		var forum int64
		for i, who := range []string{"+96891230101", "+96891230102"} {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: who}, "ar")
			if err != nil {
				return err
			}
			if i == 0 {
				opps, _, err := tx.ConversationData(c.ID, w.clock.Now())
				if err != nil {
					return err
				}
				for _, o := range opps {
					if o.Governorate == "dhofar" && o.Capacity == 2 {
						forum = o.ID
					}
				}
			}
			if err := tx.SetSignup(c.ID, forum, store.SignupRegistered); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
