package export

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A spreadsheet runs a cell as a formula when it starts with one of these,
// after any spaces or invisible characters it may skip (OWASP "CSV
// Injection"). The full-width and small forms count too: some spreadsheets
// read ＝1+1 as =1+1.
func formulaStart(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '|', '%',
		'＝', '＋', '－', '＠', '｜', '％', // full-width
		'﹦', '﹢', '﹣', '﹫', '﹪', // small
		'\u2212': // minus sign
		return true
	}
	return false
}

// separator tells the characters at which a spreadsheet may split a cell:
// the comma and the semicolon (the list separator in Arabic and many other
// locales), in their Arabic and full-width forms too, the tab, and line
// breaks.
func separator(r rune) bool {
	switch r {
	case ',', ';', '\t', '\r', '\n', '،', '؛', '，', '；':
		return true
	}
	return false
}

// invisible tells the characters a reader does not see before a formula:
// spaces of every kind (the no-break space too), and format characters
// (zero-width spaces and joiners, the byte-order mark, direction marks and
// overrides, the Arabic letter mark, the soft hyphen), and blank fillers.
func invisible(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// Cell makes s safe to open in a spreadsheet: wherever a formula could
// start (at the beginning, or after a separator), once the invisible
// characters there are skipped, a formula character gets an apostrophe in
// front of that part, so the spreadsheet shows it as text. So does a cell
// that begins with a tab or a carriage return. Everything else is left as
// it is, and Cell(Cell(s)) == Cell(s). Phone numbers (+968…) and negative
// numbers therefore come out as text too, which keeps their "+" and leading
// zeros; see also Phone.
func Cell(s string) string {
	if !unsafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	atStart := true // at the start of the cell or just after a separator
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if atStart && startsFormula(s[i:], i == 0) {
			b.WriteByte('\'')
		}
		b.WriteString(s[i : i+size])
		atStart = separator(r)
		i += size
	}
	return b.String()
}

// unsafe tells whether any part of s needs an apostrophe.
func unsafe(s string) bool {
	atStart := true
	for i, r := range s {
		if atStart && startsFormula(s[i:], i == 0) {
			return true
		}
		atStart = separator(r)
	}
	return false
}

// startsFormula tells whether part, once its invisible characters are
// skipped, begins with a formula character; at the very start of a cell a
// tab or carriage return counts as well.
func startsFormula(part string, cellStart bool) bool {
	if cellStart && part != "" && (part[0] == '\t' || part[0] == '\r') {
		return true
	}
	for _, r := range part {
		if separator(r) {
			return false // an empty part: the next one is judged on its own
		}
		if !invisible(r) {
			return formulaStart(r)
		}
	}
	return false
}

// Phone writes a phone number (or any number that must stay as written,
// such as one with leading zeros) so that spreadsheets keep it as text:
// +96891234567 would otherwise become the number 96891234567, and
// 0791234567 lose its zero.
func Phone(s string) string {
	if s == "" || strings.HasPrefix(s, "'") {
		return s
	}
	if unsafe(s) {
		return Cell(s)
	}
	for _, r := range s {
		if r >= '0' && r <= '9' {
			return "'" + s // digits a spreadsheet would read as a number
		}
	}
	return s
}
