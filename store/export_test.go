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

// Int64s reads the first column of a query as integers.
func (s *Store) Int64s(ctx context.Context, sql string, args ...any) ([]int64, error) {
	var out []int64
	err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&out).Error
	return out, err
}

// Strings reads the first column of a query as text.
func (s *Store) Strings(ctx context.Context, sql string, args ...any) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&out).Error
	return out, err
}

// ChannelChoiceInSQL is what the SQL definitions say of one contact: the
// channel and address PreferredChannel would choose ("" when none reaches
// it), and whether the contact may get notices (noticeableSQL).
func (s *Store) ChannelChoiceInSQL(ctx context.Context, id int64) (channel, recipient string, noticeable bool, err error) {
	var row struct {
		Channel, Recipient string
		Noticeable         int
	}
	err = s.db.WithContext(ctx).Raw(`SELECT
		CASE WHEN `+reachableSQL+` THEN `+preferredChannelSQL+` ELSE '' END AS channel,
		CASE WHEN `+reachableSQL+` THEN `+preferredRecipientSQL+` ELSE '' END AS recipient,
		CASE WHEN `+noticeableSQL+` THEN 1 ELSE 0 END AS noticeable
		FROM contacts c WHERE c.id = ?`, id).Scan(&row).Error
	return row.Channel, row.Recipient, row.Noticeable == 1, err
}
