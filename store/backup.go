package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Backups of the SQLite database. A live SQLite file cannot be copied with
// cp: the copy may hold half a transaction, and the newest ones live in the
// -wal file beside it. BackupSQLite asks SQLite itself for the copy
// (VACUUM INTO), inside one read transaction: it holds exactly what was
// committed when it began, and the server keeps writing meanwhile (WAL:
// readers do not block writers). RestoreSQLite puts a checked copy in place
// of a database no process has open.

// TableRows is how many rows one table holds.
type TableRows struct {
	Table string
	Rows  int64
}

// FileReport describes a checked SQLite file.
type FileReport struct {
	Path    string
	Size    int64
	Schema  int // the highest migration step recorded
	Tables  []TableRows
	Checked string // "integrity_check" or "quick_check": what passed
}

// Rows returns the row count of table (0 when it is not there).
func (r FileReport) Rows(table string) int64 {
	for _, t := range r.Tables {
		if t.Table == table {
			return t.Rows
		}
	}
	return 0
}

// ErrInUse is returned by RestoreSQLite when a process has the database open.
var ErrInUse = errors.New("the database is in use")

// BackupSQLite writes a consistent copy of the SQLite database at src to
// dst, which must not exist, while other processes go on using src. The copy
// is written beside dst first and renamed into place only once SQLite's full
// integrity_check passed, so dst is either a good backup or absent.
func BackupSQLite(ctx context.Context, src, dst string) (FileReport, error) {
	if _, err := os.Stat(src); err != nil {
		return FileReport{}, fmt.Errorf("store: backup: the database %s: %w", src, err)
	}
	if _, err := os.Stat(dst); err == nil {
		return FileReport{}, fmt.Errorf("store: backup: %s already exists: give a new file name", dst)
	}
	partial := dst + ".partial"
	_ = os.Remove(partial) // left by a backup that was interrupted
	db, err := sql.Open("sqlite", rawSQLiteDSN(src, nil))
	if err != nil {
		return FileReport{}, fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", partial); err != nil {
		_ = os.Remove(partial)
		return FileReport{}, fmt.Errorf("store: backup: copy %s: %w", src, err)
	}
	rep, err := checkSQLite(ctx, partial, true)
	if err == nil {
		err = syncFile(partial)
	}
	if err == nil {
		err = os.Rename(partial, dst)
	}
	if err != nil {
		_ = os.Remove(partial)
		return FileReport{}, fmt.Errorf("store: backup: %w", err)
	}
	syncDir(filepath.Dir(dst))
	rep.Path = dst
	return rep, nil
}

// CheckSQLite checks the SQLite file at path (quick_check, or the full
// integrity_check) and counts its rows; it writes nothing.
func CheckSQLite(ctx context.Context, path string, full bool) (FileReport, error) {
	rep, err := checkSQLite(ctx, path, full)
	if err != nil {
		return rep, fmt.Errorf("store: %w", err)
	}
	return rep, nil
}

func checkSQLite(ctx context.Context, path string, full bool) (FileReport, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return FileReport{}, err
	}
	// The copy is a file of its own: no -wal beside it.
	db, err := sql.Open("sqlite", rawSQLiteDSN(path, url.Values{"_pragma": {"journal_mode(DELETE)"}}))
	if err != nil {
		return FileReport{}, err
	}
	defer db.Close()
	check := "quick_check"
	if full {
		check = "integrity_check"
	}
	rows, err := db.QueryContext(ctx, "PRAGMA "+check)
	if err != nil {
		return FileReport{}, fmt.Errorf("%s: %s: %w", path, check, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return FileReport{}, fmt.Errorf("%s: %s: %w", path, check, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return FileReport{}, fmt.Errorf("%s: %s: %w", path, check, err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "…")
		}
		return FileReport{}, fmt.Errorf("%s is damaged (%s): %s", path, check, strings.Join(problems, "; "))
	}
	rep := FileReport{Path: path, Size: fi.Size(), Checked: check}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&rep.Schema); err != nil {
		return FileReport{}, fmt.Errorf("%s is not a Tamkeen database (no schema_migrations): %w", path, err)
	}
	var tables []string
	trows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return FileReport{}, err
	}
	for trows.Next() {
		var name string
		if err := trows.Scan(&name); err != nil {
			trows.Close()
			return FileReport{}, err
		}
		tables = append(tables, name)
	}
	if err := errors.Join(trows.Err(), trows.Close()); err != nil {
		return FileReport{}, err
	}
	for _, name := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(name, `"`, `""`)+`"`).Scan(&n); err != nil {
			return FileReport{}, fmt.Errorf("%s: count %s: %w", path, name, err)
		}
		rep.Tables = append(rep.Tables, TableRows{Table: name, Rows: n})
	}
	return rep, nil
}

// RestoreSQLite puts the backup at src in place of the SQLite database at
// dst. It refuses (ErrInUse) while any process has dst open, serve
// included, and keeps whatever dst held as dst.before-restore-<time>
// (with its -wal), so a restore never destroys anything. The backup is
// checked (quick_check) before anything is moved.
func RestoreSQLite(ctx context.Context, src, dst string, now time.Time) (rep FileReport, keptAs string, err error) {
	fail := func(err error) (FileReport, string, error) {
		return FileReport{}, "", fmt.Errorf("store: restore: %w", err)
	}
	if filepath.Clean(src) == filepath.Clean(dst) {
		return fail(errors.New("the backup and the database are the same file"))
	}
	release, err := lockOut(dst)
	if err != nil {
		return fail(err)
	}
	defer release()
	if _, err := checkSQLite(ctx, src, false); err != nil {
		return fail(fmt.Errorf("the backup: %w", err))
	}
	incoming := dst + ".restoring"
	if err := copyFile(src, incoming); err != nil {
		_ = os.Remove(incoming)
		return fail(err)
	}
	if _, err := os.Stat(dst); err == nil {
		keptAs = dst + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		if err := os.Rename(dst, keptAs); err != nil {
			_ = os.Remove(incoming)
			return fail(err)
		}
		// The -wal holds the newest transactions of the old file: it goes with it.
		if err := os.Rename(dst+"-wal", keptAs+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail(err)
		}
	}
	// No -wal or -shm of another file may stay beside the restored one.
	for _, f := range []string{dst + "-wal", dst + "-shm", dst + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail(err)
		}
	}
	if err := os.Rename(incoming, dst); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(dst))
	rep, err = checkSQLite(ctx, dst, false)
	if err != nil {
		return fail(err)
	}
	return rep, keptAs, nil
}

// rawSQLiteDSN is the URI of a plain connection to path (no WAL switch, no
// write gate): for copying and checking files.
func rawSQLiteDSN(path string, extra url.Values) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	for k, vs := range extra {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	return "file:" + path + "?" + q.Encode()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable (best effort: not every system can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
