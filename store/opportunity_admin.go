package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrNotRegistered is returned when attendance is marked on a sign-up that
// is not a registration.
var ErrNotRegistered = errors.New("store: the sign-up is not registered")

// CloseOpportunity ends sign-ups now: the deadline becomes now unless it
// has already passed. Those signed up keep their places.
func (s *Store) CloseOpportunity(ctx context.Context, id int64) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o Opportunity
		if err := tx.First(&o, id).Error; err != nil {
			return notFound(err)
		}
		if o.SignupDeadline != nil && !o.SignupDeadline.After(now) {
			return nil
		}
		return tx.Model(&Opportunity{}).Where("id = ?", id).
			Updates(map[string]any{"signup_deadline": now, "updated_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("store: close opportunity %d: %w", id, err)
	}
	return nil
}

// Why an opportunity's sign-ups cannot open again.
var (
	ErrStarted  = errors.New("store: the opportunity has started")
	ErrArchived = errors.New("store: the opportunity is archived")
)

// ReopenOpportunity opens sign-ups again after they were closed: the
// deadline goes, so they stay open until the start (staff may set a new one
// by editing). One that has started (ErrStarted) or is archived (ErrArchived)
// stays closed; one already open is left as it is.
func (s *Store) ReopenOpportunity(ctx context.Context, id int64) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o struct {
			StartsAt       time.Time
			SignupDeadline *time.Time
			ArchivedAt     *time.Time
		}
		res := tx.Table("opportunities").Select("starts_at", "signup_deadline", "archived_at").Where("id = ?", id).Limit(1).Scan(&o)
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected == 0:
			return ErrNotFound
		case o.ArchivedAt != nil:
			return ErrArchived
		case !o.StartsAt.After(now):
			return ErrStarted
		case o.SignupDeadline == nil || o.SignupDeadline.After(now):
			return nil // open already
		}
		return tx.Model(&Opportunity{}).Where("id = ?", id).
			Updates(map[string]any{"signup_deadline": nil, "updated_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("store: reopen opportunity %d: %w", id, err)
	}
	return nil
}

// SetOpportunityArchived archives an opportunity (closing it first) or
// brings it back to the staff's list.
func (s *Store) SetOpportunityArchived(ctx context.Context, id int64, archived bool) error {
	if archived {
		if err := s.CloseOpportunity(ctx, id); err != nil {
			return err
		}
	}
	var at *time.Time
	if archived {
		now := s.now()
		at = &now
	}
	res := s.db.WithContext(ctx).Table("opportunities").Where("id = ?", id).
		Updates(map[string]any{"archived_at": at, "updated_at": s.now()})
	if res.Error != nil {
		return fmt.Errorf("store: archive opportunity %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: archive opportunity %d: %w", id, ErrNotFound)
	}
	return nil
}

// ArchivedOpportunities returns the ids of archived opportunities.
func (s *Store) ArchivedOpportunities(ctx context.Context) (map[int64]bool, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Table("opportunities").Where("archived_at IS NOT NULL").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("store: archived opportunities: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// StaffCancellation is what staff cancelling a sign-up changed: what the
// sign-up was before (registered or waitlisted; "" when it was cancelled
// already, and nothing changed), whose it was and for what.
type StaffCancellation struct {
	SignupID    int64
	Was         string
	Contact     Contact
	Opportunity Opportunity
}

// Freed reports whether the sign-up held a place (so the first person
// waiting may get it).
func (c StaffCancellation) Freed() bool { return c.Was == SignupRegistered }

// CancelSignupByStaff cancels one sign-up of an opportunity, in the
// transaction the caller also queues the person's notice in.
func (tx *Tx) CancelSignupByStaff(opportunityID, signupID int64) (StaffCancellation, error) {
	var su Signup
	if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id = ? AND opportunity_id = ?", signupID, opportunityID).First(&su).Error; err != nil {
		return StaffCancellation{}, fmt.Errorf("store: cancel sign-up %d: %w", signupID, notFound(err))
	}
	out := StaffCancellation{SignupID: su.ID}
	if su.Status == SignupCancelled {
		return out, nil
	}
	if err := tx.db.Model(&Signup{}).Where("id = ?", signupID).
		Updates(map[string]any{"status": SignupCancelled, "updated_at": tx.store.now()}).Error; err != nil {
		return StaffCancellation{}, fmt.Errorf("store: cancel sign-up %d: %w", signupID, err)
	}
	if err := tx.db.First(&out.Contact, su.ContactID).Error; err != nil {
		return StaffCancellation{}, fmt.Errorf("store: contact %d: %w", su.ContactID, err)
	}
	if err := tx.db.First(&out.Opportunity, opportunityID).Error; err != nil {
		return StaffCancellation{}, fmt.Errorf("store: opportunity %d: %w", opportunityID, err)
	}
	out.Was = su.Status
	return out, nil
}

// SetAttended marks (or unmarks) that a registered person came. Attendance
// is marked from the opportunity's start on: before it, ErrNotStarted.
// opportunityID 0 takes the sign-up's own opportunity, whichever it is.
func (s *Store) SetAttended(ctx context.Context, opportunityID, signupID int64, attended bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var su Signup
		q := tx.Where("id = ?", signupID)
		if opportunityID != 0 {
			q = q.Where("opportunity_id = ?", opportunityID)
		}
		if err := q.First(&su).Error; err != nil {
			return notFound(err)
		}
		if su.Status != SignupRegistered {
			return ErrNotRegistered
		}
		var at *time.Time
		if attended {
			now := s.now()
			var o Opportunity
			if err := tx.Select("id", "starts_at").First(&o, su.OpportunityID).Error; err != nil {
				return err
			}
			if now.Before(o.StartsAt) {
				return &NotStartedError{StartsAt: o.StartsAt}
			}
			at = &now
		}
		return tx.Table("signups").Where("id = ?", signupID).Update("attended_at", at).Error
	})
	if err != nil {
		return fmt.Errorf("store: attendance of sign-up %d: %w", signupID, err)
	}
	return nil
}

// ErrNotStarted is returned when attendance is marked before the opportunity starts.
var ErrNotStarted = errors.New("store: the opportunity has not started")

// NotStartedError says when the opportunity starts; it is ErrNotStarted.
type NotStartedError struct{ StartsAt time.Time }

func (e *NotStartedError) Error() string {
	return ErrNotStarted.Error() + " (it starts " + e.StartsAt.UTC().Format(time.RFC3339) + ")"
}

// Is makes errors.Is(err, ErrNotStarted) true.
func (e *NotStartedError) Is(target error) bool { return target == ErrNotStarted }
