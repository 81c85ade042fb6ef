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

// EndConsoleSession ends a session (signing out).
func (s *Store) EndConsoleSession(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", id).Delete(&ConsoleSession{}).Error; err != nil {
		return fmt.Errorf("store: end console session: %w", err)
	}
	return nil
}
