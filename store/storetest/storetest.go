// Package storetest opens real, migrated, throw-away databases for tests:
// a SQLite file in a temp folder always, and PostgreSQL (a fresh schema per
// test) when TAMKEEN_TEST_POSTGRES_DSN is set.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
)

// PostgresEnv names the variable with the PostgreSQL DSN for tests.
const PostgresEnv = "TAMKEEN_TEST_POSTGRES_DSN"

// SQLite opens a migrated SQLite database in a temp folder.
func SQLite(t testing.TB, clk clock.Clock) *store.Store {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "tamkeen.db"), clk)
}

// SQLiteDSN returns a path for a SQLite database that a subprocess may open.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "tamkeen.db")
}

// PostgresDSN returns the DSN of a fresh, empty schema, or skips the test when
// TAMKEEN_TEST_POSTGRES_DSN is unset. The schema is dropped after the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL test skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run it", PostgresEnv)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("storetest: connect %s: %v", PostgresEnv, err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if db, err := admin.DB(); err == nil {
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: bad %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated PostgreSQL schema of its own, or skips (see PostgresDSN).
func Postgres(t testing.TB, clk clock.Clock) *store.Store {
	t.Helper()
	return open(t, PostgresDSN(t), clk)
}

// Each runs fn against SQLite, and against PostgreSQL when it is configured.
func Each(t *testing.T, clk func() clock.Clock, fn func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, clk())) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, clk())) })
}

func open(t testing.TB, dsn string, clk clock.Clock) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, clk)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}
