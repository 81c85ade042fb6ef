package store

import (
	"context"
	"fmt"
	"time"
)

// ConsoleSession is a signed-in web console session, kept so that signing
// out ends it everywhere (a copied cookie stops working).
type ConsoleSession struct {
	ID        string
	ExpiresAt time.Time
}

// StartConsoleSession records a new session until expires, and forgets
// sessions that have expired.
func (s *Store) StartConsoleSession(ctx context.Context, id string, expires time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at <= ?", s.now()).Delete(&ConsoleSession{}).Error; err != nil {
		return fmt.Errorf("store: forget expired console sessions: %w", err)
	}
	if err := db.Create(&ConsoleSession{ID: id, ExpiresAt: expires.UTC().Truncate(time.Microsecond)}).Error; err != nil {
		return fmt.Errorf("store: start console session: %w", err)
	}
	return nil
}

// ConsoleSessionLive tells whether the session id was started, has not
// ended and has not expired.
func (s *Store) ConsoleSessionLive(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ConsoleSession{}).Where("id = ? AND expires_at > ?", id, s.now()).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: console session: %w", err)
	}
	return n == 1, nil
}

// EndConsoleSession ends a session (signing out).
func (s *Store) EndConsoleSession(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", id).Delete(&ConsoleSession{}).Error; err != nil {
		return fmt.Errorf("store: end console session: %w", err)
	}
	return nil
}
