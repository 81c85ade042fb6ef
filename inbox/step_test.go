package inbox_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// The step the reminders look for is stored with every state the inbox
// saves, one turn at a time and for a batch handled together: people who
// opened the skills check are found at the assessment step by the store's
// query, and one who left it is not.
func TestSavedStepFollowsTheConversation(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		clk := clock.NewManual(t0)
		w := newWorld(t, s, clk)
		ctx := context.Background()
		// Arabic, consent, name, Dhofar: the menu.
		users := []string{"sara", "huda", "mona"}
		for _, u := range users {
			for _, line := range []string{"مرحبا", "1", "1", "سارة", "2"} {
				w.say(t, u, line)
			}
		}
		w.say(t, "mona", "اكتشاف مهاراتك") // alone: the first question
		var together []bot.Input
		for _, u := range users[:2] {
			together = append(together, bot.Input{Channel: bot.Console, From: vocab.Address{ConsoleUser: u}, Text: "اكتشاف مهاراتك", ExternalID: "skills-" + u})
		}
		for _, h := range queueTogether(t, w.inbox, ctx, together) {
			if h.err != nil {
				t.Fatal(h.err)
			}
		}
		w.say(t, "mona", "إلغاء") // leaves the skills check

		ids := map[string]int64{}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for _, u := range users {
				c, _, err := tx.ContactByAddress(vocab.Address{ConsoleUser: u}, "")
				if err != nil {
					return err
				}
				ids[u] = c.ID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var stalled []int64
		var states map[int64]store.SavedState
		err = s.InTx(ctx, func(tx *store.Tx) error {
			rows, err := tx.StalledAt(vocab.StepAssessment, t0.Add(-time.Hour), clk.Now(), 0, 10)
			for _, r := range rows {
				stalled = append(stalled, r.ID)
			}
			if err != nil {
				return err
			}
			states, err = tx.States([]int64{ids["sara"], ids["huda"], ids["mona"]})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{ids["sara"], ids["huda"]}; !slices.Equal(stalled, want) {
			t.Errorf("at the assessment step: %v, want sara and huda %v (mona %d left it); states %+v", stalled, want, ids["mona"], states)
		}
		if st := states[ids["mona"]].Step; st == vocab.StepAssessment || st == "" {
			t.Errorf("mona's saved step = %q, want the step she went back to", st)
		}
	})
}
