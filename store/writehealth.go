package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// WriteFailureHold is how long a write that failed for lack of space, an
// I/O error or a read-only database keeps the replica "not ready".
const WriteFailureHold = 30 * time.Second

// writeHealth remembers the last write the database refused for a reason
// that will refuse the next ones too (a full disk, an I/O error, a
// read-only database), as opposed to a broken rule of one row.
type writeHealth struct {
	mu   sync.Mutex
	at   time.Time
	last error
}

func (h *writeHealth) note(at time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.last = at, err
}

func (h *writeHealth) recent(now time.Time) (time.Time, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil || now.Sub(h.at) >= WriteFailureHold {
		return time.Time{}, nil
	}
	return h.at, h.last
}

// WritesFailingError says the database refused a write a moment ago.
type WritesFailingError struct {
	Ago time.Duration
	Err error
}

func (e *WritesFailingError) Error() string {
	return fmt.Sprintf("store: a write failed %v ago: %v", e.Ago.Round(time.Millisecond), e.Err)
}

func (e *WritesFailingError) Unwrap() error { return e.Err }

// Reason is what /readyz says of it.
func (e *WritesFailingError) Reason() string { return "writes failing" }

// storageFailure tells errors that say the database cannot take writes at
// all: SQLite's FULL, IOERR and READONLY; PostgreSQL's disk_full, I/O
// error and read-only transaction.
func storageFailure(err error) bool {
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 13, 10, 8: // SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY
			return true
		}
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		switch st := pg.SQLState(); {
		case st == "53100", st == "25006", strings.HasPrefix(st, "58"):
			return true
		}
	}
	return false
}

// noteWrite records err when it is a storage failure.
func (s *Store) noteWrite(err error) {
	if err != nil && storageFailure(err) {
		s.health.note(s.clock.Now(), err)
	}
}

// watchWrites makes every statement report a storage failure to the
// store's write health; commits report theirs through transaction.
func (s *Store) watchWrites() error {
	note := func(db *gorm.DB) { s.noteWrite(db.Error) }
	cb := s.db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("tamkeen:write_health", note),
		cb.Update().After("gorm:update").Register("tamkeen:write_health", note),
		cb.Delete().After("gorm:delete").Register("tamkeen:write_health", note),
		cb.Raw().After("gorm:raw").Register("tamkeen:write_health", note),
		cb.Row().After("gorm:row").Register("tamkeen:write_health", note),
		cb.Query().After("gorm:query").Register("tamkeen:write_health", note),
	} {
		if err != nil {
			return fmt.Errorf("store: watch writes: %w", err)
		}
	}
	return nil
}

// transaction runs fn in a transaction on ctx and reports a commit the
// database refused to the write health.
func (s *Store) transaction(db *gorm.DB, fn func(tx *gorm.DB) error) error {
	err := db.Transaction(fn)
	s.noteWrite(err)
	return err
}
