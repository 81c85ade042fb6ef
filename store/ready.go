package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errRollback ends CheckWritable's transaction without keeping anything.
var errRollback = errors.New("store: write check rolled back")

// CheckWritable tells whether the database takes writes now: a database
// that answers but is read-only, full or locked fails it. A write of the
// service's own that failed for lack of space, an I/O error or a read-only
// database within WriteFailureHold fails it too (a *WritesFailingError): a
// full disk may still let the probe's small update through while every
// real write fails. It changes nothing (the one-row update it makes is
// rolled back).
func (s *Store) CheckWritable(ctx context.Context) error {
	if at, err := s.health.recent(s.clock.Now()); err != nil {
		return &WritesFailingError{Ago: s.clock.Now().Sub(at), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Exec(`UPDATE schema_migrations SET name = name
			WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errors.New("no migrations recorded")
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return fmt.Errorf("store: write check: %w", err)
}
