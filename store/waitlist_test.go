package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// The waiting list is in the order people joined it: a person who signed up
// long ago, left, and joined again waits behind those already waiting, sees
// her true place, and is promoted only in her turn.
func TestWaitingListOrderAndPlaces(t *testing.T) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := "waitlist-order"
		o := &store.Opportunity{Key: &key, Kind: "event", Title: map[string]string{"en": "Forum"}, Description: map[string]string{"en": "x"},
			StartsAt: t0.Add(72 * time.Hour), Capacity: 1}
		if err := s.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		set := func(who, status string) {
			t.Helper()
			clk.Advance(time.Minute)
			err := s.InTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{ConsoleUser: who}, "en")
				if err != nil {
					return err
				}
				ids[who] = c.ID
				return tx.SetSignup(c.ID, o.ID, status)
			})
			if err != nil {
				t.Fatalf("%s %s: %v", who, status, err)
			}
		}
		set("old", store.SignupWaitlisted) // first on the list...
		set("old", store.SignupCancelled)  // ...leaves it
		set("seated", store.SignupRegistered)
		set("second", store.SignupWaitlisted)
		set("old", store.SignupWaitlisted) // ...and comes back: behind "second"
		places := func(who string) (int, int) {
			t.Helper()
			var pos, waiting int
			err := s.InTx(ctx, func(tx *store.Tx) error {
				views, signups, err := tx.ConversationData(ids[who], clk.Now())
				for _, v := range views {
					if v.ID == o.ID {
						waiting = v.Waitlisted
					}
				}
				for _, su := range signups {
					if su.OpportunityID == o.ID {
						pos = su.Position
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return pos, waiting
		}
		for who, want := range map[string]int{"second": 1, "old": 2} {
			if pos, waiting := places(who); pos != want || waiting != 2 {
				t.Errorf("%s: place %d of %d waiting, want %d of 2", who, pos, waiting, want)
			}
		}
		set("seated", store.SignupCancelled)
		var promoted []string
		err := s.InTx(ctx, func(tx *store.Tx) error {
			ps, err := tx.PromoteWaitlisted(clk.Now())
			for _, p := range ps {
				promoted = append(promoted, fmt.Sprint(p.Contact.ID))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(promoted) != 1 || promoted[0] != fmt.Sprint(ids["second"]) {
			t.Errorf("promoted contacts %v, want only %d (second, who joined the list first)", promoted, ids["second"])
		}
		if pos, waiting := places("old"); pos != 1 || waiting != 1 {
			t.Errorf("old: place %d of %d waiting after the promotion, want 1 of 1", pos, waiting)
		}
	})
}
