package textnorm

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Choice is what typed words name among the labels of options.
type Choice struct {
	Index int  // the label named, when Named
	Named bool // one label, and only one, is named
	// Fits are the labels the words fit equally well when they name none of
	// them alone: two or more, in label order; nil otherwise.
	Fits []int
}

// Matcher finds the option that typed words name. Filler holds words and
// phrases that name no option ("the", «من», "please"): a sentence is read
// without them. Negations ("not", «لا») turn words around: typed, they
// keep every label that does not hold them from being named or fitted
// («لا أريد التسجيل» is not "sign up", «لا أملك» may be «لا أملك أيًّا منهما»).
type Matcher struct {
	Filler    []string
	Negations []string
}

// Pick is the label that typed words name (Matcher.Choose without filler),
// or false when none or more than one fits.
func Pick(input string, labels []string) (int, bool) {
	c := Matcher{}.Choose(input, labels)
	return c.Index, c.Named
}

// Choose finds the one label that typed words name. A label may hold several
// names of its option separated by " / ". The first of these that answers
// decides:
//
//  1. A whole name of the label, as written, spaces and hyphens aside
//     ("signups" and "my sign ups" are "My sign-ups").
//  2. Words of the label: every typed word of three letters or more is a
//     word of it, forgiving letter variants, the Arabic article and
//     conjunction ("ال", "و") and one typo in a word of four letters or
//     more (two from eight); exact words beat typos. A word or two of one or
//     two letters names nothing.
//  3. A sentence: the typed words, filler aside, that are words of labels
//     (exactly, or with one typo in a word of six letters or more). The
//     label whose words found include every other label's words found is
//     named: in «انا من ولاية صور في الشرقية», Sur and Sharqiyah are South
//     Ash Sharqiyah's words, Sharqiyah alone also North's.
//
// When the words fit two or more labels equally well, none is named and Fits
// lists them ("الباطنة" is North and South Al Batinah).
func (m Matcher) Choose(input string, labels []string) Choice {
	in := words(Normalize(input))
	if len(in) == 0 {
		return Choice{}
	}
	parsed := make([]label, len(labels))
	for i, l := range labels {
		parsed[i] = parseLabel(l)
	}
	joined, compact := strings.Join(in, " "), strings.Join(in, "")
	for i, l := range parsed {
		for _, n := range l.names {
			if n.joined == joined || n.compact == compact {
				return Choice{Index: i, Named: true} // a whole name of the option
			}
		}
	}
	long := false
	for _, w := range in {
		if utf8.RuneCountInString(w) >= 3 {
			long = true
		}
	}
	if !long {
		return Choice{}
	}
	m.negate(in, parsed)
	if c, ok := byWords(in, parsed); ok {
		return c
	}
	return m.sentence(input, parsed)
}

// negate empties the labels that lack a negation typed.
func (m Matcher) negate(in []string, labels []label) {
	for _, neg := range m.Negations {
		n := Normalize(neg)
		if n == "" || !slices.Contains(in, n) {
			continue
		}
		for i, l := range labels {
			if !slices.Contains(l.words, n) {
				labels[i].words = nil
			}
		}
	}
}

// label is a label read for matching (by words; nil words match nothing).
type label struct {
	names []name   // its names, each whole
	words []string // every word of it, and "signups" for "sign-ups"
}

type name struct{ joined, compact string }

func parseLabel(l string) label {
	var out label
	for _, n := range strings.Split(l, " / ") {
		w := words(Normalize(n))
		if len(w) > 0 {
			out.names = append(out.names, name{strings.Join(w, " "), strings.Join(w, "")})
		}
	}
	for _, token := range strings.Fields(Normalize(l)) {
		w := words(token)
		out.words = append(out.words, w...)
		if len(w) > 1 { // "sign-ups", typed "signups" too
			out.words = append(out.words, strings.Join(w, ""))
		}
	}
	return out
}

// byWords is the second way of Choose; false when no label fits.
func byWords(in []string, labels []label) (Choice, bool) {
	scores := make([]int, len(labels))
	best := 0
	for i, l := range labels {
		if len(l.words) == 0 {
			continue
		}
		scores[i] = wordsScore(in, l.words)
		best = max(best, scores[i])
	}
	if best == 0 {
		return Choice{}, false
	}
	return choiceAmong(scores, func(s int) bool { return s == best }), true
}

// choiceAmong names the one label whose score is top, or lists them all.
func choiceAmong(scores []int, top func(int) bool) Choice {
	var fits []int
	for i, s := range scores {
		if top(s) {
			fits = append(fits, i)
		}
	}
	if len(fits) == 1 {
		return Choice{Index: fits[0], Named: true}
	}
	return Choice{Fits: fits}
}

// sentence is the third way of Choose.
func (m Matcher) sentence(input string, labels []label) Choice {
	filler := map[string]bool{}
	for _, f := range m.Filler {
		if w := words(Normalize(f)); len(w) == 1 {
			filler[w[0]] = true
		}
	}
	var content []string
	for _, w := range words(Drop(input, m.Filler)) {
		if utf8.RuneCountInString(w) >= 3 {
			content = append(content, w)
		}
	}
	// found[i][j]: typed word j is a word of label i.
	found := make([][]bool, len(labels))
	for i, l := range labels {
		found[i] = make([]bool, len(content))
		for j, w := range content {
			for _, lw := range l.words {
				if !filler[lw] && utf8.RuneCountInString(lw) >= 3 && sentenceWord(w, lw) {
					found[i][j] = true
					break
				}
			}
		}
	}
	// A label is out when another's words found are more than its own.
	scores := make([]int, len(labels))
	for i := range labels {
		if !some(found[i]) {
			continue
		}
		scores[i] = 1
		for k := range labels {
			if k != i && strictSubset(found[i], found[k]) {
				scores[i] = 0
				break
			}
		}
	}
	return choiceAmong(scores, func(s int) bool { return s == 1 })
}

func some(set []bool) bool {
	for _, in := range set {
		if in {
			return true
		}
	}
	return false
}

// strictSubset reports whether a is a subset of b and smaller.
func strictSubset(a, b []bool) bool {
	smaller := false
	for i := range a {
		switch {
		case a[i] && !b[i]:
			return false
		case b[i] && !a[i]:
			smaller = true
		}
	}
	return smaller
}

// sentenceWord matches a word of a sentence with a word of a label: its
// variants exactly, or one typo in a label word of six letters or more.
func sentenceWord(typed, label string) bool {
	tv, lv := variants(typed), variants(label)
	for _, a := range tv {
		for _, b := range lv {
			if a == b {
				return true
			}
		}
	}
	for _, a := range tv {
		for _, b := range lv {
			if utf8.RuneCountInString(b) >= 6 && utf8.RuneCountInString(a) >= 5 && distance(a, b) <= 1 {
				return true
			}
		}
	}
	return false
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
