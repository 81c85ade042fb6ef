package contactimport

import (
	"math/rand/v2"
	"testing"
)

// The numbers seen answer as a map would: over random files (numbers drawn
// from a small range, so that many repeat), read as the importer reads
// them (look up, add when new), with buffers from one number up, every
// answer (seen or not, and the first row's line) is the map's.
func TestNumbersSeenAnswersAsAMap(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 5))
		recentMax := 1 + rng.IntN(64)
		rows := rng.IntN(20_000)
		span := 1 + rng.IntN(2*rows+1)
		seen, want := newNumbersSeen(recentMax), map[uint64]int32{}
		for line := range int32(rows) {
			n := uint64(96890000000 + rng.IntN(span))
			got, ok := seen.first(n)
			w, wok := want[n]
			if ok != wok || got != w {
				t.Fatalf("seed %d (buffer %d), row %d, number %d: seen %v at %d, want %v at %d", seed, recentMax, line, n, ok, got, wok, w)
			}
			if !ok {
				seen.add(n, line)
				want[n] = line
			}
		}
		total := len(seen.recent)
		for i, r := range seen.runs {
			total += len(r.keys)
			if i > 0 && 2*len(r.keys) > len(seen.runs[i-1].keys) {
				t.Fatalf("seed %d: run %d holds %d numbers after one of %d: the runs are not halving", seed, i, len(r.keys), len(seen.runs[i-1].keys))
			}
		}
		if total != len(want) {
			t.Fatalf("seed %d: holds %d numbers, want %d", seed, total, len(want))
		}
	}
}
