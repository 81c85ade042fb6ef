package reminders

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store/storetest"
)

func TestSchedulerRefusesABadSpec(t *testing.T) {
	sw := New(storetest.SQLite(t, clock.NewManual(start)), Config{Log: slog.New(slog.DiscardHandler)})
	if _, err := NewScheduler(sw, clock.NewManual(start), Schedule{Digest: "every sunday"}); err == nil {
		t.Fatal("a bad cron spec was accepted")
	}
}

func TestSchedulerStopsWhenServeStops(t *testing.T) {
	sw := New(storetest.SQLite(t, clock.NewManual(start)), Config{Offsets: []time.Duration{time.Hour}, Log: slog.New(slog.DiscardHandler)})
	s, err := NewScheduler(sw, clock.NewManual(start), Schedule{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.cron.Entries()); n != 5 { // reminders, promotions, nudges, digest, scrub
		t.Errorf("%d jobs scheduled, want 5", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
