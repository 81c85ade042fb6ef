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
	return s.AuditSearch(ctx, AuditFilter{Before: before, Limit: limit})
}

// AuditFilter narrows AuditSearch; zero fields do not filter.
type AuditFilter struct {
	Actor  string // exactly this actor
	Action string // exactly this action
	Before int64  // ids below this (paging back)
	Limit  int
}

// AuditSearch lists the events f matches, newest first.
func (s *Store) AuditSearch(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(f.Limit)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	var out []AuditEvent
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}
