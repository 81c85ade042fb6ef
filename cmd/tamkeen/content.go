package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tamkeen/tamkeen/locales"
)

// content prints the country pack the configuration selects, for staff: its
// settings, the regions offered, and each lesson with its pages and the
// article its facts come from. It also checks a TAMKEEN_CONTENT_DIR before
// a deployment: the same loading and validation as serve.
func content(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("content", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", locales.Default, "language of the names: ar or en")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, b, err := loadPackFor(env, *lang)
	if err != nil {
		return err
	}
	text := func(key string) string {
		s, err := b.Text(*lang, key, nil)
		if err != nil {
			return "?" + key
		}
		return s
	}
	p := b.Content.Pack
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "pack\t%s\t%s\n", p.Country, text("pack.country"))
	fmt.Fprintf(w, "ministry\t%s\n", text("pack.ministry"))
	fmt.Fprintf(w, "program\t%s\n", text("pack.program"))
	fmt.Fprintf(w, "office\t%s\n", text("pack.office"))
	h := b.Content.Pack.Help
	byLang := func(m map[string]string) string {
		if s := m[*lang]; s != "" {
			return s
		}
		return m[locales.Default]
	}
	for _, part := range []struct{ name, value string }{{"phone", h.Phone}, {"address", byLang(h.Address)}, {"hours", byLang(h.Hours)}} {
		if part.value == "" { // help shows nothing for it
			part.value = fmt.Sprintf("(not set: TAMKEEN_HELP_%s or countries/%s/help.toml)", strings.ToUpper(part.name), strings.ToLower(p.Country))
		}
		fmt.Fprintf(w, "office %s\t%s\n", part.name, part.value)
	}
	fmt.Fprintf(w, "currency\t%s\t%s\n", p.Currency, text("currency."+p.Currency))
	fmt.Fprintf(w, "phone region, time zone\t%s\t%s (in use: %s, %s)\n", p.PhoneRegion, p.TimeZone, cfg.DefaultRegion, cfg.Location)
	fmt.Fprintf(w, "marketplace orders\t%v\n", p.Marketplace)
	regions := make([]string, len(b.Content.Governorates))
	for i, g := range b.Content.Governorates {
		regions[i] = g + " " + text("gov."+g)
	}
	fmt.Fprintf(w, "regions (%d)\t%s\n", len(regions), strings.Join(regions, ", "))
	fmt.Fprintln(w, "\nlesson\tpages\tsource\ttitle")
	for _, m := range b.Content.Modules {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", m.ID, m.Pages, m.Source, text("module."+m.ID+".title"))
	}
	return w.Flush()
}
