package locales

import (
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/textnorm"
)

// marks are words that belong to one country's programs, bodies and places,
// in Arabic and English. A pack may name another country's program only in a
// text that also names that country.
var marks = map[string][]string{
	"OM": {"وزارة التنمية الاجتماعية", "Ministry of Social Development", "دائرة تنمية وتمكين الأسرة", "Family Development and Empowerment Department", "مكسب", "Maksab", "سلطنة عمان", "Oman", "ظفار", "Dhofar", "أجفند", "AGFUND", "صندوق الحماية الاجتماعية", "Social Protection Fund", "بنك التنمية العُماني", "Oman Development Bank"},
	"JO": {"صندوق المعونة الوطنية", "National Aid Fund", "برنامج التشغيل الوطني", "National Employment Program", "صندوق التنمية والتشغيل", "Development and Employment Fund", "محور", "axis", "Fursa", "الأردن", "Jordan", "بدل مواصلات", "transport allowance"},
	"SA": {"جازان", "Jazan", "رؤية المملكة 2030", "Vision 2030", "التوطين", "localisation", "ضبط النفس", "self-control", "السعودية", "Saudi", "الإيجابية مع الذات", "positivity towards yourself", "ستة أبعاد", "six linked dimensions"},
	"EG": {"تكافل وكرامة", "Takaful", "حياة كريمة", "Hayah Karima", "Forsa", "وزارة التضامن", "Social Solidarity", "بطاقة الخدمات المتكاملة", "integrated services card", "المعيلات", "breadwinner", "مصر", "Egypt", "غير المنتظمة", "irregular workers", "الدعم النقدي المشروط", "conditional cash"},
}

// texts returns every text of b in lang by key (all plural forms joined),
// leaving out the names of currencies, which every pack shares.
func texts(b *Bundle, lang string) map[string]string {
	out := map[string]string{}
	for k, m := range b.keys[lang] {
		if strings.HasPrefix(k, "currency.") {
			continue
		}
		out[k] = textnorm.Normalize(strings.Join([]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}, "\n"))
	}
	return out
}

func hasMark(text, mark string) bool { return strings.Contains(text, textnorm.Normalize(mark)) }

// TestNoPackBorrowsAnotherCountrysFacts: no text a pack shows (its own or a
// shared one) speaks of another country's programs, bodies or places
// unless it names that country; and each pack does speak of its own.
func TestNoPackBorrowsAnotherCountrysFacts(t *testing.T) {
	names := map[string][]string{} // country → its names in every language
	for _, c := range Countries() {
		b, err := Load("", c)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range b.Languages() {
			n, _ := b.Text(l, "pack.country", nil)
			names[c] = append(names[c], textnorm.Normalize(n))
		}
	}
	eachPack(t, func(t *testing.T, b *Bundle) {
		own := b.Content.Pack.Country
		for _, l := range b.Languages() {
			all := texts(b, l)
			for other, words := range marks {
				if other == own {
					continue
				}
				for k, text := range all {
					for _, w := range words {
						if hasMark(text, w) && !namesCountry(text, names[other]) {
							t.Errorf("%s %s %s speaks of %s (%q) without naming it:\n%s", own, l, k, other, w, text)
						}
					}
				}
			}
			found := 0
			for _, w := range marks[own] {
				for _, text := range all {
					if hasMark(text, w) {
						found++
						break
					}
				}
			}
			if found < 3 {
				t.Errorf("%s %s: only %d of its own programs, bodies and places are named; lessons must name them", own, l, found)
			}
		}
	})
}

func namesCountry(text string, names []string) bool {
	for _, n := range names {
		if n != "" && strings.Contains(text, n) {
			return true
		}
	}
	return false
}

// TestLessonsNameTheirProgramAndSource: every lesson says whose program it is
// (the pack's ministry, program or country appears in the lesson) and records
// the article it comes from.
func TestLessonsNameTheirProgramAndSource(t *testing.T) {
	eachPack(t, func(t *testing.T, b *Bundle) {
		for _, l := range b.Languages() {
			all := texts(b, l)
			for _, m := range b.Content.Modules {
				if m.Source == "" {
					t.Errorf("module %s: no source article", m.ID)
				}
				var lesson strings.Builder
				for k, text := range all {
					if strings.HasPrefix(k, "module."+m.ID+".") {
						lesson.WriteString(text + "\n")
					}
				}
				named := false
				for _, w := range marks[b.Content.Pack.Country] {
					named = named || hasMark(lesson.String(), w)
				}
				if !named {
					t.Errorf("%s module %s: names none of its country's programs or bodies", l, m.ID)
				}
			}
		}
	})
}

// TestFactsAsTheArticlesSayThem pins the facts that were once wrong or
// missing (issue 14), each against its article in shared/seeds.
func TestFactsAsTheArticlesSayThem(t *testing.T) {
	type fact struct {
		country, lang, key string
		has                []string
		hasNot             []string
	}
	facts := []fact{
		// 000: Maksab's three subscription ways are alternatives, not a free trial then a fee.
		{"OM", "ar", "module.marketplace.sms", []string{"3 أشهر مجاناً بدعم الوزارة", "5 أو 10 ر.ع شهرياً"}, []string{"أول 3 أشهر"}},
		{"OM", "en", "module.marketplace.sms", []string{"one of 3 ways", "3 months free", "5 or 10 OMR a month"}, []string{"first 3 months"}},
		{"OM", "ar", "module.marketplace.page.4", []string{"ثلاث طرق، تختار واحدة منها", "5 ريالات", "10 ريالات", "وزارة التنمية الاجتماعية"}, nil},
		// 000: Tamkeen itself, and the producer-family database.
		{"OM", "ar", "module.tamkeen.page.1", []string{"التشغيل المباشر", "التدريب المقرون بالتشغيل", "تمويل المشروعات الصغيرة والمتوسطة", "التوعية والتثقيف"}, nil},
		{"OM", "ar", "module.tamkeen.page.3", []string{"قاعدة بيانات شاملة للأسر المنتجة", "2021–2022", "2023–2025"}, nil},
		// 003: the Dhofar forum's supporters and goals.
		{"OM", "ar", "module.financing.page.2", []string{"إدارة تنمية المؤسسات الصغيرة والمتوسطة بمحافظة ظفار", "صندوق الحماية الاجتماعية", "بنك التنمية العُماني"}, nil},
		{"OM", "ar", "module.family_forum.page.2", []string{"تمكين المرأة والشباب", "الشراكة بين القطاعين العام والخاص"}, nil},
		// 000 (issue 19): the article does not say a person may start on one way and move to
		// another, gives no advice on repaying a loan or what to bring to a visit, and does not
		// say what each Maksab app does beyond whom it serves.
		{"OM", "ar", "module.tracks.page.1", []string{"التشغيل المباشر", "التدريب المقرون بالتشغيل"}, []string{"الانتقال إلى آخر", "فاختر"}},
		{"OM", "en", "module.tracks.page.1", []string{"direct employment"}, []string{"move to another"}},
		{"OM", "ar", "module.financing.page.1", []string{"لتوفير الدعم المالي لبعض الحالات"}, []string{"سداده", "خطّط"}},
		{"OM", "ar", "module.marketplace.page.1", []string{"تطبيق التاجر", "تطبيق المندوب", "تطبيق المستهلك"}, []string{"متابعة طلباتك"}},
		{"OM", "ar", "module.help_centres.page.1", []string{"100 موظف", "أقساماً في المديريات الإقليمية"}, []string{"أقرب"}},
		{"OM", "ar", "module.help_centres.page.2", []string{"مكسب"}, []string{"بطاقتك الشخصية", "اتصل"}},
		// 001: the transport allowance is under discussion, with no "who takes a job" condition.
		{"JO", "ar", "module.employment_program.page.2", []string{"قيد النقاش، وليس نافذاً بعد", "9 أشهر", "12 شهراً", "وزارة التخطيط والبنك الدولي"}, []string{"يقبل وظيفة"}},
		{"JO", "en", "module.employment_program.page.2", []string{"Under discussion, not yet in force", "9 months", "12 months"}, []string{"takes a job"}},
		{"JO", "ar", "module.employment_program.sms", []string{"مقترح لم يبدأ بعد"}, nil},
		// 001: Karama is Jordan's axis for aid, beside Fursa for decent work.
		{"JO", "ar", "module.aid_to_work.page.2", []string{"محور «كرامة»: للمساعدات", "محور «فرصة»: لتوفير العمل اللائق"}, []string{"مشروط", "محورين"}},
		// 001 (issue 19): the article names these two axes; it does not say there are only two,
		// nor that the National Aid Fund runs the Karama axis.
		{"JO", "en", "module.aid_to_work.page.2", []string{"Karama", "Fursa"}, []string{"two axes"}},
		{"JO", "ar", "module.help_centres.page.1", []string{"المساعدات: صندوق المعونة الوطنية"}, []string{"كرامة"}},
		{"JO", "ar", "module.self_employment.page.1", []string{"صندوق التنمية والتشغيل"}, nil},
		// 002: localisation and persons with disabilities.
		{"SA", "ar", "module.tracks.page.1", []string{"مبادرات التوطين", "القطاع الخاص", "دعم ريادي"}, nil},
		{"SA", "ar", "module.jazan_forum.page.2", []string{"للأشخاص ذوي الإعاقة", "6136", "15"}, nil},
		// 002 (issue 19): the same facts in words a person with little schooling reads.
		{"SA", "ar", "module.tracks.page.2", []string{"رؤية المملكة 2030", "يكسبوا عيشهم بأنفسهم", "تعاون الجهات الحكومية والقطاع الخاص والجهات غير الربحية"}, []string{"يوحّد فيها الجهود"}},
		{"SA", "ar", "module.empowerment.page.3", []string{"الثقافي: أن يقدر الإنسان على تعديل أفكاره وقيمه وعاداته"}, []string{"تكييف القيم والمعتقدات والثقافة"}},
		{"SA", "en", "module.empowerment.page.3", []string{"Cultural: being able to change one's own ideas, values and habits"}, []string{"adapt values, beliefs and culture"}},
		// 004: Egypt's programs; the integrated services card is Egypt's ministry's.
		{"EG", "ar", "module.takaful_karama.page.1", []string{"الدعم النقدي المشروط", "وزارة التضامن الاجتماعي في مصر"}, []string{"محور"}},
		{"EG", "ar", "module.disability.page.2", []string{"بطاقة الخدمات المتكاملة", "فعّلت وزارة التضامن الاجتماعي"}, []string{"مديريت"}},
		{"EG", "ar", "module.forsa.page.1", []string{"«فرصة»", "«حياة كريمة»"}, nil},
		{"EG", "ar", "module.women.page.1", []string{"للأمهات المعيلات", "نساء في المناطق الريفية"}, nil},
		// 004 (issue 19): the article speaks of breadwinner mothers, not women; the ministry's
		// funding model is its own, not where a person's project money comes from.
		{"EG", "ar", "producer.intro", []string{"للأمهات المعيلات"}, []string{"النساء المعيلات"}},
		{"EG", "en", "producer.intro", []string{"breadwinner mothers"}, []string{"breadwinner women"}},
		{"EG", "ar", "module.forsa.page.2", []string{"كيف تموّل الوزارة برامجها؟", "المسؤولية المجتمعية"}, []string{"من أين يأتي التمويل"}},
		{"EG", "ar", "module.more_support.page.1", []string{"العمالة غير المنتظمة"}, nil},
	}
	bundles := map[string]*Bundle{}
	for _, f := range facts {
		b := bundles[f.country]
		if b == nil {
			var err error
			if b, err = Load("", f.country); err != nil {
				t.Fatal(err)
			}
			bundles[f.country] = b
		}
		text, err := b.Text(f.lang, f.key, map[string]any{})
		if err != nil {
			t.Errorf("%s %s: %v", f.country, f.key, err)
			continue
		}
		for _, s := range f.has {
			if !strings.Contains(text, s) {
				t.Errorf("%s %s %s lacks %q:\n%s", f.country, f.lang, f.key, s, text)
			}
		}
		for _, s := range f.hasNot {
			if strings.Contains(text, s) {
				t.Errorf("%s %s %s says %q:\n%s", f.country, f.lang, f.key, s, text)
			}
		}
	}
}
