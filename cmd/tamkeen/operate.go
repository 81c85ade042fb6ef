package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

// pgDumpHint is what backup and restore say on PostgreSQL.
const pgDumpHint = `on PostgreSQL use its own tools (see README, "Operating"):
  pg_dump --format=custom --file=tamkeen.dump "$TAMKEEN_DB"
  pg_restore --clean --if-exists --no-owner --dbname="$TAMKEEN_DB" tamkeen.dump`

// backup writes a checked copy of the SQLite database while serve may run.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	file, err := oneFileArg("backup", args, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	if cfg.IsPostgres() {
		return usageError{errors.New("backup copies a SQLite database; " + pgDumpHint)}
	}
	if _, err := os.Stat(file); err == nil {
		return usageError{fmt.Errorf("backup: %s already exists: give a new file name (a backup never overwrites one)", file)}
	}
	if _, err := os.Stat(cfg.DB); err != nil {
		return usageError{fmt.Errorf("backup: TAMKEEN_DB=%q: no database there", cfg.DB)}
	}
	yieldCPU()
	start := time.Now()
	rep, err := store.BackupSQLite(ctx, cfg.DB, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s written to %s in %s: %s, %s ok, schema step %d\n",
		cfg.DB, rep.Path, time.Since(start).Round(time.Millisecond), size(rep.Size), rep.Checked, rep.Schema)
	return printRows(stdout, rep)
}

// restore puts a backup in place of the SQLite database, which no process may have open.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	file, err := oneFileArg("restore", args, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	if cfg.IsPostgres() {
		return usageError{errors.New("restore writes a SQLite database; " + pgDumpHint)}
	}
	if _, err := os.Stat(file); err != nil {
		return usageError{fmt.Errorf("restore: the backup %s: %w", file, err)}
	}
	start := time.Now()
	rep, kept, err := store.RestoreSQLite(ctx, file, cfg.DB, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s in %s: %s, schema step %d\n",
		file, cfg.DB, time.Since(start).Round(time.Millisecond), size(rep.Size), rep.Schema)
	if kept != "" {
		fmt.Fprintf(stdout, "the database that was there is kept as %s (delete it once the restore is confirmed)\n", kept)
	}
	if err := printRows(stdout, rep); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "start tamkeen serve: it applies any newer migrations at start")
	return nil
}

func oneFileArg(cmd string, args []string, stderr io.Writer) (string, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return "", usageError{err}
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		return "", usageError{fmt.Errorf("%s: one FILE is required: tamkeen %s FILE", cmd, cmd)}
	}
	return fs.Arg(0), nil
}

func printRows(w io.Writer, rep store.FileReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  table\trows")
	for _, t := range rep.Tables {
		fmt.Fprintf(tw, "  %s\t%d\n", t.Table, t.Rows)
	}
	return tw.Flush()
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
}

// healthcheck asks the local serve for /readyz: exit 0 when ready. It is the
// container image's HEALTHCHECK, which has no curl or wget to call.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr, _ := env("TAMKEEN_HTTP_ADDR")
	u := fs.String("url", readyURL(addr), "the readiness URL to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return usageError{fmt.Errorf("healthcheck: --url %q: %w", *u, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: not ready: %s answered %d %s", *u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "ready: %s\n", strings.TrimSpace(string(body)))
	return nil
}

// readyURL is where this machine reaches serve's /readyz when it listens on
// addr (TAMKEEN_HTTP_ADDR; ":8080" and "0.0.0.0:8080" are reached on the loopback).
func readyURL(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/readyz"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}
