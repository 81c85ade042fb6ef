package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// ContactFilter narrows ListContacts; zero fields do not filter.
type ContactFilter struct {
	Phone          string // E.164
	TelegramChatID int64
	Governorate    string
	Search         string // part of a name or of a phone number
	SearchE164     string // Search read as a phone number, when it is one
	After          int64  // ids above this (paging)
	Limit          int
	// Fields keeps contacts whose field (program…) has one of the values;
	// ImportSource those an import of that list last set.
	Fields       map[string][]string
	ImportSource string
}

// ListContacts lists contacts by id for staff.
func (s *Store) ListContacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	q := s.db.WithContext(ctx).Where("id > ?", f.After).Order("id").Limit(f.Limit)
	if f.Phone != "" {
		q = q.Where("phone = ?", f.Phone)
	}
	if f.TelegramChatID != 0 {
		q = q.Where("telegram_chat_id = ?", f.TelegramChatID)
	}
	if f.Governorate != "" {
		q = q.Where("governorate = ?", f.Governorate)
	}
	if f.ImportSource != "" {
		q = q.Where("import_source = ?", f.ImportSource)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Fields)) {
		q = q.Where("id IN (SELECT contact_id FROM contact_fields WHERE name = ? AND value IN ?)", name, f.Fields[name])
	}
	q = searchContacts(q, f.Search, f.SearchE164)
	var out []Contact
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	return out, nil
}

// SignupFilter narrows ListSignups; zero fields do not filter.
type SignupFilter struct {
	OpportunityID int64
	Status        string
	After         int64
	Limit         int
}

// SignupRow is a sign-up with what staff need to call the person.
type SignupRow struct {
	ID             int64
	ContactID      int64
	Name           string
	Phone          *string
	TelegramChatID *int64
	OpportunityID  int64
	Opportunity    map[string]string `gorm:"serializer:json"` // title by language
	Status         string
	AttendedAt     *time.Time // marked attended by staff
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Position is the place on the waiting list (1 is next) of a waitlisted
	// sign-up, in the order promotion follows; 0 for the others.
	Position int
}

// ListSignups lists sign-ups by id with their contact and opportunity.
func (s *Store) ListSignups(ctx context.Context, f SignupFilter) ([]SignupRow, error) {
	q := s.db.WithContext(ctx).Table("signups s").
		Select(`s.id, s.contact_id, c.name, c.phone, c.telegram_chat_id, s.opportunity_id,
			o.title AS opportunity, s.status, s.attended_at, s.created_at, s.updated_at,
			CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM signups w
				WHERE w.opportunity_id = s.opportunity_id AND w.status = 'waitlisted'
				AND (w.updated_at < s.updated_at OR (w.updated_at = s.updated_at AND w.id <= s.id))) ELSE 0 END AS position`).
		Joins("JOIN contacts c ON c.id = s.contact_id").
		Joins("JOIN opportunities o ON o.id = s.opportunity_id").
		Where("s.id > ?", f.After).Order("s.id").Limit(f.Limit)
	if f.OpportunityID != 0 {
		q = q.Where("s.opportunity_id = ?", f.OpportunityID)
	}
	if f.Status != "" {
		q = q.Where("s.status = ?", f.Status)
	}
	var out []SignupRow
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list sign-ups: %w", err)
	}
	return out, nil
}

// Opportunity loads one opportunity with its registered and waiting counts.
func (s *Store) Opportunity(ctx context.Context, id int64) (*OpportunityView, error) {
	var o Opportunity
	if err := s.db.WithContext(ctx).First(&o, id).Error; err != nil {
		return nil, fmt.Errorf("store: opportunity %d: %w", id, notFound(err))
	}
	tx := &Tx{db: s.db.WithContext(ctx), store: s}
	views, err := tx.views([]Opportunity{o})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

// UpdateOpportunity replaces the staff-editable fields of an opportunity.
func (s *Store) UpdateOpportunity(ctx context.Context, o *Opportunity) error {
	res := s.db.WithContext(ctx).Model(&Opportunity{ID: o.ID}).Select(
		"kind", "track", "governorate", "title", "description", "starts_at", "signup_deadline", "capacity", "updated_at",
	).Updates(o)
	if res.Error != nil {
		return fmt.Errorf("store: update opportunity %d: %w", o.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: update opportunity %d: %w", o.ID, ErrNotFound)
	}
	return nil
}
