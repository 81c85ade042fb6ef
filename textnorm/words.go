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
func Drop(s string, drop []string) string { return NewPhrases(drop).Drop(s) }

// Phrases are words and phrases in matching form, the longest first, ready
// to be dropped from messages.
type Phrases [][]string

// NewPhrases prepares list for Drop.
func NewPhrases(list []string) Phrases {
	p := make(Phrases, 0, len(list))
	for _, d := range list {
		if w := words(Normalize(d)); len(w) > 0 {
			p = append(p, w)
		}
	}
	sort.SliceStable(p, func(i, j int) bool { return len(p[i]) > len(p[j]) }) // the longest phrase first
	return p
}

// Drop returns the words of s (as Plain) without the phrases.
func (p Phrases) Drop(s string) string {
	in := words(Normalize(s))
	kept := make([]string, 0, len(in))
next:
	for i := 0; i < len(in); {
		for _, ph := range p {
			if hasPrefix(in[i:], ph) {
				i += len(ph)
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
