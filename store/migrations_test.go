package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// eachEmpty runs fn against an empty SQLite database and, when configured, an empty PostgreSQL schema.
func eachEmpty(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storetest.SQLiteDSN(t) }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			s, err := store.Open(context.Background(), db.dsn(t), newClock())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s)
		})
	}
}

func TestFailingStepLeavesEarlierStepsAppliedAndItselfUnrecorded(t *testing.T) {
	eachEmpty(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		good := []store.Migration{
			store.MigrationStep(1, "notes", `CREATE TABLE notes (body TEXT NOT NULL);
-- a comment; with a semicolon
INSERT INTO notes (body) VALUES ('one; two -- three /* four */');`),
			store.MigrationStep(2, "tags", `CREATE TABLE tags (name TEXT NOT NULL); /* a; comment */ INSERT INTO tags (name) VALUES ('it''s; fine')`),
		}
		broken := store.MigrationStep(3, "broken", `CREATE TABLE halfway (x INTEGER); INSERT INTO no_such_table VALUES (1);`)
		fixed := store.MigrationStep(3, "fixed", `CREATE TABLE halfway (x INTEGER);`)
		later := store.MigrationStep(4, "later", `CREATE TABLE later (x INTEGER);`)

		applied, err := s.MigrateSteps(ctx, append(slices.Clone(good), broken, later))
		if err == nil || !strings.Contains(err.Error(), "step 3 (broken)") {
			t.Fatalf("err = %v, want step 3 to fail", err)
		}
		if !slices.Equal(applied, []int{1, 2}) {
			t.Errorf("applied %v before the failure, want [1 2]", applied)
		}
		if v, err := s.SchemaVersions(ctx); err != nil || !slices.Equal(v, []int{1, 2}) {
			t.Errorf("recorded %v (%v), want [1 2]: step 3 failed, step 4 never ran", v, err)
		}
		if err := s.Exec(ctx, "SELECT x FROM halfway"); err == nil {
			t.Error("the failed step's first statement stayed applied")
		}
		if got, err := s.Strings(ctx, "SELECT body FROM notes"); err != nil || !slices.Equal(got, []string{"one; two -- three /* four */"}) {
			t.Errorf("notes = %q (%v): a ; or comment marker inside a string was split", got, err)
		}
		if got, err := s.Strings(ctx, "SELECT name FROM tags"); err != nil || !slices.Equal(got, []string{"it's; fine"}) {
			t.Errorf("tags = %q (%v)", got, err)
		}

		applied, err = s.MigrateSteps(ctx, append(slices.Clone(good), fixed, later))
		if err != nil || !slices.Equal(applied, []int{3, 4}) {
			t.Fatalf("after the fix applied %v (%v), want [3 4]", applied, err)
		}
	})
}

func TestDollarQuotedBodyIsOneStatement(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.PostgresDSN(t), newClock())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.MigrateSteps(ctx, []store.Migration{store.MigrationStep(1, "a function", `
CREATE FUNCTION twice(n INTEGER) RETURNS INTEGER LANGUAGE plpgsql AS $body$
DECLARE r INTEGER;
BEGIN
	r := n * 2; -- two statements; in one body
	RETURN r;
END
$body$;
CREATE TABLE doubled AS SELECT twice(21) AS n;`)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Strings(ctx, "SELECT CAST(n AS TEXT) FROM doubled"); err != nil || !slices.Equal(got, []string{"42"}) {
		t.Fatalf("doubled = %q (%v)", got, err)
	}
}
