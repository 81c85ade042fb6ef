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

// Normalize returns the matching form of s, at most MaxInputRunes long.
// Emoji digits are digits: a keycap ("2️⃣") is its digit, "🔟" is 10 and a
// circled number ("②") its number.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	in, out := 0, 0
	for _, r := range s {
		if in >= MaxInputRunes {
			break
		}
		in++
		digits := ""
		if v, ok := enclosedNumber(r); ok {
			digits = strconv.Itoa(v)
		} else if r = foldRune(r); r == 0 {
			continue
		} else if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		k := max(len(digits), 1)
		if space {
			k++
		}
		if out+k > MaxInputRunes {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if digits != "" {
			b.WriteString(digits)
		} else {
			b.WriteRune(r)
		}
		out += k
	}
	return b.String()
}

// enclosedNumber reads the emoji and symbols that show a number in a frame:
// 🔟, circled ①–⑳ and ⓪, and the dingbat ❶–❿, ➀–➉, ➊–➓. (A keycap is a
// plain digit followed by marks foldRune drops.)
func enclosedNumber(r rune) (int, bool) {
	switch {
	case r == 0x1F51F: // 🔟
		return 10, true
	case r >= 0x2460 && r <= 0x2473: // ① … ⑳
		return int(r-0x2460) + 1, true
	case r == 0x24EA: // ⓪
		return 0, true
	case r >= 0x2776 && r <= 0x277F: // ❶ … ❿
		return int(r-0x2776) + 1, true
	case r >= 0x2780 && r <= 0x2789: // ➀ … ➉
		return int(r-0x2780) + 1, true
	case r >= 0x278A && r <= 0x2793: // ➊ … ➓
		return int(r-0x278A) + 1, true
	}
	return 0, false
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
	case r == 0xFE0E || r == 0xFE0F || r == 0x20E3: // emoji presentation selectors, the keycap frame
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

// SentenceWords is how many words besides a number a message may have for
// NumberIn to read the number in it ("2 من فضلك", "number 2 please").
const SentenceWords = 4

// NumberIn reads the one number in a short message: a whole number in any
// digit script, keycap or circled, among at most SentenceWords other words
// ("2 please", "1️⃣", "رقم ٣ لو سمحت"). A message with two numbers, or a
// number glued to letters ("2nd"), has none.
func NumberIn(s string) (int, bool) {
	ws := words(Normalize(s))
	if len(ws) == 0 || len(ws) > SentenceWords+1 {
		return 0, false
	}
	found := ""
	for _, w := range ws {
		if !strings.ContainsFunc(w, isASCIIDigit) {
			continue
		}
		if found != "" || strings.ContainsFunc(w, func(r rune) bool { return !isASCIIDigit(r) }) {
			return 0, false
		}
		found = w
	}
	if found == "" || len(found) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(found)
	return n, err == nil
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }
