// Package export writes staff lists as CSV that spreadsheets open safely: a
// cell that a spreadsheet would run as a formula is written as text. It also
// owns the one CSV form of the sign-up list (signups.go), shared by the staff
// API and the web console.
package export

import (
	"encoding/csv"
	"io"
)

// Writer writes CSV rows with formula-safe cells, after a UTF-8 byte-order
// mark: without it Excel reads the file in the machine's legacy code page
// and shows Arabic garbled.
type Writer struct {
	w          io.Writer
	cw         *csv.Writer
	bomWritten bool
}

// BOM is the UTF-8 byte-order mark every file starts with.
const BOM = "\uFEFF"

// NewWriter writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, cw: csv.NewWriter(w)} }

func (w *Writer) bom() error {
	if w.bomWritten {
		return nil
	}
	w.bomWritten = true
	_, err := io.WriteString(w.w, BOM)
	return err
}

// Write writes one row.
func (w *Writer) Write(cells []string) error {
	if err := w.bom(); err != nil {
		return err
	}
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = Cell(c)
	}
	return w.cw.Write(safe)
}

// Flush writes what is buffered and reports the first error met.
func (w *Writer) Flush() error {
	if err := w.bom(); err != nil {
		return err
	}
	w.cw.Flush()
	return w.cw.Error()
}

// Cell guards a value a spreadsheet would treat as a formula (it starts with
// =, @, a tab or a carriage return, or with + or - unless the whole cell is a
// plain number, so phone numbers such as +96891234567 and negative amounts
// stay as they are while "+1+HYPERLINK(…)" and "-1+cmd|…" do not run) by
// putting an apostrophe in front.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if !plainNumber(s[1:]) {
			return "'" + s
		}
	}
	return s
}

// plainNumber reports whether s is digits with at most one decimal point
// between them: nothing a spreadsheet could evaluate.
func plainNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}
