package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// A batch's rows reach the database as they were, whatever they hold: over
// random values built from the characters the encodings quote or split on
// (quotes, backslashes, braces, commas, spaces), Arabic, emoji, the word
// NULL and empty strings, each row read back from rowsTable is the row
// sent, and inTexts finds exactly the values that are among them.
func TestBatchRowsArriveAsSent(t *testing.T) {
	pieces := []string{`"`, `\`, `{`, `}`, `,`, ` `, `'`, `NULL`, `null`, `سلمى`, `١٢٣`, `😀`, `a`, `\"`, `\\`, "\t", `[`, `]`, `:`}
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		rng := rand.New(rand.NewPCG(3, 39))
		value := func() string {
			var b strings.Builder
			for range rng.IntN(6) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			return b.String()
		}
		for round := range 30 {
			rows := make([][]string, 1+rng.IntN(40))
			for i := range rows {
				rows[i] = []string{value(), value(), value()}
			}
			var asked, want []string
			for range 1 + rng.IntN(10) {
				v := value()
				if rng.IntN(2) == 0 {
					v = rows[rng.IntN(len(rows))][0]
				}
				asked = append(asked, v)
			}
			for _, r := range rows {
				if slices.Contains(asked, r[0]) {
					want = append(want, r[0])
				}
			}
			back, found, err := s.RowsBack(context.Background(), rows, asked)
			if err != nil {
				t.Fatalf("round %d: %v (rows %q)", round, err, rows)
			}
			if !slices.EqualFunc(back, rows, slices.Equal[[]string]) {
				t.Fatalf("round %d: sent %q\ngot back %q", round, rows, back)
			}
			slices.Sort(found)
			slices.Sort(want)
			if !slices.Equal(found, want) {
				t.Fatalf("round %d: asked %q among %q: found %q, want %q", round, asked, rows, found, want)
			}
		}
	})
}
