package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuditEvent is one line of the staff audit log: who did what, when, from
// where, and how it ended (the HTTP status, or 0 outside HTTP). A row of
// refused sign-ins stands for Count attempts, the first At, the last LastAt.
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   string // username, "token" (admin token), "cli", or the name tried when refused
	Role    string
	Action  string // what was done, e.g. "signin", "signin_refused", "broadcast_create"
	Target  string // what it was done to, e.g. "/console/broadcasts/7"
	Outcome int
	Address string
	Count   int        // attempts this row stands for (1 but for merged refusals)
	LastAt  *time.Time // the latest of them, when more than one
}

// The longest audit fields kept, in characters; longer ones are cut and
// end with "…", so no request can make the log grow by more than a few
// hundred bytes.
const (
	MaxAuditActor   = 64
	MaxAuditAction  = 64
	MaxAuditTarget  = 256
	MaxAuditAddress = 64
)

// AuditMergeWindow is how long refusals from one address are counted on one row.
const AuditMergeWindow = 10 * time.Minute

// Audit appends an event; At is set from the clock.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	e = e.bounded()
	e.ID, e.At, e.Count, e.LastAt = 0, s.now(), 1, nil
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditRefusal records a refused attempt. Refusals with the same action
// from the same address (and, when sameActor, for the same name) within
// AuditMergeWindow of the row's first are one row whose Count grows, so a
// flood of refused tries adds one row per address and window, not one per
// try.
func (s *Store) AuditRefusal(ctx context.Context, e AuditEvent, sameActor bool) error {
	e = e.bounded()
	now := s.now()
	where := "action = ? AND address = ? AND outcome = ? AND at > ?"
	args := []any{e.Action, e.Address, e.Outcome, now.Add(-AuditMergeWindow)}
	if sameActor {
		where += " AND actor = ?"
		args = append(args, e.Actor)
	}
	upd := s.db.WithContext(ctx).Exec("UPDATE audit_events SET count = count + 1, last_at = ? WHERE id = (SELECT MAX(id) FROM audit_events WHERE "+where+")",
		append([]any{now}, args...)...)
	if upd.Error != nil {
		return fmt.Errorf("store: audit refusal: %w", upd.Error)
	}
	if upd.RowsAffected > 0 {
		return nil
	}
	return s.Audit(ctx, e)
}

// bounded is e with every field cut to its maximum and made printable
// UTF-8 (a name tried at sign-in may be any bytes; PostgreSQL refuses NUL
// and invalid UTF-8).
func (e AuditEvent) bounded() AuditEvent {
	e.Actor = clip(e.Actor, MaxAuditActor)
	e.Role = clip(e.Role, MaxAuditActor)
	e.Action = clip(e.Action, MaxAuditAction)
	e.Target = clip(e.Target, MaxAuditTarget)
	e.Address = clip(e.Address, MaxAuditAddress)
	return e
}

// clip cuts s to at most n characters of printable UTF-8, ending with "…"
// when it was longer; it never reads more than about 4n bytes of s.
func clip(s string, n int) string {
	if len(s) > 4*n+4 {
		s = s[:4*n+4]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
