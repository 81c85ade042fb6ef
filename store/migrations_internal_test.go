package store

import (
	"slices"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string
	}{
		{"plain", "CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);\n", []string{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}},
		{"no final semicolon", "SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"blank pieces dropped", ";;\n ; SELECT 1;\n\n", []string{"SELECT 1"}},
		{"semicolon in a string", "INSERT INTO t VALUES ('a;b'); SELECT 1", []string{"INSERT INTO t VALUES ('a;b')", "SELECT 1"}},
		{"doubled quote", "INSERT INTO t VALUES ('it''s; here'); SELECT 1", []string{"INSERT INTO t VALUES ('it''s; here')", "SELECT 1"}},
		{"escape string", `INSERT INTO t VALUES (E'it\'s; here'); SELECT 1`, []string{`INSERT INTO t VALUES (E'it\'s; here')`, "SELECT 1"}},
		{"backslash in a plain string ends nothing", `INSERT INTO t VALUES ('a\'); SELECT 1`, []string{`INSERT INTO t VALUES ('a\')`, "SELECT 1"}},
		{"quoted name", `CREATE TABLE "odd;name" (x INT); SELECT 1`, []string{`CREATE TABLE "odd;name" (x INT)`, "SELECT 1"}},
		{"line comment", "SELECT 1; -- not here; nor here\nSELECT 2;", []string{"SELECT 1", "-- not here; nor here\nSELECT 2"}},
		{"comment-only piece dropped", "SELECT 1;\n-- the end; really\n", []string{"SELECT 1"}},
		{"block comment", "SELECT /* a; b */ 1; SELECT 2", []string{"SELECT /* a; b */ 1", "SELECT 2"}},
		{"nested block comment", "SELECT /* a /* b; */ c; */ 1; SELECT 2", []string{"SELECT /* a /* b; */ c; */ 1", "SELECT 2"}},
		{"quote inside a comment", "SELECT 1 -- don't\n; SELECT 2", []string{"SELECT 1 -- don't", "SELECT 2"}},
		{"dollar body", "CREATE FUNCTION f() RETURNS INT AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT 1",
			[]string{"CREATE FUNCTION f() RETURNS INT AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql", "SELECT 1"}},
		{"tagged dollar body holding $$", "DO $fn$ BEGIN PERFORM '$$;'; END $fn$; SELECT 1", []string{"DO $fn$ BEGIN PERFORM '$$;'; END $fn$", "SELECT 1"}},
		{"positional parameter is no tag", "SELECT $1; SELECT $2", []string{"SELECT $1", "SELECT $2"}},
		{"dollar inside a name is no tag", "SELECT a$b$c; SELECT 2", []string{"SELECT a$b$c", "SELECT 2"}},
		{"unterminated string runs to the end", "SELECT 'a; b", []string{"SELECT 'a; b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitStatements(tt.script); !slices.Equal(got, tt.want) {
				t.Errorf("splitStatements(%q)\n got %q\nwant %q", tt.script, got, tt.want)
			}
		})
	}
}

// Every released step splits into statements that each hold SQL, on each
// database; a step for one database only (no common SQL) holds some there.
func TestReleasedMigrationsSplit(t *testing.T) {
	seen := map[int]bool{}
	for _, m := range migrations {
		if seen[m.version] {
			t.Errorf("version %d twice", m.version)
		}
		seen[m.version] = true
		oneDatabase := len(splitStatements(m.sql)) == 0
		some := false
		for dialect, r := range dialectTypes {
			n := len(splitStatements(r.Replace(m.sql))) + len(splitStatements(m.only[dialect]))
			some = some || n > 0
			if n == 0 && !oneDatabase {
				t.Errorf("step %d has no statement for %s", m.version, dialect)
			}
		}
		if !some {
			t.Errorf("step %d has no statement at all", m.version)
		}
	}
	i := slices.IndexFunc(migrations, func(m migration) bool { return m.version == 22 })
	if got := splitStatements(migrations[i].only["postgres"]); len(got) != 3 {
		t.Errorf("step 22 on PostgreSQL splits into %d statements, want 3 (the function body is one): %q", len(got), got)
	}
}
