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
