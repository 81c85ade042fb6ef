package store

import (
	"context"
	"fmt"
)

// ContactProfile is what staff see of one person.
type ContactProfile struct {
	Contact  Contact
	Signups  []SignupRow
	Orders   []Order
	Messages []OutboxMessage // what was sent to the person, newest first
}

// profileRows bounds each list of a profile.
const profileRows = 100

// ContactProfile loads a person with their sign-ups, orders and the latest
// messages sent to them.
func (s *Store) ContactProfile(ctx context.Context, id int64) (*ContactProfile, error) {
	db := s.db.WithContext(ctx)
	p := &ContactProfile{}
	if err := db.First(&p.Contact, id).Error; err != nil {
		return nil, fmt.Errorf("store: contact %d: %w", id, notFound(err))
	}
	err := db.Table("signups s").
		Select(`s.id, s.contact_id, c.name, c.phone, c.telegram_chat_id, s.opportunity_id,
			o.title AS opportunity, s.status, s.attended_at, s.created_at, s.updated_at`).
		Joins("JOIN contacts c ON c.id = s.contact_id").
		Joins("JOIN opportunities o ON o.id = s.opportunity_id").
		Where("s.contact_id = ?", id).Order("s.id DESC").Limit(profileRows).Scan(&p.Signups).Error
	if err != nil {
		return nil, fmt.Errorf("store: contact %d sign-ups: %w", id, err)
	}
	if err := db.Where("contact_id = ?", id).Order("status_at DESC, id DESC").Limit(profileRows).Find(&p.Orders).Error; err != nil {
		return nil, fmt.Errorf("store: contact %d orders: %w", id, err)
	}
	if err := db.Where("contact_id = ?", id).Order("id DESC").Limit(profileRows).Find(&p.Messages).Error; err != nil {
		return nil, fmt.Errorf("store: contact %d messages: %w", id, err)
	}
	return p, nil
}
