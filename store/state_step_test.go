package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Conversation states saved before the step column existed are found by
// the reminders query once migrated, however their JSON was written; text
// that merely looks like the step elsewhere in the JSON does not count.
func TestStepColumnIsFilledFromExistingStates(t *testing.T) {
	eachEmpty(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.MigrateSteps(ctx, store.MigrationsBefore(22)); err != nil {
			t.Fatal(err)
		}
		states := []struct {
			name, data string
			found      bool
		}{
			{"compact", `{"step":"` + vocab.StepAssessment + `","answers":{"q1":"a"}}`, true},
			{"spaced, step last", `{ "answers": {"q1": "a"},  "step" : "` + vocab.StepAssessment + `" }`, true},
			{"the words inside an argument", `{"step":"menu","args":{"note":"\"step\":\"` + vocab.StepAssessment + `\""}}`, false},
			{"not JSON", `{"step":"` + vocab.StepAssessment, false},
			{"not an object", `["` + vocab.StepAssessment + `"]`, false},
		}
		var want []int64
		ids := map[int64]string{}
		for i, st := range states {
			// The schema of step 21: written in SQL, as the models are today's.
			created, err := s.Int64s(ctx, "INSERT INTO contacts (telegram_chat_id, language, consent_at, created_at, updated_at) VALUES (?, 'ar', ?, ?, ?) RETURNING id",
				int64(100+i), t0, t0, t0)
			if err != nil || len(created) != 1 {
				t.Fatalf("create contact: %v %v", created, err)
			}
			id := created[0]
			if err := s.Exec(ctx, "INSERT INTO conversation_states (contact_id, data, updated_at) VALUES (?, ?, ?)", id, st.data, t0); err != nil {
				t.Fatal(err)
			}
			ids[id] = st.name
			if st.found {
				want = append(want, id)
			}
		}
		if applied, err := s.Migrate(ctx); err != nil || !slices.Contains(applied, 22) {
			t.Fatalf("migrate applied %v (%v), want step 22", applied, err)
		}
		var got []int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			rows, err := tx.StalledAt(vocab.StepAssessment, t0.Add(-time.Hour), t0, 0, 10)
			for _, r := range rows {
				got = append(got, r.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			names := func(l []int64) (out []string) {
				for _, id := range l {
					out = append(out, ids[id])
				}
				return out
			}
			t.Fatalf("stalled at the assessment: %q, want %q", names(got), names(want))
		}
	})
}
