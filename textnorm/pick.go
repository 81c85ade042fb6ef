package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pick finds the one label that typed words name: the whole label, or words
// of it, forgiving letter variants, the Arabic article and conjunction
// ("ال", "و") and one typo in a word of four letters or more (two from eight).
// A label may hold several names of its option separated by " / "; typing
// one of them whole picks it. It returns the label's index, or false when no
// label or more than one fits.
func Pick(input string, labels []string) (int, bool) {
	in := words(Normalize(input))
	if len(in) == 0 {
		return 0, false
	}
	long := false
	for _, w := range in {
		if utf8.RuneCountInString(w) >= 3 {
			long = true
		}
	}
	joined := strings.Join(in, " ")
	best, bestScore, tie := -1, 0, false
	for i, l := range labels {
		lw := words(Normalize(l))
		if len(lw) == 0 {
			continue
		}
		for _, name := range strings.Split(l, " / ") {
			if strings.Join(words(Normalize(name)), " ") == joined {
				return i, true // a whole name of the option, as written
			}
		}
		if !long {
			continue // a word or two of one or two letters names nothing
		}
		score := wordsScore(in, lw)
		switch {
		case score > bestScore:
			best, bestScore, tie = i, score, false
		case score == bestScore && score > 0:
			tie = true
		}
	}
	if best < 0 || tie {
		return 0, false
	}
	return best, true
}

// wordsScore is 0 unless every typed word of three letters or more is a word
// of the label (short ones such as "me" or «في» may be extra); then 2 per
// exact word and 1 per word with a typo, so exact matches win.
func wordsScore(in, label []string) int {
	score := 0
	for _, w := range in {
		s := 0
		for _, lw := range label {
			s = max(s, wordScore(w, lw))
		}
		if s == 0 && utf8.RuneCountInString(w) >= 3 {
			return 0
		}
		score += s
	}
	return score
}

func wordScore(typed, label string) int {
	tv, lv := variants(typed), variants(label)
	for _, a := range tv {
		for _, b := range lv {
			if a == b {
				return 2
			}
		}
	}
	for _, a := range tv {
		for _, b := range lv {
			n := utf8.RuneCountInString(b)
			allowed := 0
			switch {
			case n >= 8:
				allowed = 2
			case n >= 4:
				allowed = 1
			}
			if allowed > 0 && utf8.RuneCountInString(a) >= 3 && distance(a, b) <= allowed {
				return 1
			}
		}
	}
	return 0
}

// variants is a folded word with and without a leading "و", "ال" or "وال",
// when enough of it remains.
func variants(w string) []string {
	out := []string{w}
	for _, p := range []string{"وال", "ال", "و"} {
		if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 3 {
			out = append(out, rest)
		}
	}
	return out
}

// words splits folded text into words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
