package store

import "testing"

// An audience counted in parts counts every contact once: over every span
// of ids up to 60 wide, at several starts, and every number of parts up to
// beyond the span, the ranges follow each other from the first id to the
// last, none empty.
func TestSplitIDsCoversEveryIDOnce(t *testing.T) {
	for _, lo := range []int64{1, 2, 7, 1_000_000, 9_007_199_254_740_000} {
		for width := int64(0); width < 60; width++ {
			hi := lo + width
			for parts := int64(1); parts <= width+3; parts++ {
				ranges := splitIDs(lo, hi, parts)
				if want := min(parts, width+1); int64(len(ranges)) != want {
					t.Fatalf("(%d, %d) in %d: %d ranges, want %d", lo, hi, parts, len(ranges), want)
				}
				next := lo - 1
				for _, r := range ranges {
					if r[0] != next || r[1] <= r[0] {
						t.Fatalf("(%d, %d) in %d: ranges %v", lo, hi, parts, ranges)
					}
					next = r[1]
				}
				if next != hi {
					t.Fatalf("(%d, %d) in %d: ranges end at %d", lo, hi, parts, next)
				}
			}
		}
	}
}
