// Package export writes staff lists as CSV that spreadsheets open safely: a
// cell that a spreadsheet would run as a formula is written as text. It also
// owns the one CSV form of the sign-up list, shared by the staff API and the
// web console.
package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/tamkeen/tamkeen/store"
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

// signupHeader names the columns of Signups.
var signupHeader = []string{"id", "contact_id", "name", "phone", "telegram_chat_id", "opportunity_id",
	"opportunity_ar", "opportunity_en", "status", "created_at", "updated_at"}

// Signups writes sign-ups (who, how to reach them, what, status, when) as CSV.
func Signups(w io.Writer, list []store.SignupRow) error {
	cw := NewWriter(w)
	if err := cw.Write(signupHeader); err != nil {
		return err
	}
	for _, s := range list {
		phone, chat := "", ""
		if s.Phone != nil {
			phone = Phone(*s.Phone)
		}
		if s.TelegramChatID != nil {
			chat = strconv.FormatInt(*s.TelegramChatID, 10)
		}
		if err := cw.Write([]string{strconv.FormatInt(s.ID, 10), strconv.FormatInt(s.ContactID, 10), s.Name, phone, chat,
			strconv.FormatInt(s.OpportunityID, 10), s.Opportunity["ar"], s.Opportunity["en"], s.Status,
			s.CreatedAt.Format(time.RFC3339), s.UpdatedAt.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
