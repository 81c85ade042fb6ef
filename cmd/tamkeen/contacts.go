package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
)

const contactsUsage = `Usage:
  tamkeen contacts import --source NAME [--dry-run] [--json] [--lang ar|en] FILE.csv
        add or update the people of a beneficiary list (CSV, UTF-8 with or without BOM, comma or
        semicolon separated). Columns by header, in any order, English or Arabic names:
        phone (required), name, region, language; every other column becomes a contact field.
        Prints one summary line (--json: a JSON object) and writes the rejected rows with their
        line number and reason (in --lang) to FILE.rejected.csv. --dry-run changes nothing.
        Exit 0 when the file was read (even with rejected rows), 1 when it could not be, 2 for bad usage.
  tamkeen contacts export [--source NAME] FILE.csv
        write the contacts with a phone number and their fields (CSV with BOM; imports back as it is)

Example:
  tamkeen contacts import --source registry-2026 --dry-run demo/beneficiaries-example.csv
`

// contacts runs tamkeen contacts import|export.
func contacts(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, contactsUsage)
		return usageError{errors.New("contacts: a subcommand is required (import or export)")}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("contacts "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, contactsUsage) }
	source := fs.String("source", "", "the list's name, kept on each contact it sets (import; export: only its contacts)")
	dryRun := fs.Bool("dry-run", false, "count what the import would do and change nothing")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	lang := fs.String("lang", locales.Default, "language of the reasons in the rejected-rows file: ar or en")
	switch sub {
	case "import", "export":
	default:
		fmt.Fprint(stderr, contactsUsage)
		return usageError{fmt.Errorf("contacts: unknown subcommand %q", sub)}
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, contactsUsage)
		return usageError{fmt.Errorf("contacts %s: one FILE.csv is required", sub)}
	}
	file := fs.Arg(0)
	if sub == "import" {
		if err := contactimport.CheckSource(*source); err != nil {
			return usageError{fmt.Errorf("contacts import: --source: %w", err)}
		}
	}
	cfg, b, err := loadPackFor(env, *lang)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.DB, clock.System{})
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if sub == "export" {
		return exportContacts(ctx, s, *source, file, stdout)
	}

	in, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("contacts import: %w", err)
	}
	defer in.Close()
	rejectedPath := strings.TrimSuffix(file, ".csv") + ".rejected.csv"
	out, err := os.Create(rejectedPath)
	if err != nil {
		return fmt.Errorf("contacts import: %w", err)
	}
	defer out.Close()
	bw := bufio.NewWriter(out)
	rw := export.NewWriter(bw)
	im := contactimport.New(s, b, cfg.DefaultRegion)
	headerWritten := false
	opt := contactimport.Options{Source: *source, DryRun: *dryRun, Actor: "cli",
		Reject: func(r contactimport.Rejection) error {
			if !headerWritten {
				headerWritten = true
				if err := rw.Write(rejectedHeader(b, *lang, r.Header)); err != nil {
					return err
				}
			}
			return rw.Write(append([]string{strconv.Itoa(r.Line), r.Text(b, *lang)}, r.Record...))
		}}
	rep, err := im.Import(ctx, in, opt)
	if err != nil {
		return fmt.Errorf("contacts import: %s: %w", file, err)
	}
	if !headerWritten {
		if err := rw.Write(rejectedHeader(b, *lang, nil)); err != nil {
			return err
		}
	}
	if err := rw.Flush(); err != nil {
		return fmt.Errorf("contacts import: %s: %w", rejectedPath, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("contacts import: %s: %w", rejectedPath, err)
	}
	if err := im.Audit(ctx, opt, rep); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	what := "imported"
	if *dryRun {
		what = "dry run, nothing changed"
	}
	fmt.Fprintf(stdout, "%s (%s): created %d, updated %d, unchanged %d, rejected %d, skipped opted out %d, skipped erased %d; rejected rows in %s\n",
		file, what, rep.Created, rep.Updated, rep.Unchanged, rep.Rejected, rep.SkippedOptedOut, rep.SkippedErased, rejectedPath)
	return nil
}

// rejectedHeader is the first row of the rejected-rows file: line, reason,
// then the columns of the rows as they were read.
func rejectedHeader(b *locales.Bundle, lang string, header []string) []string {
	line, _ := b.Text(lang, "import.rejected.line", nil)
	reason, _ := b.Text(lang, "import.rejected.reason", nil)
	return append([]string{line, reason}, header...)
}

// exportContacts writes the contacts with a phone number and their fields.
func exportContacts(ctx context.Context, s *store.Store, source, file string, stdout io.Writer) error {
	out, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("contacts export: %w", err)
	}
	defer out.Close()
	bw := bufio.NewWriter(out)
	n, err := contactimport.Export(ctx, s, bw, source)
	if err != nil {
		return fmt.Errorf("contacts export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("contacts export: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("contacts export: %w", err)
	}
	fmt.Fprintf(stdout, "%d contacts written to %s\n", n, file)
	return nil
}
