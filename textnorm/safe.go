package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// Unsafe returns the first character of s that may not be stored or shown to
// people, and true; or false when there is none. Refused are: bytes that are
// not UTF-8 and NUL (PostgreSQL stores neither), other control characters
// (tab, line feed and carriage return are allowed when multiline), and the
// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069) that can make text read as something else. The marks
// Arabic text uses (U+200E, U+200F, U+061C) and joiners are allowed.
func Unsafe(s string, multiline bool) (rune, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			return r, true
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline {
				return r, true
			}
		case unicode.IsControl(r):
			return r, true
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// validAt reports whether the U+FFFD at byte i of s is really written there
// (rather than standing for a byte that is not UTF-8).
func validAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 3
}
