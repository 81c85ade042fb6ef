package whatsapp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends a shortened title.
const Ellipsis = "…"

// Units counts s the way WhatsApp's limits are read here: in UTF-16 code
// units, the stricter of the two ways a platform may count characters (an
// emoji is two, an Arabic letter or diacritic one), so a text within it is
// within Meta's limit however Meta counts.
func Units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// Shorten fits a one-line title into max units (Units): whitespace runs
// become one space, and a title too long is cut at the last word boundary
// that fits, with Ellipsis. A first word longer than the room is cut
// between letters, never inside one: a letter keeps its diacritics (an
// Arabic shadda with its vowel), an emoji its skin tone, its ZWJ partners
// and its variation selector, a flag both its halves.
func Shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if Units(s) <= max {
		return s
	}
	room := max - Units(Ellipsis)
	if room <= 0 {
		return ""
	}
	end, used := 0, 0 // bytes of s that fit, whole clusters only
	for _, c := range Graphemes(s) {
		if used+Units(c) > room {
			break
		}
		end += len(c)
		used += Units(c)
	}
	cut := s[:end]
	rest, _, _ := strings.Cut(s[end:], " ")
	if strings.Trim(rest, trailing) != "" {
		// The cut falls inside a word: back to the space before it, if any.
		if i := strings.LastIndexByte(cut, ' '); i > 0 && strings.TrimRight(cut[:i], " "+trailing) != "" {
			cut = cut[:i]
		}
	}
	if trimmed := strings.TrimRight(cut, " "+trailing); trimmed != "" {
		cut = trimmed
	}
	if cut == "" {
		return ""
	}
	return cut + Ellipsis
}

// trailing is punctuation a shortened title does not end with before its ellipsis.
const trailing = ",:;،؛"

// Graphemes splits s into user-perceived characters (a simplified form of
// Unicode's extended grapheme clusters, enough for Arabic, Latin and
// emoji): a cluster is a base character with the combining marks, ZWJ
// sequences, variation selectors, emoji modifiers and tags that follow it;
// two regional indicators make one flag; a prepended mark (the Arabic
// number sign) joins what follows.
func Graphemes(s string) []string {
	var out []string
	start := 0
	var prev rune = -1
	ris := 0 // regional indicators in a row, up to prev
	for i, r := range s {
		if prev >= 0 && !joins(prev, r, ris) {
			out = append(out, s[start:i])
			start = i
		}
		if regional(r) {
			ris++
		} else {
			ris = 0
		}
		prev = r
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// joins says whether r belongs to the cluster that prev ends (ris: the
// regional indicators in a row ending with prev).
func joins(prev, r rune, ris int) bool {
	switch {
	case Extends(r):
		return true
	case prev == zwj:
		return true // an emoji ZWJ sequence: 👩‍👧
	case prepended(prev):
		return true
	case regional(prev) && regional(r):
		return ris%2 == 1 // pairs: 🇴🇲🇪🇬 is two flags
	}
	return false
}

const zwj = 0x200D

// Extends reports whether r never starts a character of its own: a
// combining mark (Arabic harakat, shadda, Latin accents), the zero-width
// joiner, a variation selector, an emoji skin tone or a tag.
func Extends(r rune) bool {
	switch {
	case r == zwj:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // emoji modifiers (skin tones)
		return true
	case r >= 0xE0020 && r <= 0xE007F: // tags (subdivision flags)
		return true
	}
	return r != utf8.RuneError && unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

func regional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// prepended: characters that join the one after them (Arabic number signs).
func prepended(r rune) bool {
	return r >= 0x0600 && r <= 0x0605 || r == 0x06DD || r == 0x070F || r == 0x08E2
}
