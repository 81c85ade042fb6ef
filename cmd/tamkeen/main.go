// Command tamkeen is the one binary of the service: serve, chat, staff, migrate,
// backup, restore, healthcheck, content, version.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // zone data inside the binary: the image has no /usr/share/zoneinfo
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2 // bad command line or configuration
)

// usageError marks errors that are the caller's to fix (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

const usage = `tamkeen: the Tamkeen empowerment chat service

Usage:
  tamkeen serve [--chat]                    run HTTP, the dispatcher and every channel whose credentials are set
  tamkeen chat [--phone N] [--lang ar|en]   chat with the bot in this terminal (reads stdin line by line)
  tamkeen staff add|list|disable|enable|reset   manage web console accounts (tamkeen staff for help)
  tamkeen migrate                           apply database migrations and exit
  tamkeen backup FILE                       write a checked copy of the SQLite database to FILE (serve may run)
  tamkeen restore FILE                      put the backup FILE in place of the SQLite database (serve must be stopped)
  tamkeen healthcheck [--url URL]           exit 0 when the local serve answers /readyz (the image's health check)
  tamkeen contacts import|export ...        import a beneficiary list (CSV), export contacts with their fields (tamkeen contacts for help)
  tamkeen content [--lang ar|en]            show the country pack (TAMKEEN_COUNTRY): regions, currency, lessons and their sources
  tamkeen version                           print the version

Configuration comes from environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdin, stdout, stderr, env)
	case "chat":
		err = chat(ctx, args[1:], stdin, stdout, stderr, env)
	case "staff":
		err = staff(ctx, args[1:], stdin, stdout, stderr, env)
	case "migrate":
		err = migrate(ctx, args[1:], stderr, env)
	case "backup":
		err = backup(ctx, args[1:], stdout, stderr, env)
	case "restore":
		err = restore(ctx, args[1:], stdout, stderr, env)
	case "healthcheck":
		err = healthcheck(ctx, args[1:], stdout, stderr, env)
	case "content":
		err = content(ctx, args[1:], stdout, stderr, env)
	case "contacts":
		err = contacts(ctx, args[1:], stdout, stderr, env)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "tamkeen", version())
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "tamkeen: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "tamkeen:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailed
}
