package store

import "context"

// What the external tests of this package need to reach inside.

// Migration is a schema step.
type Migration = migration

// MigrationStep builds a schema step for MigrateSteps.
func MigrationStep(version int, name, sql string) Migration {
	return migration{version: version, name: name, sql: sql}
}

// MigrationsBefore returns the released steps numbered below version.
func MigrationsBefore(version int) []Migration {
	var out []migration
	for _, m := range migrations {
		if m.version < version {
			out = append(out, m)
		}
	}
	return out
}

// MigrateSteps applies steps as Migrate applies the released ones.
func (s *Store) MigrateSteps(ctx context.Context, steps []Migration) ([]int, error) {
	return s.migrate(ctx, steps)
}

// Exec runs one statement, for tests that must write what the API cannot (an old schema).
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}

// Strings reads the first column of a query as text.
func (s *Store) Strings(ctx context.Context, sql string, args ...any) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&out).Error
	return out, err
}
