package export

import (
	"strings"
	"testing"
	"unicode"
)

// What the tests take as the rule, written out on its own: the characters
// that start a formula, those a spreadsheet may split a cell at, and those a
// reader does not see.
var (
	formulaChars = []string{"=", "+", "-", "@", "|", "%", "＝", "＋", "－", "＠", "｜", "％", "﹦", "﹢", "﹣", "﹫", "﹪", "−"}
	separators   = []string{",", ";", "\t", "\r", "\n", "،", "؛", "，", "；"}
	invisibles   = []string{"", " ", "   ", "\u00A0", "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u200E", "\u200F",
		"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u061C", "\u00AD",
		"\u3000", "\u2007", "\u202F", "\u3164", "\u2800", "\u00A0\u200B\uFEFF "}
)

// stripInvisible drops what a reader does not see at the start of part.
func stripInvisible(part string) string {
	return strings.TrimLeftFunc(part, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune("\u115F\u1160\u3164\uFFA0\u2800", r)
	})
}

// checkSafe fails when any part of guarded, split at any separator, starts
// with a formula character once invisible characters are skipped, or when
// Cell changed anything but adding apostrophes.
func checkSafe(t *testing.T, in, guarded string) {
	t.Helper()
	if strings.HasPrefix(guarded, "\t") || strings.HasPrefix(guarded, "\r") {
		t.Fatalf("Cell(%q) = %q starts with a tab or carriage return", in, guarded)
	}
	parts := strings.FieldsFunc(guarded, func(r rune) bool { return strings.ContainsRune(strings.Join(separators, ""), r) })
	for _, p := range parts {
		p = stripInvisible(p)
		for _, f := range formulaChars {
			if strings.HasPrefix(p, f) {
				t.Fatalf("Cell(%q) = %q: the part %q starts a formula", in, guarded, p)
			}
		}
	}
	if strings.ReplaceAll(guarded, "'", "") != strings.ReplaceAll(in, "'", "") {
		t.Fatalf("Cell(%q) = %q changed more than adding apostrophes", in, guarded)
	}
	if again := Cell(guarded); again != guarded {
		t.Fatalf("Cell is not stable: Cell(%q) = %q", guarded, again)
	}
}

// Every formula character, behind every invisible prefix, at the start of
// a cell and after every separator, is guarded.
func TestCellGuardsEveryFormulaForm(t *testing.T) {
	n := 0
	for _, f := range formulaChars {
		for _, inv := range invisibles {
			formula := inv + f + "1+cmd|' /C calc'!A0"
			cases := []string{formula}
			for _, sep := range separators {
				cases = append(cases, "x"+sep+formula, "name"+sep+"ok"+sep+formula, sep+formula)
			}
			for _, in := range cases {
				got := Cell(in)
				if got == in {
					t.Fatalf("Cell(%q) left a formula as it was", in)
				}
				checkSafe(t, in, got)
				n++
			}
		}
	}
	t.Logf("%d formula forms guarded", n)
}

func TestCellExamples(t *testing.T) {
	cases := map[string]string{
		// What the outside probes found.
		"a;=1+1":                      "a;'=1+1",
		"x;-2+3+cmd|' /C calc'!A0":    "x;'-2+3+cmd|' /C calc'!A0",
		" =1+1":                       "' =1+1",
		"\u00A0=1+1":                  "'\u00A0=1+1",
		"\u200B=1+1":                  "'\u200B=1+1",
		"＝1+1":                        "'＝1+1",
		"|calc":                       "'|calc",
		"=HYPERLINK(\"x\")":           "'=HYPERLINK(\"x\")",
		"@SUM(A1)":                    "'@SUM(A1)",
		"\tx":                         "'\tx",
		"\rx":                         "'\rx",
		"a,b;=c\n+d":                  "a,b;'=c\n'+d",
		"+96891234567":                "'+96891234567", // a phone stays text, with its +
		"-12.5":                       "'-12.5",
		"50%":                         "50%",
		"فاطمة":                       "فاطمة",
		"دورة خياطة، ظفار":            "دورة خياطة، ظفار",
		"mona@example.com":            "mona@example.com",
		"a-b, c":                      "a-b, c",
		"":                            "",
		"'=already text":              "'=already text",
		"دورة؛ =1":                    "دورة؛' =1",
		"a;\u202E=1":                  "a;'\u202E=1",
		"2026-11-23T10:00:00+04:00":   "2026-11-23T10:00:00+04:00",
		"x; y":                        "x; y",
		"\uFEFF@x":                    "'\uFEFF@x",
		"a,\u00A0\u200B\u200E-2+3,ok": "a,'\u00A0\u200B\u200E-2+3,ok",
	}
	for in, want := range cases {
		got := Cell(in)
		if got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
		checkSafe(t, in, got)
	}
}

func TestPhoneIsText(t *testing.T) {
	for in, want := range map[string]string{
		"+96891234567": "'+96891234567",
		"0791234567":   "'0791234567",
		"":             "",
		"'+968":        "'+968",
	} {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzGuard: whatever a cell holds, once guarded no part of it a
// spreadsheet could split off starts a formula, nothing but apostrophes is
// added, and guarding again changes nothing.
func FuzzGuard(f *testing.F) {
	for _, s := range []string{"a;=1+1", "x;-2+3+cmd|' /C calc'!A0", " =1+1", "\u00A0=1", "＝1+1", "|calc", "\t=1", "a،=1",
		"", "plain", "'", "a;;=1", "\u200B\u200B@", "%0A", "\xff=1", "=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSafe(t, s, Cell(s))
	})
}
