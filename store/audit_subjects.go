package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// AuditSubjects are the names of what audit rows were done to, by id: a
// person's name, a sign-up's person, an opportunity's titles and a
// broadcast's texts (by language). Ids no longer there are missing.
type AuditSubjects struct {
	Contacts      map[int64]string
	Signups       map[int64]string // the person who signed up
	Opportunities map[int64]map[string]string
	Broadcasts    map[int64]map[string]string
}

// AuditSubjectIDs are the ids an audit page names.
type AuditSubjectIDs struct {
	Contacts, Signups, Opportunities, Broadcasts []int64
}

// AuditSubjects looks the names of ids up, one statement per kind named.
func (s *Store) AuditSubjects(ctx context.Context, ids AuditSubjectIDs) (AuditSubjects, error) {
	out := AuditSubjects{Contacts: map[int64]string{}, Signups: map[int64]string{},
		Opportunities: map[int64]map[string]string{}, Broadcasts: map[int64]map[string]string{}}
	names := func(q string, list []int64, into map[int64]string) error {
		if len(list) == 0 {
			return nil
		}
		rows, err := s.db.WithContext(ctx).Raw(q, list).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			into[id] = name
		}
		return rows.Err()
	}
	texts := func(q string, list []int64, into map[int64]map[string]string) error {
		raw := map[int64]string{}
		if err := names(q, list, raw); err != nil {
			return err
		}
		for id, j := range raw {
			var m map[string]string
			if json.Unmarshal([]byte(j), &m) == nil {
				into[id] = m
			}
		}
		return nil
	}
	for _, err := range []error{
		names("SELECT id, name FROM contacts WHERE id IN ?", ids.Contacts, out.Contacts),
		names("SELECT s.id, c.name FROM signups s JOIN contacts c ON c.id = s.contact_id WHERE s.id IN ?", ids.Signups, out.Signups),
		texts("SELECT id, title FROM opportunities WHERE id IN ?", ids.Opportunities, out.Opportunities),
		texts("SELECT id, texts FROM broadcasts WHERE id IN ?", ids.Broadcasts, out.Broadcasts),
	} {
		if err != nil {
			return AuditSubjects{}, fmt.Errorf("store: audit subjects: %w", err)
		}
	}
	return out, nil
}
