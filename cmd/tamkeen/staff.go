package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/store"
)

const staffUsage = `Usage:
  tamkeen staff add --role admin|staff|viewer [--regions dhofar,muscat] NAME
                                                     add an account; the password is read from stdin
  tamkeen staff edit --regions dhofar,muscat|all NAME
                                                     limit an account to the people of governorates (all: everyone)
  tamkeen staff list                                 list accounts
  tamkeen staff disable NAME                         disable an account and end its sessions
  tamkeen staff enable NAME                          enable a disabled account
  tamkeen staff reset NAME                           set a new password (from stdin) and end its sessions

Roles: admin (everything and the audit log), staff (reads and changes), viewer (reads only).
Regions are governorate ids of the pack (tamkeen content lists them): an account limited to
some sees and answers in the inbox only the people of those. Passwords have at least 10
characters. Example:
  echo 'a long pass phrase' | tamkeen staff add --role staff --regions dhofar mona
`

// staff manages the web console's accounts.
func staff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, staffUsage)
		return usageError{errors.New("staff: a subcommand is required")}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("staff "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, staffUsage) }
	role := fs.String("role", "", "admin, staff or viewer (add)")
	regionsFlag := fs.String("regions", "", "governorates whose people the account serves, such as dhofar,muscat (add, edit; all: everyone)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	var name string
	switch sub {
	case "add", "edit", "disable", "enable", "reset":
		if fs.NArg() != 1 {
			fmt.Fprint(stderr, staffUsage)
			return usageError{fmt.Errorf("staff %s: one account name is required", sub)}
		}
		var err error
		if name, err = store.NormalizeUsername(fs.Arg(0)); err != nil {
			return usageError{fmt.Errorf("staff %s: %w", sub, err)}
		}
	case "list":
		if fs.NArg() != 0 {
			return usageError{errors.New("staff list: no arguments expected")}
		}
	default:
		fmt.Fprint(stderr, staffUsage)
		return usageError{fmt.Errorf("staff: unknown subcommand %q", sub)}
	}
	if sub == "add" && !slices.Contains(store.Roles, *role) {
		return usageError{fmt.Errorf("staff add: --role must be one of %s", strings.Join(store.Roles, ", "))}
	}
	if sub == "edit" && *regionsFlag == "" {
		return usageError{errors.New("staff edit: --regions is required (governorates such as dhofar,muscat, or all)")}
	}
	if *regionsFlag != "" && sub != "add" && sub != "edit" {
		return usageError{fmt.Errorf("staff %s: --regions goes with add or edit", sub)}
	}
	var hash string
	if sub == "add" || sub == "reset" {
		password, err := readPassword(stdin)
		if err != nil {
			return usageError{fmt.Errorf("staff %s: %w", sub, err)}
		}
		if hash, err = store.HashPassword(password); err != nil {
			return usageError{fmt.Errorf("staff %s: %w", sub, err)}
		}
	}

	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	regions, err := staffRegions(cfg, *regionsFlag)
	if err != nil {
		return usageError{fmt.Errorf("staff %s: %w", sub, err)}
	}
	s, err := store.Open(ctx, cfg.DB, clock.System{})
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	switch sub {
	case "list":
		list, err := s.StaffAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tREGIONS\tSTATE\tCREATED")
		for _, a := range list {
			state := "enabled"
			if a.DisabledAt != nil {
				state = "disabled " + a.DisabledAt.Format("2006-01-02")
			}
			r := a.Regions
			if r == "" {
				r = "all"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, r, state, a.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	case "add":
		err = s.CreateStaffAccount(ctx, &store.StaffAccount{Username: name, Role: *role, PasswordHash: hash, Regions: regions.String()})
		if errors.Is(err, store.ErrExists) {
			return usageError{fmt.Errorf("staff add: %q already exists (use reset to change its password)", name)}
		}
	case "edit":
		err = s.SetStaffRegions(ctx, name, regions)
	case "disable", "enable":
		err = s.SetStaffAccountDisabled(ctx, name, sub == "disable")
	case "reset":
		err = s.SetStaffPassword(ctx, name, hash)
	}
	if errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Errorf("staff %s: no account %q (see tamkeen staff list)", sub, name)}
	}
	if err != nil {
		return err
	}
	target := strings.TrimSpace(name + " " + *role)
	if *regionsFlag != "" {
		target += " regions=" + *regionsFlag
	}
	if err := s.Audit(ctx, store.AuditEvent{Actor: "cli", Action: "staff_" + sub, Target: target}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "staff %s: %s done\n", sub, name)
	return nil
}

// readPassword reads one line from stdin (the trailing newline is not part
// of the password).
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is read from stdin: pipe it in, e.g. echo 'a long pass phrase' | tamkeen staff add …")
	}
	return line, nil
}

// staffRegions reads --regions: governorates of the configured pack,
// separated by commas, or "all" (and "") for everyone.
func staffRegions(cfg config.Config, v string) (store.Regions, error) {
	if strings.EqualFold(strings.TrimSpace(v), "all") || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	b, err := loadBundle(cfg)
	if err != nil {
		return nil, err
	}
	regions := store.ParseRegions(v)
	for _, r := range regions {
		if !b.Content.HasGovernorate(r) {
			return nil, fmt.Errorf("--regions: %q is not a governorate of the %s pack (allowed: %s, or all)", r, b.Content.Pack.Country, strings.Join(b.Content.Governorates, ", "))
		}
	}
	return regions, nil
}
