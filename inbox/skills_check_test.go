package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// everyOutcome scores every way of answering the skills check and keeps one
// answer set for each distinct shape of what the store is asked to keep: the
// strengths named (none to four), the track, and which tracks scored at all.
func everyOutcome(t *testing.T, c locales.Content) []flows.AssessmentResult {
	t.Helper()
	qs := c.Questions
	pick := make([]int, len(qs))
	byShape := map[string]flows.AssessmentResult{}
	for {
		answers := make(map[string]string, len(qs))
		for i, q := range qs {
			answers[q.ID] = q.Options[pick[i]].ID
		}
		r := flows.Score(c, answers)
		scored := slices.Sorted(maps.Keys(r.Scores))
		shape, err := json.Marshal([]any{r.Strengths, r.Track, scored})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := byShape[string(shape)]; !ok {
			byShape[string(shape)] = r
		}
		i := len(qs) - 1
		for ; i >= 0; i-- {
			if pick[i]++; pick[i] < len(qs[i].Options) {
				break
			}
			pick[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return slices.Collect(func(yield func(flows.AssessmentResult) bool) {
		for _, k := range slices.Sorted(maps.Keys(byShape)) {
			if !yield(byShape[k]) {
				return
			}
		}
	})
}

// Every distinct outcome of the skills check (over all 345,600 ways of
// answering it) is stored and read back unchanged on both databases,
// including the ones with no strength at all, whose NULL once made the
// store refuse the last answer for ever.
func TestEverySkillsCheckOutcomeIsStored(t *testing.T) {
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	outcomes := everyOutcome(t, b.Content)
	empty := slices.IndexFunc(outcomes, func(r flows.AssessmentResult) bool { return len(r.Strengths) == 0 })
	if empty < 0 {
		t.Fatal("no outcome without strengths: the least-skilled answers must be among them")
	}
	t.Logf("%d distinct outcomes", len(outcomes))
	eachWithDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{ConsoleUser: "aliya"}, "ar")
			if err != nil {
				return err
			}
			for _, r := range outcomes {
				if err := tx.AddAssessment(&store.Assessment{ContactID: c.ID, Answers: r.Answers, Scores: r.Scores,
					Strengths: r.Strengths, Track: r.Track, CompletedAt: t0}); err != nil {
					return fmt.Errorf("outcome %v: %w", r, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var rows []store.Assessment
		if err := openRaw(t, s, dsn).Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(outcomes) {
			t.Fatalf("%d assessments stored, want %d", len(rows), len(outcomes))
		}
		for i, got := range rows {
			want := outcomes[i]
			if !maps.Equal(got.Answers, want.Answers) || !maps.Equal(got.Scores, want.Scores) ||
				!slices.Equal(got.Strengths, want.Strengths) || got.Strengths == nil || got.Track != want.Track {
				t.Fatalf("stored %+v, read back %+v", want, got)
			}
		}
	})
}

// A property of whole conversations: whatever a person answers, the skills
// check ends with her result, on both databases. The answers that once
// crashed it (the least-skilled) always run, then random ones; a failure
// names the seed and the answers to replay.
func TestAnySkillsCheckEndsWithAResult(t *testing.T) {
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	qs := b.Content.Questions
	// The sequence from the report: 1 / 1 / علياء / 1 / 2 / then 1 4 6 1 4 3 3 5 4.
	runs := [][]int{{1, 4, 6, 1, 4, 3, 3, 5, 4}}
	first, last := make([]int, len(qs)), make([]int, len(qs))
	for i, q := range qs {
		first[i], last[i] = 1, len(q.Options)
	}
	runs = append(runs, first, last)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 19))
	for range 12 {
		r := make([]int, len(qs))
		for i, q := range qs {
			r[i] = 1 + rng.IntN(len(q.Options))
		}
		runs = append(runs, r)
	}
	eachWithDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		w := newWorld(t, s, clock.NewManual(t0))
		for n, run := range runs {
			user := fmt.Sprintf("p%d", n)
			for _, line := range []string{"مرحبا", "1", "1", "علياء", "1", "2"} {
				w.say(t, user, line)
			}
			for _, a := range run {
				w.say(t, user, fmt.Sprint(a))
			}
			tail := w.transcript.String()
			if i := strings.LastIndex(tail, user+"> "); i >= 0 {
				tail = tail[i:]
			}
			if !strings.Contains(tail, "نتيجتك") {
				t.Fatalf("seed %d, answers %v: no result after the last answer:\n%s", seed, run, tail)
			}
			if len(run) == 9 && slices.Equal(run, runs[0]) && !strings.Contains(tail, "كل مهارة يمكن تعلّمها") {
				t.Errorf("the person with no strengths is not told every skill can be learned:\n%s", tail)
			}
		}
		var stored int64
		if err := openRaw(t, s, dsn).Model(&store.Assessment{}).Count(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if int(stored) != len(runs) {
			t.Errorf("seed %d: %d assessments stored for %d finished checks", seed, stored, len(runs))
		}
		if errs := w.check.CheckReplies(w.sent.Messages()); len(errs) > 0 {
			t.Errorf("seed %d: %v", seed, errs)
		}
	})
}
