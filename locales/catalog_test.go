package locales

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eachPack runs f on the catalogs of every country pack.
func eachPack(t *testing.T, f func(t *testing.T, b *Bundle)) {
	t.Helper()
	countries := Countries()
	if len(countries) < 4 {
		t.Fatalf("packs %v: want OM, JO, SA and EG at least", countries)
	}
	for _, c := range countries {
		t.Run(c, func(t *testing.T) {
			b, err := Load("", c)
			if err != nil {
				t.Fatal(err)
			}
			f(t, b)
		})
	}
}

func TestEveryKeyExistsInEveryLanguage(t *testing.T) {
	eachPack(t, everyKeyExistsInEveryLanguage)
}

func everyKeyExistsInEveryLanguage(t *testing.T, b *Bundle) {
	all := map[string]bool{}
	for _, l := range b.Languages() {
		for _, k := range b.Keys(l) {
			all[k] = true
		}
	}
	for _, l := range b.Languages() {
		for k := range all {
			if !b.Has(l, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
}

var templateField = regexp.MustCompile(`\{\{[^}]*?\.(\w+)`)

// Both languages must use the same data fields, or one of them shows a hole.
func TestTemplatesUseTheSameFields(t *testing.T) {
	eachPack(t, templatesUseTheSameFields)
}

func templatesUseTheSameFields(t *testing.T, b *Bundle) {
	fields := func(l, k string) []string {
		m := b.keys[l][k]
		var out []string
		for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			for _, f := range templateField.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(out, f[1]) {
					out = append(out, f[1])
				}
			}
		}
		slices.Sort(out)
		return out
	}
	for _, k := range b.Keys("en") {
		en, ar := fields("en", k), fields("ar", k)
		if !slices.Equal(en, ar) {
			t.Errorf("%q: English uses %v, Arabic uses %v", k, en, ar)
		}
	}
}

// Arabic has six plural forms; a counted text must give the ones counts reach.
func TestArabicCountedTextsHavePluralForms(t *testing.T) {
	eachPack(t, arabicCountedTextsHavePluralForms)
}

func arabicCountedTextsHavePluralForms(t *testing.T, b *Bundle) {
	for _, k := range b.Keys("ar") {
		m := b.keys["ar"][k]
		if m.One == "" && m.Few == "" && m.Many == "" {
			continue // not a counted text
		}
		if m.One == "" || m.Two == "" || m.Few == "" || m.Many == "" || m.Other == "" {
			t.Errorf("%q: counted Arabic text needs one, two, few, many and other forms", k)
		}
		for _, n := range []int{1, 2, 3, 11, 100} {
			s, err := b.Text("ar", k, map[string]any{"Count": n, "Min": 1, "Max": 2})
			if err != nil || strings.Contains(s, "<no value>") {
				t.Errorf("%q with %d: %q, %v", k, n, s, err)
			}
		}
	}
}

func TestContentHasItsWords(t *testing.T) {
	eachPack(t, contentHasItsWords)
}

func contentHasItsWords(t *testing.T, b *Bundle) {
	c := b.Content
	var need []string
	for _, g := range c.Governorates {
		need = append(need, "gov."+g)
	}
	for _, tr := range c.Tracks {
		need = append(need, "track."+tr, "track."+tr+".why")
	}
	for _, m := range c.Modules {
		need = append(need, "module."+m.ID+".title", "module."+m.ID+".sms")
		for p := 1; p <= m.Pages; p++ {
			need = append(need, "module."+m.ID+".page."+strconv.Itoa(p))
		}
	}
	for _, q := range c.Questions {
		need = append(need, "question."+q.ID+".text")
		for _, o := range q.Options {
			need = append(need, "question."+q.ID+".option."+o.ID)
			for _, s := range o.Strengths {
				need = append(need, "strength."+s)
			}
		}
	}
	for _, l := range b.Languages() {
		for _, k := range need {
			if !b.Has(l, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
	if len(c.Modules) < 4 || len(c.Questions) < 8 {
		t.Errorf("want at least 4 modules and 8 questions, have %d and %d", len(c.Modules), len(c.Questions))
	}
	for _, k := range []string{"pack.country", "pack.ministry", "pack.program", "pack.office", "currency." + c.Pack.Currency} {
		need = append(need, k)
	}
	for _, l := range b.Languages() {
		for _, k := range need {
			if !b.Has(l, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
	if len(b.Demo) == 0 {
		t.Error("a pack needs demo opportunities in its own regions")
	}
	for _, d := range b.Demo {
		if d.Title["ar"] == "" || d.Title["en"] == "" || !c.HasGovernorate(d.Governorate) && d.Governorate != "" {
			t.Errorf("demo %q: needs ar and en titles and a known governorate", d.Key)
		}
	}
}

func TestContentDirOverridesAText(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "messages"), 0o755); err != nil {
		t.Fatal(err)
	}
	override := "[\"menu.help\"]\nother = \"Need a hand?\"\n"
	if err := os.WriteFile(filepath.Join(dir, "messages", "staff.en.toml"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Text("en", "menu.help", nil); got != "Need a hand?" {
		t.Fatalf("override not applied: %q", got)
	}
	if got, _ := b.Text("ar", "menu.help", nil); got != "مساعدة" {
		t.Fatalf("Arabic text changed by an English override: %q", got)
	}
	if _, err := Load(filepath.Join(dir, "missing"), ""); err == nil {
		t.Fatal("a missing TAMKEEN_CONTENT_DIR must be an error")
	}
}

func TestUnsupportedLanguageFallsBackToArabic(t *testing.T) {
	b := load(t)
	got, err := b.Text("fr", "menu.help", nil)
	if err != nil || got != "مساعدة" {
		t.Fatalf("Text(fr) = %q, %v; want the Arabic text", got, err)
	}
	if _, err := b.Text("ar", "no.such.key", nil); err == nil {
		t.Fatal("a missing key must be an error")
	}
}

// A staff file in TAMKEEN_CONTENT_DIR/countries/<cc>/messages rewords a
// pack's text for that pack only.
func TestContentDirOverridesAPacksText(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "countries", "jo", "messages"), 0o755); err != nil {
		t.Fatal(err)
	}
	override := "[\"pack.office\"]\nother = \"مكتب صندوق المعونة الوطنية في إربد\"\n"
	if err := os.WriteFile(filepath.Join(dir, "countries", "jo", "messages", "staff.ar.toml"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	jo, err := Load(dir, "JO")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := jo.Text("ar", "pack.office", nil); got != "مكتب صندوق المعونة الوطنية في إربد" {
		t.Fatalf("override not applied: %q", got)
	}
	eg, err := Load(dir, "EG")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := eg.Text("ar", "pack.office", nil); strings.Contains(got, "إربد") {
		t.Fatalf("Jordan's override reached Egypt: %q", got)
	}
}

// Each pack's settings are usable: a real time zone and phone region, a
// three-letter currency, regions and lessons; an unknown country is refused.
func TestPackSettings(t *testing.T) {
	for _, c := range Countries() {
		p, err := PackSettings(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := time.LoadLocation(p.TimeZone); err != nil || p.Country != c || len(p.Currency) != 3 || p.PhoneRegion != c {
			t.Errorf("%s: %+v (%v)", c, p, err)
		}
	}
	if _, err := Load("", "FR"); err == nil || !strings.Contains(err.Error(), "EG, JO, OM, SA") {
		t.Errorf("unknown country: %v", err)
	}
}

// A text whose template uses a field its data lacks is an error, never
// "<no value>" in front of a person.
func TestTextWithoutItsDataIsAnError(t *testing.T) {
	b, err := Load("", DefaultCountry)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data map[string]any
		ok   bool
	}{
		{nil, false},
		{map[string]any{"Name": "Fatma"}, false},
		{map[string]any{"Ref": "A-10293"}, true},
	} {
		s, err := b.Text("ar", "notice.order.placed", tc.data)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrMissingData)) {
			t.Errorf("data %v: got %q, %v", tc.data, s, err)
		}
	}
}
