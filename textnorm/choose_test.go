package textnorm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	filler    = []string{"انا", "من", "في", "ولاية", "the", "please", "من فضلك", "i", "want"}
	negations = []string{"لا", "لم", "not", "no", "t"}
	matcher   = Matcher{Filler: filler, Negations: negations}
)

func TestChoose(t *testing.T) {
	governorates := []string{
		"مسقط / مسقط، مطرح / Muscat / Muscat, Muttrah",
		"ظفار / صلالة، طاقة / Dhofar / Salalah, Taqah",
		"شمال الباطنة / صحار، شناص / North Al Batinah / Sohar, Shinas",
		"جنوب الباطنة / الرستاق، بركاء / South Al Batinah / Rustaq, Barka",
		"جنوب الشرقية / صور، مصيرة / South Ash Sharqiyah / Sur, Masirah",
		"شمال الشرقية / إبراء، بدية / North Ash Sharqiyah / Ibra, Bidiyah",
	}
	equipment := []string{"أدوات ومكان / Tools and a place", "أدوات فقط / Tools only", "مكان فقط / A place only", "لا أملك أيًّا منهما / Neither"}
	selling := []string{"نعم، عبر الإنترنت / Yes, online", "نعم، في منطقتي / Yes, in my area", "لا / No"}
	page := []string{"سجّلني / Sign up", "رجوع / Back", "القائمة الرئيسية / Main menu"}
	enMenu := []string{"Learn about the programs", "Discover your skills", "Trainings, jobs and events", "My sign-ups"}
	cases := []struct {
		name   string
		in     string
		labels []string
		want   Choice
	}{
		{"a town inside a sentence", "انا من ولاية صور في الشرقية", governorates, Choice{Index: 4, Named: true}},
		{"a town inside an english sentence", "I live in Sur, Sharqiyah", governorates, Choice{Index: 4, Named: true}},
		{"a word two options share", "الباطنة", governorates, Choice{Fits: []int{2, 3}}},
		{"a shared word inside a sentence", "انا من الشرقية", governorates, Choice{Fits: []int{4, 5}}},
		{"two places named", "بين صحار وصلالة", governorates, Choice{Fits: []int{1, 2}}},
		{"a word of two answers", "أدوات", equipment, Choice{Fits: []int{0, 1}}},
		{"a word of two answers, in English", "tools", equipment, Choice{Fits: []int{0, 1}}},
		{"yes fits the two yes answers", "نعم", selling, Choice{Fits: []int{0, 1}}},
		{"no is its own answer", "لا", selling, Choice{Index: 2, Named: true}},
		{"a negated answer is the negative one", "لا أملك", equipment, Choice{Index: 3, Named: true}},
		{"a negation keeps a sign-up from being named", "لا أريد سجلني", page, Choice{}},
		{"a negation in english", "I don't want to sign up", page, Choice{}},
		{"filler aside, the sentence names the option", "the trainings please", enMenu, Choice{Index: 2, Named: true}},
		{"one typo in a long word of a sentence", "I want a training", enMenu, Choice{Index: 2, Named: true}},
		{"words of nothing", "كلام غير مفهوم", governorates, Choice{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := matcher.Choose(c.in, c.labels)
			if got.Named != c.want.Named || got.Index != c.want.Index || !slices.Equal(got.Fits, c.want.Fits) {
				t.Errorf("Choose(%q) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}

// words for generated labels and sentences: pairwise at least three edits
// apart, none starting with the Arabic article or conjunction, so that no
// two are one word by the rules of matching.
func wordPool(r *rand.Rand, n int) []string {
	alphabets := [][]rune{[]rune("بتثجحخدذرزسشصضطظعغفقكلمنهي"), []rune("bcdfghjklmnpqrstvwxz")}
	var pool []string
	for len(pool) < n {
		a := alphabets[r.IntN(len(alphabets))]
		w := make([]rune, 4+r.IntN(5))
		for i := range w {
			w[i] = a[r.IntN(len(a))]
		}
		cand := string(w)
		ok := true
		for _, p := range pool {
			if distance(cand, p) < 3 {
				ok = false
				break
			}
		}
		if ok {
			pool = append(pool, cand)
		}
	}
	return pool
}

// generated is a random set of labels: each of one to three words of its
// own, and optionally one word shared with the next label.
type generated struct {
	labels []string
	own    [][]string // the words only label i has
	shared []string   // shared[i]: a word of labels i and i+1, "" for none
	noise  []string   // words of no label
}

func generate(r *rand.Rand) generated {
	n := 2 + r.IntN(10)
	pool := wordPool(r, n*4+8)
	g := generated{own: make([][]string, n), shared: make([]string, n)}
	next := 0
	take := func() string { next++; return pool[next-1] }
	words := make([][]string, n)
	for i := range n {
		for range 1 + r.IntN(3) {
			w := take()
			g.own[i] = append(g.own[i], w)
			words[i] = append(words[i], w)
		}
		if i+1 < n && r.IntN(3) == 0 {
			g.shared[i] = take()
		}
	}
	for i, w := range g.shared {
		if w != "" {
			words[i] = append(words[i], w)
			words[i+1] = append(words[i+1], w)
		}
	}
	for i := range n {
		g.labels = append(g.labels, strings.Join(words[i], " "))
	}
	g.noise = pool[next:]
	return g
}

// sentence shuffles words with noise and filler around them.
func sentence(r *rand.Rand, g generated, words ...string) string {
	all := slices.Clone(words)
	for range r.IntN(4) {
		all = append(all, g.noise[r.IntN(len(g.noise))])
	}
	for range r.IntN(3) {
		all = append(all, filler[r.IntN(len(filler))])
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	punct := []string{" ", " ", ", ", "، ", "! ", " 🙏 "}
	var b strings.Builder
	for i, w := range all {
		if i > 0 {
			b.WriteString(punct[r.IntN(len(punct))])
		}
		b.WriteString(w)
	}
	return b.String()
}

// TestChooseSentences: over random labels, a sentence holding words of one
// label only (with words of no label and filler around) names it; words of
// two labels name neither and report both; a negation no label holds names
// and fits nothing.
func TestChooseSentences(t *testing.T) {
	for seed := range uint64(1500) {
		r := rand.New(rand.NewPCG(seed, 19))
		g := generate(r)
		i := r.IntN(len(g.labels))
		some := slices.Clone(g.own[i])
		r.Shuffle(len(some), func(a, b int) { some[a], some[b] = some[b], some[a] })
		some = some[:1+r.IntN(len(some))]
		if s := g.shared[i]; s != "" && r.IntN(2) == 0 {
			some = append(some, s) // also a word it shares: its own words still decide
		}
		in := sentence(r, g, some...)
		if got := matcher.Choose(in, g.labels); !got.Named || got.Index != i {
			t.Fatalf("seed %d: %q among %q: got %+v, want label %d named", seed, in, g.labels, got, i)
		}

		j := r.IntN(len(g.labels) - 1)
		if j >= i {
			j++
		}
		in = sentence(r, g, g.own[i][r.IntN(len(g.own[i]))], g.own[j][r.IntN(len(g.own[j]))])
		want := []int{min(i, j), max(i, j)}
		if got := matcher.Choose(in, g.labels); got.Named || !slices.Equal(got.Fits, want) {
			t.Fatalf("seed %d: %q among %q: got %+v, want %v reported", seed, in, g.labels, got, want)
		}

		for k, s := range g.shared {
			if s == "" {
				continue
			}
			in = sentence(r, g, s)
			if got := matcher.Choose(in, g.labels); got.Named || !slices.Equal(got.Fits, []int{k, k + 1}) {
				t.Fatalf("seed %d: %q (a word of labels %d and %d) among %q: got %+v", seed, in, k, k+1, g.labels, got)
			}
		}

		in = sentence(r, g, append(slices.Clone(g.own[i]), "لا")...)
		if got := matcher.Choose(in, g.labels); got.Named || got.Fits != nil {
			t.Fatalf("seed %d: %q with a negation among %q: got %+v, want nothing", seed, in, g.labels, got)
		}
	}
}

// digitScripts writes n the ways people type a number: ASCII, Arabic-Indic,
// Persian, full-width and Devanagari digits, and for 0 to 10 a keycap emoji,
// for 1 to 20 a circled number.
func digitScripts(n int) []string {
	var out []string
	for _, zero := range []rune{'0', '٠', '۰', '０', '०'} {
		var b strings.Builder
		for _, d := range fmt.Sprint(n) {
			b.WriteRune(zero + (d - '0'))
		}
		out = append(out, b.String())
	}
	switch {
	case n == 10:
		out = append(out, "🔟")
	case n < 10:
		out = append(out, fmt.Sprintf("%d\uFE0F\u20E3", n), fmt.Sprintf("%d\u20E3", n))
	}
	if n >= 1 && n <= 20 {
		out = append(out, string(rune(0x2460+n-1)))
	}
	return out
}

// TestNumberInASentence: for every option count up to 20 and every option,
// the option's number in any digit script, keycap or circled, alone or among
// up to SentenceWords other words with any punctuation, is that number; a
// second number, a number glued to letters or a long message has none.
func TestNumberInASentence(t *testing.T) {
	others := []string{"من فضلك", "please", "رقم", "number", "الخيار", "option", "ابي", "plz", "لو سمحت", "🙏", "!", "،"}
	r := rand.New(rand.NewPCG(19, 2))
	for count := 1; count <= 20; count++ {
		for n := 1; n <= count; n++ {
			for _, written := range digitScripts(n) {
				if got, ok := NumberIn(written); !ok || got != n {
					t.Fatalf("NumberIn(%q) = %d, %v; want %d", written, got, ok, n)
				}
				for range 20 {
					var parts []string
					for range r.IntN(SentenceWords + 1) {
						parts = append(parts, others[r.IntN(len(others))])
					}
					// Count the words around, as they are: at most SentenceWords.
					for len(words(Normalize(strings.Join(parts, " ")))) > SentenceWords {
						parts = parts[1:]
					}
					at := r.IntN(len(parts) + 1)
					msg := strings.Join(slices.Insert(slices.Clone(parts), at, written), []string{" ", "  ", ", "}[r.IntN(3)])
					if got, ok := NumberIn(msg); !ok || got != n {
						t.Fatalf("NumberIn(%q) = %d, %v; want %d", msg, got, ok, n)
					}
					if _, ok := NumberIn(msg + " " + fmt.Sprint(r.IntN(30))); ok {
						t.Fatalf("NumberIn(%q + another number) found one", msg)
					}
				}
			}
		}
	}
	for _, msg := range []string{"2nd", "ب2", "1 2", "2.5", "", "🙏", "please", "one two three four five 2", strings.Repeat("٣", 7)} {
		if n, ok := NumberIn(msg); ok {
			t.Errorf("NumberIn(%q) = %d, want none", msg, n)
		}
	}
}

// TestNormalizeReadsEmojiDigits: keycaps and framed numbers are digits, so
// that "1️⃣" picks option 1 and "0️⃣" is the menu wherever a digit is read.
func TestNormalizeReadsEmojiDigits(t *testing.T) {
	for in, want := range map[string]string{"1️⃣": "1", "٢️⃣": "2", "🔟": "10", "②": "2", "⑳": "20", "❸": "3", "#️⃣": "#", "❤️": "❤", "1️⃣0️⃣": "10"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if n, ok := Number(in); strings.Trim(want, "0123456789") == "" && (!ok || fmt.Sprint(n) != want) {
			t.Errorf("Number(%q) = %d, %v; want %s", in, n, ok, want)
		}
	}
	long := Normalize(strings.Repeat("🔟", MaxInputRunes))
	if utf8.RuneCountInString(long) > MaxInputRunes {
		t.Errorf("%d runes from expanding emoji, over %d", utf8.RuneCountInString(long), MaxInputRunes)
	}
}

// TestDrop: filler phrases go whole, the longest first; other words stay in order.
func TestDrop(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"yes please", "yes"},
		{"نعم من فضلك 🙏", "نعم"},
		{"من صحار", "صحار"},
		{"please", ""},
		{"I want the menu", "menu"},
		{"فضلك من", "فضلك"},
	} {
		if got := Drop(c.in, filler); got != c.want {
			t.Errorf("Drop(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOpening: an option answers yes or no when one of its names opens with
// the word, in either language; a no inside a name is not its opening.
func TestOpening(t *testing.T) {
	experience := []string{"لم أعمل من قبل / Never worked", "عمل من البيت أو بلا عقد / At home or no contract", "عملت أقل من سنتين / Less than 2 years"}
	selling := []string{"نعم، عبر الإنترنت / Yes, online", "نعم، في منطقتي / Yes, in my area", "لا / No"}
	for _, c := range []struct {
		labels []string
		ws     []string
		want   []int
	}{
		{experience, []string{"لا", "لم", "no", "never"}, []int{0}},
		{experience, []string{"no"}, nil},
		{selling, []string{"نعم", "yes"}, []int{0, 1}},
		{selling, []string{"No"}, []int{2}},
	} {
		if got := Opening(c.labels, c.ws); !slices.Equal(got, c.want) {
			t.Errorf("Opening(%q, %q) = %v, want %v", c.labels, c.ws, got, c.want)
		}
	}
}
