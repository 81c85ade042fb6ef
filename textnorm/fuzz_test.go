package textnorm

import (
	"testing"
	"unicode/utf8"
)

// FuzzNormalize: the matching form is valid UTF-8, at most MaxInputRunes
// long, without NUL or surrounding spaces, and normalising it again changes
// nothing; Number agrees with it, and NumberIn with Number; Choose names at
// most one label or reports two or more; Unsafe never panics.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"أإآٱا", "مُـسَـاعَـدَة", "١٢٣", "۴۵۶", "  HeLp  ", "hi 👋", "\u200fنعم\u200f", "a\x00b", "\xff\xfe", "\u202e123",
		"𝟙𝟚𝟛", "İSTANBUL", "ǅ", "٣.", " ٣ ", "\t\n\r", "", "1️⃣", "🔟 please", "انا من صور", "لا أدوات",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: not UTF-8", s, n)
		}
		if utf8.RuneCountInString(n) > MaxInputRunes {
			t.Fatalf("Normalize(%q): %d runes", s, utf8.RuneCountInString(n))
		}
		for _, r := range n {
			if r == 0 {
				t.Fatalf("Normalize(%q) = %q keeps a NUL", s, n)
			}
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, then %q", s, n, again)
		}
		if v, ok := Number(s); ok {
			if w, ok2 := Number(n); !ok2 || w != v {
				t.Fatalf("Number(%q) = %d but Number(%q) = %d, %v", s, v, n, w, ok2)
			}
		}
		if v, ok := Number(s); ok {
			if w, ok2 := NumberIn(s); !ok2 || w != v {
				t.Fatalf("Number(%q) = %d but NumberIn = %d, %v", s, v, w, ok2)
			}
		}
		c := matcher.Choose(s, []string{"جنوب الشرقية / صور", "شمال الشرقية", "Sign up", "ادوات ومكان", "ادوات فقط"})
		if c.Named && c.Fits != nil || !c.Named && len(c.Fits) == 1 {
			t.Fatalf("Choose(%q) = %+v", s, c)
		}
		Unsafe(s, true)
		Unsafe(s, false)
	})
}
