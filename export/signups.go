package export

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

// Words gives the reader's words for a catalog key (*locales.Bundle fits).
type Words interface {
	Text(lang, key string, data map[string]any) (string, error)
}

// SignupList is how a sign-up list is written. With Lang "" it is the stable
// machine form: column codes as headers, status codes, times in RFC 3339.
// With a language it is the reader's: headers, statuses and attendance in
// that language (console.csv.signups.<column>, console.status.<status>,
// console.signups.came), times as "2006-01-02 15:04 -07:00". Either way the
// columns are the same, in the same order, and times are in Location (the
// program's time zone, as the console shows them) with their offset.
type SignupList struct {
	Lang     string
	Words    Words          // required when Lang is set
	Location *time.Location // nil: UTC
}

// signupColumns are the columns of a sign-up list, by their machine names.
var signupColumns = []string{"id", "contact_id", "name", "phone", "telegram_chat_id", "opportunity_id",
	"opportunity_ar", "opportunity_en", "status", "created_at", "updated_at", "attended_at", "waitlist_position"}

// Write writes list as CSV to w.
func (f SignupList) Write(w io.Writer, list []store.SignupRow) error {
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	word := func(key string) (string, error) {
		s, err := f.Words.Text(f.Lang, key, nil)
		if err != nil {
			return "", fmt.Errorf("export: sign-up list in %s: %w", f.Lang, err)
		}
		return s, nil
	}
	when := func(t time.Time) string {
		if f.Lang == "" {
			return t.In(loc).Format(time.RFC3339)
		}
		return t.In(loc).Format("2006-01-02 15:04 -07:00")
	}
	header := signupColumns
	statuses := map[string]string{}
	attended := ""
	if f.Lang != "" {
		header = make([]string, len(signupColumns))
		for i, col := range signupColumns {
			var err error
			if header[i], err = word("console.csv.signups." + col); err != nil {
				return err
			}
		}
		for _, st := range []string{store.SignupRegistered, store.SignupWaitlisted, store.SignupCancelled} {
			var err error
			if statuses[st], err = word("console.status." + st); err != nil {
				return err
			}
		}
		var err error
		if attended, err = word("console.signups.came"); err != nil {
			return err
		}
	}
	cw := NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range list {
		phone, chat, status, came, place := "", "", s.Status, "", ""
		if s.Phone != nil {
			phone = Phone(*s.Phone)
		}
		if s.TelegramChatID != nil {
			chat = strconv.FormatInt(*s.TelegramChatID, 10)
		}
		if word, ok := statuses[s.Status]; ok {
			status = word
		}
		if s.AttendedAt != nil {
			came = when(*s.AttendedAt)
			if f.Lang != "" {
				came = attended
			}
		}
		if s.Position > 0 {
			place = strconv.Itoa(s.Position)
		}
		if err := cw.Write([]string{strconv.FormatInt(s.ID, 10), strconv.FormatInt(s.ContactID, 10), s.Name, phone, chat,
			strconv.FormatInt(s.OpportunityID, 10), s.Opportunity["ar"], s.Opportunity["en"], status,
			when(s.CreatedAt), when(s.UpdatedAt), came, place}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
