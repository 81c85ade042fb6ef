package whatsapp

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// pieces are whole user-perceived characters: Arabic letters bare and with
// their diacritics (a shadda with a vowel, a superscript alef), Latin
// letters plain and accented by a combining mark, digits and the Arabic
// number sign with its digit, punctuation, and emoji with skin tones, ZWJ
// sequences, variation selectors, keycaps, flags and tag sequences.
var pieces = []string{
	"ب", "ت", "م", "ح", "د", "ع", "ل", "ا", "ة", "ى", "ـ",
	"بَ", "مُ", "دِّ", "حّ", "لْ", "هٰ", "كَّ", "سُّ",
	"a", "b", "z", "T", "e\u0301", "n\u0303", "0", "7", "١", "٣", "\u0600١", "\u06DD٢",
	".", ",", ":", "؟", "«", "»", "-", "(", ")",
	"🌱", "👍🏽", "👩\u200d👧\u200d👦", "❤\ufe0f", "🇴🇲", "🇪🇬", "1\ufe0f\u20e3", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "🧕🏾",
}

// randomTitle builds a title of whole characters separated by single spaces;
// cuts are the byte offsets where a character ends.
func randomTitle(r *rand.Rand) (title string, cuts map[int]bool) {
	var b strings.Builder
	cuts = map[int]bool{0: true}
	words := 1 + r.IntN(6)
	for w := 0; w < words; w++ {
		if w > 0 {
			b.WriteString(" ")
			cuts[b.Len()] = true
		}
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			cuts[b.Len()] = true
		}
	}
	return b.String(), cuts
}

// Shorten, over many random titles of Arabic, Latin and emoji and every
// limit WhatsApp sets: the result fits; a title that fits is unchanged;
// one that does not ends in an ellipsis after a prefix of the title that
// ends between two characters (never between a letter and its diacritic,
// inside an emoji sequence or between a flag's halves), at a word boundary
// unless the first word alone is too long, and keeps as many whole words
// as fit.
func TestShortenProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 2026))
	limits := []int{MaxButtonTitle, MaxRowTitle, MaxListButton, MaxRowDescription, MaxSectionTitle}
	for i := 0; i < 20000; i++ {
		title, cuts := randomTitle(r)
		max := limits[i%len(limits)]
		got := Shorten(title, max)
		fail := func(why string) {
			t.Fatalf("Shorten(%q, %d) = %q: %s", title, max, got, why)
		}
		if Units(got) > max {
			fail("too long")
		}
		if !utf8.ValidString(got) {
			fail("not valid UTF-8")
		}
		if Units(title) <= max {
			if got != title {
				fail("a title that fits must stay as it is")
			}
			continue
		}
		p, ok := strings.CutSuffix(got, Ellipsis)
		if !ok {
			fail("a shortened title ends with an ellipsis")
		}
		if !strings.HasPrefix(title, p) {
			fail("not a prefix of the title")
		}
		if !cuts[len(p)] {
			fail("cut inside a character")
		}
		// The first word with more than punctuation, and what comes before it.
		var first string
		for _, w := range strings.Split(title, " ") {
			first = strings.TrimPrefix(first+" "+w, " ")
			if strings.Trim(w, ",:;،؛") != "" {
				break
			}
		}
		first = strings.TrimRight(first, ",:;،؛")
		rest := strings.TrimLeft(title[len(p):], ",:;،؛")
		atWord := strings.HasPrefix(rest, " ")
		if i := strings.LastIndex(p, " "); !atWord && i >= 0 && strings.Trim(p[:i], " ,:;،؛") != "" {
			fail("cut inside a word while an earlier word boundary fits")
		}
		if !atWord && Units(first)+Units(Ellipsis) <= max {
			fail("the first word fits, yet it was cut")
		}
		if atWord {
			// The next word would not have fitted.
			next := strings.TrimLeft(rest, " ")
			word, _, _ := strings.Cut(next, " ")
			longer := strings.TrimRight(title[:len(title)-len(next)]+word, " ,:;،؛")
			if Units(longer)+Units(Ellipsis) <= max && longer != title && longer != p {
				fail("a whole word more would have fitted: " + longer)
			}
		}
		if p == "" && Units(Graphemes(title)[0])+Units(Ellipsis) <= max {
			fail("empty, though the first character fits")
		}
	}
}

func TestShortenExamples(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Trainings, jobs and events", 24, "Trainings, jobs and…"},
		{"My sign-ups", 20, "My sign-ups"},
		{"  two\n\tlines  ", 20, "two lines"},
		{"«فرصة» و«حياة كريمة»: عمل ومشروع", 24, "«فرصة» و«حياة كريمة»…"},
		{"مُحَمَّدٌ مُحَمَّدٌ مُحَمَّدٌ", 20, "مُحَمَّدٌ مُحَمَّدٌ…"}, // 9 units a name: two fit with the ellipsis
		{"مُحَمَّدٌ مُحَمَّدٌ مُحَمَّدٌ", 19, "مُحَمَّدٌ…"},
		{"بَبَبَبَبَبَبَبَبَبَبَبَبَبَ", 20, "بَبَبَبَبَبَبَبَبَ…"},
		{"👩\u200d👧\u200d👦👩\u200d👧\u200d👦👩\u200d👧\u200d👦", 20, "👩\u200d👧\u200d👦👩\u200d👧\u200d👦…"}, // 8 units a family
		{"👩\u200d👧\u200d👦👩\u200d👧\u200d👦👩\u200d👧\u200d👦", 16, "👩\u200d👧\u200d👦…"},
		{"🇴🇲🇴🇲🇴🇲🇴🇲🇴🇲🇴🇲", 20, "🇴🇲🇴🇲🇴🇲🇴🇲…"},
		{"Employment👍🏽👍🏽👍🏽👍🏽", 20, "Employment👍🏽👍🏽…"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// Graphemes keeps each of the pieces whole, and splits a run of them back
// into the pieces (no piece joins its neighbour, except regional indicators
// which pair in order).
func TestGraphemesKeepCharactersWhole(t *testing.T) {
	for _, p := range pieces {
		if g := Graphemes(p); len(g) != 1 {
			t.Errorf("%q splits into %q", p, g)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		var want []string
		for range 1 + r.IntN(20) {
			want = append(want, pieces[r.IntN(len(pieces))])
		}
		got := Graphemes(strings.Join(want, ""))
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("Graphemes(%q) = %q, want %q", strings.Join(want, ""), got, want)
		}
	}
}
