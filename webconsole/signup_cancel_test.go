package webconsole_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
	"github.com/tamkeen/tamkeen/webconsole"
)

// A person whose place staff cancel in the console is told, in her
// language, on her channel, once; like a promotion, the notice waits for the
// end of quiet hours. Someone who stopped all messages is told nothing.
func TestStaffCancellingAPlaceTellsThePerson(t *testing.T) {
	clk := clock.NewManual(t0)
	quietEnd := t0.Add(9 * time.Hour)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"telegram", "sms"},
			QuietUntil: func(time.Time) time.Time { return quietEnd }})
		ctx := context.Background()
		maryam := phoneContact(t, s, "+96890000001", "muscat", "ar", true)
		sara := contact(t, s, vocab.Address{TelegramChatID: 7007}, func(c *store.Contact) {
			c.Name, c.Language, c.ConsentAt = "Sara", "en", &t0
		})
		stopped := contact(t, s, vocab.Address{Phone: "+96890000003"}, func(c *store.Contact) {
			c.Name, c.Language, c.ConsentAt, c.OptedOutAt = "Stopped", "ar", &t0, &t0
		})
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة الخياطة", "en": "Sewing course"},
			Description: map[string]string{}, StartsAt: t0.AddDate(0, 0, 7), Capacity: 2}
		if err := s.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			for _, su := range []struct {
				who    int64
				status string
			}{{maryam, store.SignupRegistered}, {stopped, store.SignupRegistered}, {sara, store.SignupWaitlisted}} {
				if err := tx.SetSignup(su.who, o.ID, su.status); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rows, _ := s.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10})
		path := "/console/opportunities/" + strconv.FormatInt(o.ID, 10)
		e.login(t)
		for _, r := range rows {
			if a := e.post(t, path+"/signups/"+strconv.FormatInt(r.ID, 10)+"/cancel", e.form(t, "confirmed", "yes")); a.code != http.StatusSeeOther {
				t.Fatalf("cancel %d: %d", r.ID, a.code)
			}
		}
		// Cancelled again: nothing new to tell.
		e.post(t, path+"/signups/"+strconv.FormatInt(rows[0].ID, 10)+"/cancel", e.form(t, "confirmed", "yes"))

		msgs, err := s.OutboxByDedupePrefix(ctx, "signup:")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 {
			t.Fatalf("%d notices queued, want 2 (Maryam's and Sara's, none for the person who stopped messages): %+v", len(msgs), msgs)
		}
		r := bot.NewRenderer(e.bundle, time.UTC)
		for i, want := range []struct {
			contact            int64
			channel, recipient string
			text               []string
		}{
			{maryam, "sms", "+96890000001", []string{"ألغى فريق البرنامج تسجيلك", "«دورة الخياطة»"}},
			{sara, "telegram", "7007", []string{"The program team cancelled your sign-up for Sewing course"}},
		} {
			m := msgs[i]
			if m.ContactID != want.contact || m.Channel != want.channel || m.Recipient != want.recipient || m.Priority != store.PriorityNotice {
				t.Fatalf("notice %d: %+v, want to contact %d on %s", i, m, want.contact, want.channel)
			}
			if !m.NextAttemptAt.Equal(quietEnd) {
				t.Errorf("notice %d goes at %v, want the end of quiet hours %v", i, m.NextAttemptAt, quietEnd)
			}
			reply, err := m.Reply()
			if err != nil {
				t.Fatal(err)
			}
			msg, err := r.Render(m.Language, *reply, m.Channel == vocab.SMS)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want.text {
				if !strings.Contains(msg.Text, w) {
					t.Errorf("notice %d reads %q, want %q in it", i, msg.Text, w)
				}
			}
		}
	})
}
