package textnorm

import (
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Plain is the words of s in matching form, one space between them, without
// the punctuation, symbols and emoji around and between them ("جزاك الله
// خير 🙏" is «جزاك الله خير», "stop." is "stop").
func Plain(s string) string { return strings.Join(words(Normalize(s)), " ") }

// Drop returns the words of s (as Plain) without the phrases of drop, each a
// word or several, matched whole ("yes please" without "please" is "yes").
func Drop(s string, drop []string) string {
	in := words(Normalize(s))
	phrases := make([][]string, 0, len(drop))
	for _, d := range drop {
		if w := words(Normalize(d)); len(w) > 0 {
			phrases = append(phrases, w)
		}
	}
	sort.SliceStable(phrases, func(i, j int) bool { return len(phrases[i]) > len(phrases[j]) }) // the longest phrase first
	kept := make([]string, 0, len(in))
next:
	for i := 0; i < len(in); {
		for _, p := range phrases {
			if hasPrefix(in[i:], p) {
				i += len(p)
				continue next
			}
		}
		kept = append(kept, in[i])
		i++
	}
	return strings.Join(kept, " ")
}

func hasPrefix(s, prefix []string) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i, w := range prefix {
		if s[i] != w {
			return false
		}
	}
	return true
}

// words splits folded text into words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Opening returns the labels with a name (labels hold names separated by
// " / ") whose first word is one of ws, in order: "No, thanks" and «لا أملك
// أيًّا منهما» open with a no; "At home or no contract" does not.
func Opening(labels []string, ws []string) []int {
	var out []int
	for i, l := range labels {
		for _, n := range strings.Split(l, " / ") {
			nw := words(Normalize(n))
			if len(nw) > 0 && slices.ContainsFunc(ws, func(w string) bool { return Normalize(w) == nw[0] }) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
