package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/demo"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
)

// app is what every command that talks to people shares.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	clock    clock.Clock
	bundle   *locales.Bundle
	store    *store.Store
	engine   *flows.Engine
	renderer *bot.Renderer
	metrics  *metrics.Metrics
}

func loadConfig(env func(string) (string, bool)) (config.Config, error) {
	cfg, err := config.Load(env)
	if err != nil {
		return cfg, usageError{fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, nil
}

// loadBundle reads the words and content of the configured pack, with the
// help contact the environment sets over the pack's own.
func loadBundle(cfg config.Config) (*locales.Bundle, error) {
	b, err := locales.Load(cfg.ContentDir, cfg.Country)
	if err != nil {
		return nil, usageError{err}
	}
	b.Content.Pack.Help = b.Content.Pack.Help.With(cfg.Help)
	return b, nil
}

// loadPackFor reads the configuration and its pack for a command that
// writes in lang (its --lang flag), refusing a language the pack lacks.
func loadPackFor(env func(string) (string, bool), lang string) (config.Config, *locales.Bundle, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return cfg, nil, err
	}
	b, err := loadBundle(cfg)
	if err != nil {
		return cfg, nil, err
	}
	if !b.Supported(lang) {
		return cfg, nil, usageError{fmt.Errorf("--lang=%q: allowed values are %s", lang, strings.Join(b.Languages(), ", "))}
	}
	return cfg, b, nil
}

// open builds the shared pieces: catalogs, database (migrated), engine.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log, clock: clock.System{}, metrics: metrics.New()}
	var err error
	if a.bundle, err = loadBundle(cfg); err != nil {
		return nil, err
	}
	if a.store, err = store.Open(ctx, cfg.DB, a.clock); err != nil {
		return nil, err
	}
	if a.store.Pooled() {
		log.Info("PostgreSQL through a pooler in transaction mode (PgBouncer): queries are not prepared, and replicas find each other's new messages by polling every second instead of LISTEN/NOTIFY")
	}
	applied, err := a.store.Migrate(ctx)
	if err != nil {
		a.store.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "dialect", a.store.Dialect(), "steps", applied)
	}
	if cfg.DemoData {
		n, err := a.store.SeedDemo(ctx, demo.Opportunities(a.bundle.Demo, a.clock.Now(), cfg.Location))
		if err != nil {
			a.store.Close()
			return nil, err
		}
		if n > 0 {
			log.Info("demo opportunities loaded into the empty database", "count", n)
		}
	}
	a.renderer = bot.NewRenderer(a.bundle, cfg.Location)
	a.engine = flows.New(a.bundle.Content).WithLabels(a.renderer).
		WithOffice(flows.Office{Hours: cfg.OfficeHours, Location: cfg.Location})
	return a, nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
		if bi.Main.Version != "" {
			return bi.Main.Version
		}
	}
	return "dev"
}
