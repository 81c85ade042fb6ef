package flows_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/locales"
)

// EachAnswerCombination calls fn with every way the skills check can be
// answered (one option per question), reusing one map: fn must not keep it.
// It returns how many combinations there were.
func eachAnswerCombination(c locales.Content, fn func(answers map[string]string)) int {
	qs := c.Questions
	pick := make([]int, len(qs))
	answers := make(map[string]string, len(qs))
	n := 0
	for {
		for i, q := range qs {
			answers[q.ID] = q.Options[pick[i]].ID
		}
		fn(answers)
		n++
		i := len(qs) - 1
		for ; i >= 0; i-- {
			pick[i]++
			if pick[i] < len(qs[i].Options) {
				break
			}
			pick[i] = 0
		}
		if i < 0 {
			return n
		}
	}
}

// Every way of answering the skills check, in every country pack, ends in a
// result a person can be shown and the store can keep: a known track, the
// strengths as a list (empty for the person with none, never nil), at most
// four of them without repeats, each one a named strength in Arabic and
// English. One untested combination (no strengths at all) once crashed the
// check for exactly the people the programs serve.
func TestEveryAnswerCombinationHasAResult(t *testing.T) {
	seen := map[string]bool{} // question sets already tried (packs may share them)
	for _, country := range locales.Countries() {
		b, err := locales.Load("", country)
		if err != nil {
			t.Fatal(err)
		}
		c := b.Content
		var ids []string
		for _, q := range c.Questions {
			ids = append(ids, q.ID)
			for _, o := range q.Options {
				ids = append(ids, o.ID)
			}
		}
		if key := strings.Join(ids, ","); seen[key] {
			continue
		} else {
			seen[key] = true
		}
		want := 1
		for _, q := range c.Questions {
			want *= len(q.Options)
		}
		none := 0
		n := eachAnswerCombination(c, func(answers map[string]string) {
			r := flows.Score(c, answers)
			if r.Strengths == nil {
				t.Fatalf("%s: %v: strengths nil (stored as NULL)", country, answers)
			}
			if len(r.Strengths) == 0 {
				none++
			}
			if len(r.Strengths) > 4 {
				t.Fatalf("%s: %v: %d strengths, at most 4", country, answers, len(r.Strengths))
			}
			if len(slices.Compact(slices.Sorted(slices.Values(r.Strengths)))) != len(r.Strengths) {
				t.Fatalf("%s: %v: a strength named twice: %v", country, answers, r.Strengths)
			}
			if !c.HasTrack(r.Track) {
				t.Fatalf("%s: %v: track %q is not a track", country, answers, r.Track)
			}
			if !maps.Equal(r.Answers, answers) {
				t.Fatalf("%s: answers kept %v, given %v", country, r.Answers, answers)
			}
			for _, s := range r.Strengths {
				for _, lang := range []string{"ar", "en"} {
					if !b.Has(lang, "strength."+s) {
						t.Fatalf("%s: strength %q has no %s name", country, s, lang)
					}
				}
			}
		})
		if n != want {
			t.Fatalf("%s: tried %d combinations, the questions allow %d", country, n, want)
		}
		if none == 0 {
			t.Errorf("%s: no combination without strengths was tried; the least-skilled person must be", country)
		}
		t.Logf("%s: %d combinations, %d with no strength", country, n, none)
	}
}
