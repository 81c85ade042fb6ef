// Package store owns the database: the schema and its migrations, and the
// queries the rest of the service needs. SQLite (embedded, the default) and
// PostgreSQL (for several replicas) behave the same; unique keys do the
// de-duplication work.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tamkeen/tamkeen/clock"
)

// Store is the database handle.
type Store struct {
	db      *gorm.DB
	dialect string // "sqlite" or "postgres"
	clock   clock.Clock
	// opportunities caches the open opportunities for the inbound batch path.
	opportunities opportunityCache
	// health remembers the last write refused for lack of space, I/O or a
	// read-only database (CheckWritable reports it).
	health writeHealth
	// pooled: PostgreSQL is reached through a pooler in transaction mode
	// (see pooler.go): no prepared statements, no LISTEN.
	pooled bool
}

// Open connects to dsn: a postgres:// URL, or else a SQLite file path
// (":memory:" is not supported: several connections must share the data).
func Open(ctx context.Context, dsn string, clk clock.Clock) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return clk.Now().UTC().Truncate(time.Microsecond) },
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
	}
	s := &Store{clock: clk}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.dialect = "postgres"
		if s.pooled, err = detectPooling(ctx, dsn); err != nil {
			if errors.Is(err, ErrStatementPooling) {
				return nil, err
			}
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		s.db, err = gorm.Open(postgres.New(postgres.Config{DSN: dsn, PreferSimpleProtocol: s.pooled}), cfg)
	} else {
		s.dialect = "sqlite"
		s.db, err = openSQLite(ctx, dsn, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// As many idle connections as open ones: with Go's default of two idle,
	// every burst closed and reopened connections (on PostgreSQL a new
	// backend process each, which took more CPU than the work itself).
	conns := 20
	if s.dialect == "sqlite" {
		conns = 8
	}
	if err := s.watchWrites(); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// openSQLite opens the file at path. Processes opening a new file at the
// same moment race to switch it to WAL, and SQLite may answer "busy" to the
// loser without waiting: it tries again for a few seconds.
func openSQLite(ctx context.Context, path string, cfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := openGatedSQLite(sqliteDSN(path), newWriteGate(sqliteBusyTimeout))
		if err != nil {
			return nil, err
		}
		db, err := gorm.Open(sqlite.Dialector{Conn: conn}, cfg)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			if err != nil {
				_ = conn.Close()
			}
			return db, err
		}
		_ = conn.Close()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sqliteBusyTimeout is how long a SQLite writer waits for the write lock.
const sqliteBusyTimeout = 10 * time.Second

// sqliteDSN adds the settings that make SQLite fit for a concurrent server:
// WAL, a busy timeout, foreign keys, and transactions that take the write
// lock at BEGIN (deferred ones fail with "database is locked" under load).
func sqliteDSN(path string) string {
	q := url.Values{}
	// The busy timeout first: switching a new file to WAL takes a lock that
	// another process opening it at the same moment may hold.
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "page_size(16384)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + q.Encode()
}

// Pooled reports whether PostgreSQL is reached through a pooler in
// transaction mode (PgBouncer pool_mode=transaction): queries go unprepared
// and replicas poll for each other's messages instead of LISTEN/NOTIFY.
func (s *Store) Pooled() bool { return s.pooled }

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Tx is a transaction in progress.
type Tx struct {
	db    *gorm.DB
	store *Store
}

// InTx runs fn in one transaction: everything it writes lands together or not at all.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.transaction(s.db.WithContext(ctx), func(db *gorm.DB) error {
		return fn(&Tx{db: db, store: s})
	})
}

// now is the store's clock in UTC, at the precision both databases keep.
func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// ErrNotFound is returned when a row asked for by id does not exist.
var ErrNotFound = errors.New("store: not found")

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
