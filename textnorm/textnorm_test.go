package textnorm

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"alef variants", "أإآٱا", "ااااا"},
		{"yaa and alef maqsura", "مساعدى", "مساعدي"},
		{"taa marbuta", "قائمة", "قايمه"},
		{"tatweel and diacritics", "مُـسَـاعَـدَة", "مساعده"},
		{"arabic-indic digits", "١٢٣", "123"},
		{"persian digits", "۴۵۶", "456"},
		{"english case", "  HeLp  ", "help"},
		{"collapse spaces", "a \t\n b", "a b"},
		{"emoji kept", "hi 👋", "hi 👋"},
		{"direction marks dropped", "\u200fنعم\u200f", "نعم"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Normalize(c.in); got != c.want {
				t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestNormalizeBoundsLongInput(t *testing.T) {
	got := Normalize(strings.Repeat("ب", 10000))
	if n := len([]rune(got)); n != MaxInputRunes {
		t.Fatalf("normalised length = %d runes, want %d", n, MaxInputRunes)
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"3", 3, true},
		{"٣", 3, true},
		{"۳", 3, true},
		{" 12 ", 12, true},
		{"١٢٣", 123, true},
		{"2.", 2, true},
		{"(2)", 2, true},
		{"٢)", 2, true},
		{"#٤", 4, true},
		{"١٠", 10, true},
		{"", 0, false},
		{"3a", 0, false},
		{"-1", 0, false},
		{"99999999999", 0, false},
		{"٣٣ كتب", 0, false},
	}
	for _, c := range cases {
		got, ok := Number(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Number(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestPlain(t *testing.T) {
	for in, want := range map[string]string{"مرحبا!": "مرحبا", "hi 👋": "hi", "؟؟ السلام عليكم.": "السلام عليكم", "...": "", "2.": "2",
		"جزاك الله خير 🙏": "جزاك الله خير", "شكراً،  جزيلاً!": "شكرا جزيلا", "my sign-ups": "my sign ups", "1️⃣": "1"} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}
