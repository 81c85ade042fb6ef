package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// Merging a Telegram chat into the SMS contact with the same number keeps
// one row per opportunity (an active sign-up wins over a cancelled one),
// moves answers and replies, keeps the live conversation, and empties the
// chat's old contact.
func TestLinkTelegramPhoneMerges(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var opps []int64
		for i, key := range []string{"a", "b", "c"} {
			k := "link-" + key
			o := &store.Opportunity{Key: &k, Kind: "training", Title: map[string]string{"en": key}, Description: map[string]string{"en": key},
				StartsAt: t0.Add(time.Duration(i+1) * 24 * time.Hour)}
			if err := s.CreateOpportunity(ctx, o); err != nil {
				t.Fatal(err)
			}
			opps = append(opps, o.ID)
		}
		const number, chat = "+96891112222", int64(5551)
		var smsID, tgID int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			sms, _, err := tx.ContactByAddress(vocab.Address{Phone: number}, "ar")
			if err != nil {
				return err
			}
			sms.Name = "Huda"
			if err := tx.SaveContact(sms); err != nil {
				return err
			}
			tg, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: chat}, "")
			if err != nil {
				return err
			}
			tg.Language, tg.Governorate = "en", "muscat"
			if err := tx.SaveContact(tg); err != nil {
				return err
			}
			smsID, tgID = sms.ID, tg.ID
			for _, su := range []struct {
				contact, opp int64
				status       string
			}{{sms.ID, opps[0], "registered"}, {sms.ID, opps[1], "cancelled"}, {tg.ID, opps[1], "registered"}, {tg.ID, opps[2], "waitlisted"}} {
				if err := tx.SetSignup(su.contact, su.opp, su.status); err != nil {
					return err
				}
			}
			if err := tx.AddAssessment(&store.Assessment{ContactID: tg.ID, Answers: map[string]string{"q": "a"}, Scores: map[string]int{"crafts": 1}, Strengths: []string{"crafts"}, Track: "crafts", CompletedAt: t0}); err != nil {
				return err
			}
			if err := tx.SaveState(tg.ID, store.SavedState{Step: "menu", Data: `{"step":"menu"}`}); err != nil {
				return err
			}
			_, err = tx.Enqueue(&store.OutboxMessage{ContactID: tg.ID, Channel: "telegram", Recipient: "5551", Body: "hi", DedupeKey: "link-test"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var outcome store.LinkOutcome
		var merged *store.Contact
		err = s.InTx(ctx, func(tx *store.Tx) error {
			merged, outcome, err = tx.LinkTelegramPhone(chat, number, "")
			if err != nil {
				return err
			}
			_, signups, err := tx.ConversationData(merged.ID, t0)
			if err != nil {
				return err
			}
			got := map[int64]string{}
			for _, su := range signups {
				if _, dup := got[su.OpportunityID]; dup {
					t.Errorf("two sign-up rows for opportunity %d", su.OpportunityID)
				}
				got[su.OpportunityID] = su.Status
			}
			want := map[int64]string{opps[0]: "registered", opps[1]: "registered", opps[2]: "waitlisted"}
			for id, st := range want {
				if got[id] != st {
					t.Errorf("opportunity %d: %q, want %q", id, got[id], st)
				}
			}
			if st, err := tx.States([]int64{merged.ID}); err != nil || st[merged.ID] != (store.SavedState{Step: "menu", Data: `{"step":"menu"}`}) {
				t.Errorf("state = %+v, %v: want the chat's live conversation, step and all", st, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if outcome != store.LinkMerged || merged.ID != smsID {
			t.Fatalf("outcome %v into %d, want merged into the SMS contact %d", outcome, merged.ID, smsID)
		}
		c, err := s.Contact(ctx, smsID)
		if err != nil {
			t.Fatal(err)
		}
		if c.TelegramChatID == nil || *c.TelegramChatID != chat || c.Name != "Huda" || c.Language != "en" || c.Governorate != "muscat" {
			t.Fatalf("merged contact = %+v", c)
		}
		old, err := s.Contact(ctx, tgID)
		if err != nil {
			t.Fatal(err)
		}
		if old.TelegramChatID != nil || old.ErasedAt == nil {
			t.Fatalf("old contact not emptied: %+v", old)
		}
	})
}
