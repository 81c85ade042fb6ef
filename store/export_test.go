package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

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

// ExplainContactSearch is the database's plan for ListContacts searching
// text: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with sequential
// scans priced out (its few test rows would otherwise be read whole).
func (s *Store) ExplainContactSearch(ctx context.Context, text string) (string, error) {
	sql := s.db.ToSQL(func(db *gorm.DB) *gorm.DB {
		q := db.Model(&Contact{}).Where("id > ?", 0).Order("id").Limit(51)
		return searchContacts(q, text, "").Find(&[]Contact{})
	})
	return s.explain(ctx, sql)
}

// ExplainClaim is the plan of the query that picks the rows a claim of the
// sms lane of priorities [0, 100) may take.
func (s *Store) ExplainClaim(ctx context.Context) (string, error) {
	sql := s.db.ToSQL(func(db *gorm.DB) *gorm.DB {
		return db.Raw("SELECT o.id FROM outbox o WHERE "+claimableSQL+" ORDER BY o.priority, o.id LIMIT 100",
			map[string]any{"channel": "sms", "lo": 0, "hi": 100, "now": s.now()}).Scan(&[]int64{})
	})
	return s.explain(ctx, sql)
}

// explain is the plan of sql (PostgreSQL's with sequential scans made dear,
// as a large table would make them).
func (s *Store) explain(ctx context.Context, sql string) (string, error) {
	var lines []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			return tx.Raw("EXPLAIN " + sql).Scan(&lines).Error
		}
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := tx.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
		return nil
	})
	return strings.Join(lines, "\n"), err
}

// SeedConversationHistory turns the conversations opened for a benchmark
// into a busy office's: all but one in every are closed, the open ones
// have waited from minutes to days, and one in answered of those is
// answered (nobody waits).
func (s *Store) SeedConversationHistory(ctx context.Context, every, answered int) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`UPDATE conversations SET status = 'closed', closed_at = opened_at, waiting_since = NULL
		WHERE id % ? <> 0`, every).Error; err != nil {
		return err
	}
	var ids []int64
	if err := db.Raw("SELECT id FROM conversations WHERE status = 'open' ORDER BY id").Scan(&ids).Error; err != nil {
		return err
	}
	for i, id := range ids {
		var waiting any = s.now().Add(-time.Duration((i*7919)%(5*24*60)) * time.Minute)
		if i%answered == 0 {
			waiting = nil
		}
		if err := db.Exec("UPDATE conversations SET waiting_since = ? WHERE id = ?", waiting, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// RowsBack sends rows through rowsTable (three text columns) and reads them
// back in the order sent, and says which of the values inTexts finds
// among the first column.
func (s *Store) RowsBack(ctx context.Context, rows [][]string, values []string) (back [][]string, found []string, err error) {
	args := map[string]any{}
	from, err := s.rowsTable("j", []string{"a", "b", "c"}, rows, args)
	if err != nil {
		return nil, nil, err
	}
	var got []struct{ A, B, C string }
	if err := s.db.WithContext(ctx).Raw("SELECT j.a, j.b, j.c FROM "+from, args).Scan(&got).Error; err != nil {
		return nil, nil, err
	}
	for _, r := range got {
		back = append(back, []string{r.A, r.B, r.C})
	}
	args = map[string]any{}
	from, err = s.rowsTable("j", []string{"a", "b", "c"}, rows, args)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.inTexts("j.a", "vals", values, args)
	if err != nil {
		return nil, nil, err
	}
	err = s.db.WithContext(ctx).Raw("SELECT j.a FROM "+from+" WHERE "+in, args).Scan(&found).Error
	return back, found, err
}
