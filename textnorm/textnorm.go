// Package textnorm turns what people type into a canonical form for matching:
// Arabic letter variants folded, diacritics and tatweel removed, any script's
// digits made ASCII, case folded and spaces collapsed.
package textnorm

import (
	"strconv"
	"strings"
	"unicode"
)

// MaxInputRunes bounds how much of one inbound message is looked at.
// Longer messages are cut; nothing a person types on purpose is that long.
const MaxInputRunes = 1000

// Normalize returns the matching form of s.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	n := 0
	for _, r := range s {
		if n >= MaxInputRunes {
			break
		}
		n++
		r = foldRune(r)
		switch {
		case r == 0:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldRune maps one rune to its matching form; 0 means drop it.
func foldRune(r rune) rune {
	switch {
	case r >= '٠' && r <= '٩': // Arabic-Indic digits
		return '0' + (r - '٠')
	case r >= '۰' && r <= '۹': // Extended Arabic-Indic (Persian, Urdu) digits
		return '0' + (r - '۰')
	case unicode.IsDigit(r):
		if d, ok := digitValue(r); ok {
			return '0' + d
		}
		return r
	case r == 'ـ': // tatweel
		return 0
	case r >= 0x064B && r <= 0x065F, r == 0x0670: // harakat, superscript alef
		return 0
	case r == 0x200C || r == 0x200D || r == 0x200E || r == 0x200F || r == 0xFEFF: // joiners, marks, BOM
		return 0
	case r == 'أ', r == 'إ', r == 'آ', r == 'ٱ':
		return 'ا'
	case r == 'ى':
		return 'ي'
	case r == 'ة':
		return 'ه'
	case r == 'ؤ':
		return 'و'
	case r == 'ئ':
		return 'ي'
	case r == '،':
		return ','
	case r == '؟':
		return '?'
	}
	return unicode.ToLower(r)
}

// digitValue reads a decimal digit of any script.
func digitValue(r rune) (rune, bool) {
	for _, table := range unicode.Nd.R16 {
		lo, hi := rune(table.Lo), rune(table.Hi)
		if r < lo || r > hi {
			continue
		}
		// Unicode decimal digit ranges come in contiguous runs of ten starting at zero.
		return (r - lo) % 10, true
	}
	return 0, false
}

// Bare is s without the punctuation, symbols and emoji around its words
// ("مرحبا!" and "hi 👋" are "مرحبا" and "hi").
func Bare(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Number reads s as a whole non-negative number in any digit script,
// ignoring surrounding spaces, brackets and full stops ("2.", "(2)", "٢)"
// and "#2" are 2).
func Number(s string) (int, bool) {
	t := strings.TrimSpace(strings.Trim(strings.TrimSpace(Normalize(s)), ".()#"))
	if t == "" || len(t) > 6 {
		return 0, false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, false
	}
	return n, true
}
