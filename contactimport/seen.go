package contactimport

import "slices"

// numbersSeen remembers the line of the first row of each number an import
// has read, in about 12 bytes a number (a map took 44 MB for a million,
// a third of the import's heap): the latest numbers in a small map, the
// others in sorted runs that merge as they grow, like the digits of a
// binary counter, so that there are at most a few dozen to search.
type numbersSeen struct {
	recentMax int
	recent    map[uint64]int32
	runs      []numbersRun // each at most half the size of the one before
}

// numbersRun is a sorted run: keys ascending, lines beside them.
type numbersRun struct {
	keys  []uint64
	lines []int32
}

func newNumbersSeen(recentMax int) *numbersSeen {
	return &numbersSeen{recentMax: recentMax, recent: make(map[uint64]int32, recentMax)}
}

// first returns the line of the first row of number, if one was added.
func (s *numbersSeen) first(number uint64) (line int32, ok bool) {
	if line, ok := s.recent[number]; ok {
		return line, true
	}
	for _, r := range s.runs {
		if i, ok := slices.BinarySearch(r.keys, number); ok {
			return r.lines[i], true
		}
	}
	return 0, false
}

// add remembers number's first row, line; number must not have been added.
func (s *numbersSeen) add(number uint64, line int32) {
	s.recent[number] = line
	if len(s.recent) < s.recentMax {
		return
	}
	r := numbersRun{keys: make([]uint64, 0, len(s.recent)), lines: make([]int32, len(s.recent))}
	for k := range s.recent {
		r.keys = append(r.keys, k)
	}
	slices.Sort(r.keys)
	for i, k := range r.keys {
		r.lines[i] = s.recent[k]
	}
	clear(s.recent)
	for len(s.runs) > 0 && len(s.runs[len(s.runs)-1].keys) <= 2*len(r.keys) {
		r = mergeRuns(s.runs[len(s.runs)-1], r)
		s.runs = s.runs[:len(s.runs)-1]
	}
	s.runs = append(s.runs, r)
}

func mergeRuns(a, b numbersRun) numbersRun {
	n := len(a.keys) + len(b.keys)
	out := numbersRun{keys: make([]uint64, 0, n), lines: make([]int32, 0, n)}
	i, j := 0, 0
	for i < len(a.keys) || j < len(b.keys) {
		if j == len(b.keys) || (i < len(a.keys) && a.keys[i] < b.keys[j]) {
			out.keys, out.lines = append(out.keys, a.keys[i]), append(out.lines, a.lines[i])
			i++
		} else {
			out.keys, out.lines = append(out.keys, b.keys[j]), append(out.lines, b.lines[j])
			j++
		}
	}
	return out
}
