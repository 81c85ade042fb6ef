package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// What the bot says after a "no" to the privacy notice is true of the
// database: a person who agreed, typed her name and governorate step, went
// back and declined has no name, governorate or consent stored, and no
// message the service keeps carries her name; only her address and language
// stay, as the text says.
func TestDecliningConsentErasesWhatWasTypedBefore(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		const name = "سلمى الحارثية"
		for _, line := range []string{"مرحبا", "1", "1", name, "رجوع", "رجوع", "2"} {
			w.say(t, "salma", line)
		}
		if !strings.Contains(w.transcript.String(), "يبقى لدينا رقمك أو حسابك ولغتك فقط") {
			t.Fatalf("the declined text changed; check that what it promises is what this test checks:\n%s", w.transcript.String())
		}
		ctx := context.Background()
		var c *store.Contact
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			c, _, err = tx.ContactByAddress(vocab.Address{ConsoleUser: "salma"}, "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "" || c.Governorate != "" || c.ConsentAt != nil || c.Track != "" {
			t.Errorf("after declining the contact keeps name %q, governorate %q, consent %v, track %q", c.Name, c.Governorate, c.ConsentAt, c.Track)
		}
		if c.Language != "ar" || c.ConsoleUser == nil {
			t.Errorf("the address and language the text says we keep: language %q, address %v", c.Language, c.ConsoleUser)
		}
		rows, err := s.OutboxByDedupePrefix(ctx, "reply:")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if strings.Contains(r.Payload, name) || strings.Contains(r.Body, name) {
				t.Errorf("a kept message carries the name: %s", r.Payload)
			}
		}
		var state string
		err = s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			state, err = tx.State(c.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(state, name) {
			t.Errorf("the conversation state keeps the name: %s", state)
		}
		// Nor do the messages she wrote keep it (or any of her words).
		msgs, err := s.InboundOf(ctx, c.ID, t0.Add(-time.Hour), t0.Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 7 {
			t.Errorf("%d messages on record, want the 7 she sent", len(msgs))
		}
		for _, m := range msgs {
			if m.Text != nil {
				t.Errorf("after declining, a message of hers still reads %q", *m.Text)
			}
		}
	})
}

// "Delete my data" says the name and number go and the sign-ups are
// cancelled: so it is in the database after the conversation.
func TestDeletingMyDataDoesWhatItSays(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		// English, consent, name, Dhofar, opportunities, the forum, sign up.
		for _, line := range []string{"hi", "2", "yes", "Dana Al Said", "2", "3", "1", "1"} {
			w.say(t, "dana", line)
		}
		var id int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{ConsoleUser: "dana"}, "")
			id = c.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{"menu", "9", "yes"} {
			w.say(t, "dana", line)
		}
		if !strings.Contains(w.transcript.String(), "This erases your name, your number and your answers. Your sign-ups will be cancelled.") {
			t.Fatalf("the confirmation text changed; check that what it promises is what this test checks:\n%s", w.transcript.String())
		}
		c, err := s.Contact(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "" || c.ConsoleUser != nil || c.Phone != nil || c.ConsentAt != nil {
			t.Errorf("after deleting: name %q, console user %v, phone %v, consent %v", c.Name, c.ConsoleUser, c.Phone, c.ConsentAt)
		}
		rows, err := s.ListSignups(ctx, store.SignupFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Status != store.SignupCancelled || strings.Contains(r.Name, "Dana") {
				t.Errorf("after deleting, a sign-up is %s with name %q", r.Status, r.Name)
			}
		}
		if len(rows) != 1 {
			t.Errorf("%d sign-ups listed, want the one, cancelled", len(rows))
		}
		// What she wrote goes too: no text of hers is kept, only that messages came.
		msgs, err := s.InboundOf(ctx, id, t0.Add(-time.Hour), t0.Add(24*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) < 11 {
			t.Errorf("%d messages on record, want the 11 she sent", len(msgs))
		}
		for _, m := range msgs {
			if m.Text != nil {
				t.Errorf("after deleting, a message of hers still reads %q", *m.Text)
			}
		}
	})
}
