package sms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// TestFirstTimeUserBySMS: what trips a new SMS user, in both languages, over
// real webhooks: a greeting at a question shows it again (not "I did not
// understand"), options are chosen by their words, declining the privacy
// notice after typing a name erases it, and a sign-up on a full opportunity
// tells the place on the waiting list.
func TestFirstTimeUserBySMS(t *testing.T) {
	cases := []struct {
		lang, phone                    string
		hello, pickLang, greet, agree  string
		name, back, decline, start     string
		gov, opportunities, notUnderst string // notUnderst: words of "I did not understand"
	}{
		{"ar", "+96891239001", "مرحبا", "عربي", "السلام عليكم", "موافقة", "فاطمة", "رجوع", "لا", "ابدأ", "ظفار", "دورات", "لم أفهم"},
		{"en", "+96891239002", "hello", "english", "hi", "yes", "Fatma", "back", "no", "start", "dhofar", "trainings", "did not understand"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				say := func(body string) string {
					t.Helper()
					got := strings.Join(w.text(c.phone, body), "\n---\n")
					if strings.Contains(got, c.notUnderst) {
						t.Fatalf("%q was not understood:\n%s", body, got)
					}
					return got
				}
				say(c.hello)
				say(c.pickLang)
				consent := w.word(c.lang, "consent.sms")
				if got := say(c.greet); !strings.Contains(got, w.word(c.lang, "greeting.again")) || !strings.Contains(got, consent) {
					t.Fatalf("greeting at the privacy notice: want it shown again, got:\n%s", got)
				}
				say(c.agree)
				say(c.name)
				say(c.back)
				say(c.back)
				if got := say(c.decline); !strings.Contains(got, w.word(c.lang, "consent.declined")) {
					t.Fatalf("declining: got\n%s", got)
				}
				if ct := w.contact(c.phone); ct.Name != "" || ct.ConsentAt != nil {
					t.Fatalf("after declining the contact keeps name %q, consent %v", ct.Name, ct.ConsentAt)
				}
				say(c.start)
				say(c.agree)
				say(c.name)
				say(c.gov)
				if ct := w.contact(c.phone); ct.Governorate != "dhofar" {
					t.Fatalf("governorate by its word: got %q", ct.Governorate)
				}
				got := say(c.opportunities)
				if !strings.Contains(got, "2.") {
					t.Fatalf("opportunities by a word of the menu: got\n%s", got)
				}
				// Fill the forum (2 places) with two others, then sign up: third in line is first on the waiting list.
				fillForum(t, w)
				say("1")
				got = say("1")
				wantPlace := map[string]string{"ar": "وأنت الأول فيها", "en": "first in line"}[c.lang]
				if !strings.Contains(got, wantPlace) {
					t.Errorf("the waiting-list place is not told (%q) in:\n%s", wantPlace, got)
				}
			})
		})
	}
}

// fillForum registers two other people for the first Dhofar demo opportunity
// (the forum, 2 places) straight in the database.
func fillForum(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
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
