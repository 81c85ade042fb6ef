// Package pipelinetest builds, for tests, the conversation pipeline that every
// channel shares: the embedded catalogs, the flows engine and the inbox on a
// given database, with the demo opportunities loaded and dates shown in the
// pack's time zone (Muscat for the default, Oman). Channel tests add their
// own sender and fake provider.
package pipelinetest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/demo"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
)

// Pipeline is the shared part of serve, ready for a test.
type Pipeline struct {
	Bundle   *locales.Bundle
	Location *time.Location
	Renderer *bot.Renderer
	Inbox    *inbox.Inbox
	Log      *slog.Logger // discards everything
}

// New loads the catalogs of the default country pack, seeds the demo
// opportunities into s as of clk's now, and returns the pipeline. s must use clk.
func New(t testing.TB, s *store.Store, clk clock.Clock) *Pipeline {
	t.Helper()
	return NewFor(t, s, clk, "")
}

// NewFor is New with the pack of country (OM, JO, SA, EG; "" for the default).
func NewFor(t testing.TB, s *store.Store, clk clock.Clock, country string) *Pipeline {
	t.Helper()
	bundle, err := locales.Load("", country)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(bundle.Content.Pack.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedDemo(context.Background(), demo.Opportunities(bundle.Demo, clk.Now(), loc)); err != nil {
		t.Fatal(err)
	}
	log := Discard()
	renderer := bot.NewRenderer(bundle, loc)
	return &Pipeline{
		Bundle:   bundle,
		Location: loc,
		Renderer: renderer,
		Inbox:    inbox.New(s, flows.New(bundle.Content).WithLabels(renderer), clk, log, nil),
		Log:      log,
	}
}

// Discard is a logger that writes nothing.
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
