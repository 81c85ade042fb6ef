package locales

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/tamkeen/tamkeen/textnorm"
)

// arabicTexts returns every Arabic text of b by key (all plural forms), and
// the Arabic titles and descriptions of its demo opportunities under
// "demo.<key>.title" and "demo.<key>.description". With staff false, the web
// console's texts (console.*) are left out: what is left is what a
// beneficiary may read.
func arabicTexts(b *Bundle, staff bool) map[string]string {
	out := map[string]string{}
	for k, m := range b.keys["ar"] {
		if !staff && strings.HasPrefix(k, "console.") {
			continue
		}
		out[k] = strings.Join([]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}, "\n")
	}
	for _, d := range b.Demo {
		out["demo."+d.Key+".title"] = d.Title["ar"]
		out["demo."+d.Key+".description"] = d.Description["ar"]
	}
	return out
}

// TestArabicTanweenIsSpelledOneWay: the fathatan of a word ending in alif is
// written one way everywhere, on the alif («شكراً»، «أيضاً»), the way most of
// the catalog wrote it; «شكرًا» beside «شكراً» reads as two spellings.
func TestArabicTanweenIsSpelledOneWay(t *testing.T) {
	const before = "\u064b\u0627" // fathatan, then alif: «شكرًا»
	eachPack(t, func(t *testing.T, b *Bundle) {
		for k, text := range arabicTexts(b, true) {
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(line, before) || strings.Contains(line, "\u064b\u0651\u0627") {
					t.Errorf("%s: tanween before the alif, write it on the alif (اً): %q", k, line)
				}
			}
		}
	})
}

// masculineImperatives are commands that address one man. A beneficiary is
// asked in forms that fit anyone: a masdar («يرجى الاختيار»، «للسؤال»), the
// passive, «يمكنك …», or the plural the service uses of itself («احذفوا»).
// Words that are also a past tense, a noun or another person's verb in the
// catalog («شارك»، «تابع»، «تواصل»، «تذكر») are not listed.
var masculineImperatives = []string{
	"اختر", "اسأل", "اكتب", "أرسل", "اضغط", "اتصل", "خطّط", "احمل", "أعد", "ألغِ", "احذف", "أبقِ",
	"اقرأ", "جرّب", "انتظر", "اذهب", "استخدم", "ادخل", "أدخل", "اطلب", "انضم", "أجب", "قل", "اعرف",
	"ابحث", "احفظ", "اختبر", "راسل", "اتبع", "ضع", "خذ", "اعمل",
}

// bare drops diacritics and tatweel but keeps hamza apart, so that the
// command «اقرأ» (read!) and the answer «أقرأ» (I read) stay two words.
func bare(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) || r == 'ـ' {
			return -1
		}
		return r
	}, s)
}

var quoted = regexp.MustCompile(`«([^»]*)»`)

// TestNoMasculineImperativeToBeneficiaries: no text a beneficiary reads, in
// any pack, tells them to do something in the masculine. A command word in
// «» that the bot understands («ابدأ») is quoted, not an instruction.
func TestNoMasculineImperativeToBeneficiaries(t *testing.T) {
	bad := map[string]string{}
	for _, w := range masculineImperatives {
		bad[bare(w)] = w
	}
	eachPack(t, func(t *testing.T, b *Bundle) {
		keyword := map[string]bool{}
		for _, words := range b.Content.Keywords {
			for _, w := range words {
				keyword[textnorm.Normalize(w)] = true
			}
		}
		for k, text := range arabicTexts(b, false) {
			text = quoted.ReplaceAllStringFunc(text, func(q string) string {
				if keyword[textnorm.Normalize(strings.Trim(q, "«»"))] {
					return " "
				}
				return q
			})
			for _, word := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) }) {
				w := bare(word)
				if r := []rune(w); len(r) > 3 && (r[0] == 'و' || r[0] == 'ف') && bad[string(r[1:])] != "" {
					w = string(r[1:]) // «واسأل»، «فاختر»
				}
				if imp := bad[w]; imp != "" {
					t.Errorf("%s: «%s» tells one man what to do; use a form for anyone (يرجى، للـ…، يمكنك):\n%s", k, imp, text)
				}
			}
		}
	})
}
