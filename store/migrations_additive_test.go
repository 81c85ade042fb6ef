package store

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// releasedSchema is the last migration step of the previous release (the
// commit cmd/tamkeen's upgrade test runs beside this code). While a rolling
// upgrade runs, the old release works on the new schema: steps after it may
// only add. Move it with that commit.
const releasedSchema = 23

var (
	spaces      = regexp.MustCompile(`\s+`)
	comments    = regexp.MustCompile(`(?m)^\s*--.*$`)
	addColumn   = regexp.MustCompile(`^ALTER TABLE \w+ ADD COLUMN \w+ `)
	createTable = regexp.MustCompile(`^CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	alterTable  = regexp.MustCompile(`^ALTER TABLE (\w+) `)
	dropTable   = regexp.MustCompile(`^DROP TABLE (\w+)$`)
	createIndex = regexp.MustCompile(`^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+)`)
	dropIndex   = regexp.MustCompile(`^DROP INDEX (?:IF EXISTS )?(\w+)$`)
)

// additive says why stmt could break a replica of the previous release
// still running on the schema, or nil: it may create tables, indexes and
// temporary functions, add columns the old code can ignore (nullable, or
// with a default), fill in data, and change in any way a table created
// since the release (newTables, upper case), which the old code never reads
// (it may even drop such a table). An index made since the release may be
// dropped too (newTables holds indexes as well): the old code never relied
// on it.
func additive(stmt string, newTables map[string]bool) error {
	s := strings.ToUpper(strings.TrimSpace(spaces.ReplaceAllString(comments.ReplaceAllString(stmt, ""), " ")))
	if m := alterTable.FindStringSubmatch(s); m != nil && newTables[m[1]] {
		return nil
	}
	if m := dropTable.FindStringSubmatch(s); m != nil && newTables[m[1]] {
		return nil
	}
	if m := dropIndex.FindStringSubmatch(s); m != nil && newTables[m[1]] {
		return nil
	}
	switch {
	case strings.HasPrefix(s, "CREATE TABLE "), strings.HasPrefix(s, "CREATE INDEX "), strings.HasPrefix(s, "CREATE UNIQUE INDEX "),
		strings.HasPrefix(s, "CREATE FUNCTION PG_TEMP."), strings.HasPrefix(s, "DROP FUNCTION PG_TEMP."),
		strings.HasPrefix(s, "UPDATE "), strings.HasPrefix(s, "INSERT "):
		return nil
	case addColumn.MatchString(s):
		if strings.Contains(s, " NOT NULL") && !strings.Contains(s, " DEFAULT ") {
			return fmt.Errorf("a NOT NULL column without a DEFAULT: the old release's inserts would fail")
		}
		return nil
	}
	return fmt.Errorf("not additive (drops, renames or changes what the old release uses): release it in two steps, stop using it first, drop it a release later")
}

func TestStepsSinceTheLastReleaseOnlyAdd(t *testing.T) {
	newTables := map[string]bool{}
	for _, m := range migrations {
		if m.version <= releasedSchema {
			continue
		}
		stmts := splitStatements(m.sql)
		for _, only := range m.only {
			stmts = append(stmts, splitStatements(only)...)
		}
		for _, stmt := range stmts {
			made := strings.ToUpper(strings.TrimSpace(comments.ReplaceAllString(stmt, "")))
			if m := createTable.FindStringSubmatch(made); m != nil {
				newTables[m[1]] = true
			}
			if m := createIndex.FindStringSubmatch(made); m != nil {
				newTables[m[1]] = true
			}
			if err := additive(stmt, newTables); err != nil {
				t.Errorf("step %d (%s): %q: %v", m.version, m.name, stmt, err)
			}
		}
	}
}

func TestWhatCountsAsAdditive(t *testing.T) {
	for stmt, ok := range map[string]bool{
		"CREATE TABLE t (id {{id}})":                                         true,
		"CREATE INDEX t_a ON t (a)":                                          true,
		"create unique index t_b on t (b) where b is not null":               true,
		"ALTER TABLE contacts ADD COLUMN web_session TEXT":                   true,
		"ALTER TABLE t ADD COLUMN step TEXT NOT NULL DEFAULT ''":             true,
		"ALTER TABLE t\n\tADD COLUMN n INTEGER NOT NULL":                     false,
		"UPDATE contacts SET web_session = substr(console_user, 5)":          true,
		"DROP INDEX conversation_states_updated":                             false, // step 22: fine between releases, not within one
		"DROP TABLE old":                                                     false,
		"ALTER TABLE t DROP COLUMN a":                                        false,
		"ALTER TABLE t RENAME COLUMN a TO b":                                 false,
		"ALTER TABLE t ALTER COLUMN a TYPE BIGINT":                           false,
		"CREATE FUNCTION pg_temp.f(data TEXT) RETURNS TEXT LANGUAGE plpgsql": true,
		"-- a comment first\nUPDATE t SET a = 1":                             true,
		"-- a comment first\nDROP TABLE old":                                 false,
		"ALTER TABLE fresh ALTER COLUMN w TYPE TEXT COLLATE \"C\"":           true, // made since the release
		"ALTER TABLE contacts ALTER COLUMN name TYPE BIGINT":                 false,
		"DROP TABLE fresh":                                                   true, // made since the release: the old code never reads it
		"DROP TABLE fresh_and_more":                                          false,
		"DROP INDEX fresh":                                                   true, // an index made since the release
		"DROP INDEX IF EXISTS fresh":                                         true,
		"DROP INDEX contacts_phone":                                          false,
	} {
		if got := additive(stmt, map[string]bool{"FRESH": true}) == nil; got != ok {
			t.Errorf("additive(%q) = %v, want %v", stmt, got, ok)
		}
	}
}
