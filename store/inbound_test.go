package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// The open opportunities a batch reads: one created meanwhile (by staff, or
// by another replica) shows at once, one whose sign-ups closed is gone,
// and the counts are always current.
func TestOpenOpportunitiesFollowChangesAndTime(t *testing.T) {
	var clk *clock.Manual // each database's own, set as it opens
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		open := func() []int64 {
			t.Helper()
			var ids []int64
			err := s.InTx(ctx, func(tx *store.Tx) error {
				views, err := tx.OpenOpportunities(clk.Now())
				for _, v := range views {
					ids = append(ids, v.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		deadline := t0.Add(2 * time.Hour)
		first := &store.Opportunity{Kind: "training", Title: map[string]string{"en": "A"}, Description: map[string]string{},
			StartsAt: t0.Add(48 * time.Hour), SignupDeadline: &deadline}
		if err := s.CreateOpportunity(ctx, first); err != nil {
			t.Fatal(err)
		}
		if got := open(); !slices.Equal(got, []int64{first.ID}) {
			t.Fatalf("open = %v, want [%d]", got, first.ID)
		}
		second := &store.Opportunity{Kind: "job", Title: map[string]string{"en": "B"}, Description: map[string]string{},
			StartsAt: t0.Add(24 * time.Hour)}
		if err := s.CreateOpportunity(ctx, second); err != nil {
			t.Fatal(err)
		}
		if got := open(); !slices.Equal(got, []int64{second.ID, first.ID}) {
			t.Fatalf("after a new one, open = %v, want [%d %d] (soonest first)", got, second.ID, first.ID)
		}
		clk.Advance(3 * time.Hour) // the first one's sign-ups closed
		if got := open(); !slices.Equal(got, []int64{second.ID}) {
			t.Fatalf("after its deadline, open = %v, want [%d]", got, second.ID)
		}
	})
}

// One statement records a batch's provider ids: an id seen before, or twice
// in the same batch, is a duplicate.
func TestClaimInboundsDropsRepeatsWithinAndAcrossBatches(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		claim := func(ids ...string) []bool {
			t.Helper()
			var fresh []bool
			err := s.InTx(ctx, func(tx *store.Tx) error {
				var cs []store.InboundClaim
				for _, id := range ids {
					cs = append(cs, store.InboundClaim{Channel: "telegram", ExternalID: id, ContactID: 1})
				}
				var err error
				fresh, err = tx.ClaimInbounds(cs)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return fresh
		}
		if got := claim("1", "2", "1"); !slices.Equal(got, []bool{true, true, false}) {
			t.Fatalf("first batch: %v, want [true true false]", got)
		}
		if got := claim("3", "2"); !slices.Equal(got, []bool{true, false}) {
			t.Fatalf("second batch: %v, want [true false]", got)
		}
	})
}
