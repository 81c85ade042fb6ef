package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Sign-up statuses (the same words as flows uses).
const (
	SignupRegistered = "registered"
	SignupWaitlisted = "waitlisted"
	SignupCancelled  = "cancelled"
)

// ErrSignupConflict means the last place was taken by someone else while a
// sign-up was being decided; handling the message again decides anew.
var ErrSignupConflict = errors.New("store: sign-up conflict: capacity changed")

// OpportunityView is an opportunity with its current registered count (and,
// from ConversationData, how many people wait for a place).
type OpportunityView struct {
	Opportunity
	Registered int
	Waitlisted int
}

// ConversationData is what a contact's conversation may read: open
// opportunities, the ones they signed up for, and their sign-ups.
func (tx *Tx) ConversationData(contactID int64, now time.Time) ([]OpportunityView, []Signup, error) {
	var signups []Signup
	if err := tx.db.Where("contact_id = ?", contactID).Order("id").Find(&signups).Error; err != nil {
		return nil, nil, fmt.Errorf("store: load sign-ups: %w", err)
	}
	mine := make([]int64, 0, len(signups))
	for _, s := range signups {
		mine = append(mine, s.OpportunityID)
	}
	var opps []Opportunity
	q := tx.db.Where("(signup_deadline IS NULL AND starts_at > ?) OR signup_deadline > ?", now, now)
	if len(mine) > 0 {
		q = q.Or("id IN ?", mine)
	}
	if err := q.Order("starts_at, id").Find(&opps).Error; err != nil {
		return nil, nil, fmt.Errorf("store: load opportunities: %w", err)
	}
	if err := tx.setPositions(signups); err != nil {
		return nil, nil, err
	}
	views, err := tx.views(opps)
	if err != nil {
		return nil, nil, err
	}
	return views, signups, nil
}

// SetSignup sets a contact's sign-up status for an opportunity. A new
// registered place is refused with ErrSignupConflict when the opportunity is
// already full (the decision was made on a count that is no longer true).
func (tx *Tx) SetSignup(contactID, opportunityID int64, status string) error {
	if status == SignupRegistered {
		var o Opportunity
		// Lock the opportunity so two sign-ups for its last place take turns (PostgreSQL;
		// SQLite transactions already hold the write lock).
		if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&o, opportunityID).Error; err != nil {
			return fmt.Errorf("store: opportunity %d: %w", opportunityID, notFound(err))
		}
		counts, _, err := tx.signupCounts([]int64{opportunityID})
		if err != nil {
			return err
		}
		if o.Capacity > 0 && counts[opportunityID] >= o.Capacity {
			return ErrSignupConflict
		}
	}
	err := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "contact_id"}, {Name: "opportunity_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "updated_at"}),
	}).Create(&Signup{ContactID: contactID, OpportunityID: opportunityID, Status: status}).Error
	if err != nil {
		return fmt.Errorf("store: set sign-up: %w", err)
	}
	return nil
}

// SeedDemo loads the demo opportunities when the database has none at all.
// It reports how many it added.
func (s *Store) SeedDemo(ctx context.Context, demo []Opportunity) (int, error) {
	added := 0
	err := s.InTx(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.db.Model(&Opportunity{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		for i := range demo {
			demo[i].Demo = true
			res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&demo[i])
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: seed demo: %w", err)
	}
	return added, nil
}

// CreateOpportunity adds an opportunity.
func (s *Store) CreateOpportunity(ctx context.Context, o *Opportunity) error {
	if err := s.db.WithContext(ctx).Create(o).Error; err != nil {
		return fmt.Errorf("store: create opportunity: %w", err)
	}
	return nil
}

// Opportunities lists every opportunity, soonest first.
func (s *Store) Opportunities(ctx context.Context) ([]OpportunityView, error) {
	var opps []Opportunity
	if err := s.db.WithContext(ctx).Order("starts_at, id").Find(&opps).Error; err != nil {
		return nil, fmt.Errorf("store: list opportunities: %w", err)
	}
	var out []OpportunityView
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.views(opps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
