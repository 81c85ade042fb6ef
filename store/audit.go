package store

import (
	"context"
	"fmt"
	"time"
)

// AuditEvent is one line of the staff audit log: who did what, when, from
// where, and how it ended (the HTTP status, or 0 outside HTTP).
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   string // username, "token" (admin token), "cli", or the name tried when refused
	Role    string
	Action  string // what was done, e.g. "signin", "signin_refused", "broadcast_create"
	Target  string // what it was done to, e.g. "/console/broadcasts/7"
	Outcome int
	Address string
}

// Audit appends an event; At is set from the clock.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	e.ID, e.At = 0, s.now()
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditLog lists events newest first, those with ids below before (0: from
// the newest), at most limit.
func (s *Store) AuditLog(ctx context.Context, before int64, limit int) ([]AuditEvent, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []AuditEvent
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}
