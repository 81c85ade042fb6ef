package contactimport

import (
	"context"
	"fmt"
	"io"

	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/store"
)

// Export writes the contacts that have a phone number (of the list source
// only, when it is not ""), with their fields, as CSV with a BOM, a page at a
// time: phone, name, region, language, then one column per field name. The
// file imports back as it is (Import takes off the apostrophes that keep
// spreadsheets from reading numbers and formulas). It returns how many
// contacts it wrote.
func Export(ctx context.Context, s *store.Store, w io.Writer, source string) (int, error) {
	names, err := s.FieldNames(ctx)
	if err != nil {
		return 0, err
	}
	ew := export.NewWriter(w)
	if err := ew.Write(append([]string{colPhone, colName, colRegion, colLanguage}, names...)); err != nil {
		return 0, fmt.Errorf("contactimport: export: %w", err)
	}
	n := 0
	after := int64(0)
	for {
		list, err := s.ListContacts(ctx, store.ContactFilter{After: after, Limit: 1000, ImportSource: source})
		if err != nil {
			return n, err
		}
		if len(list) == 0 {
			break
		}
		after = list[len(list)-1].ID
		ids := make([]int64, 0, len(list))
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		fields, err := s.FieldsOf(ctx, ids)
		if err != nil {
			return n, err
		}
		for _, c := range list {
			if c.Phone == nil || c.ErasedAt != nil {
				continue
			}
			row := []string{export.Phone(*c.Phone), c.Name, c.Governorate, c.Language}
			for _, name := range names {
				row = append(row, fields[c.ID][name])
			}
			if err := ew.Write(row); err != nil {
				return n, fmt.Errorf("contactimport: export: %w", err)
			}
			n++
		}
	}
	if err := ew.Flush(); err != nil {
		return n, fmt.Errorf("contactimport: export: %w", err)
	}
	return n, nil
}
