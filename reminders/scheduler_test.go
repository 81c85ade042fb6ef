package reminders

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
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

// Someone gives up a place: the longest-waiting person is promoted at once,
// not at the next scheduled sweep.
func TestPromoteSoonFillsAFreedPlaceAtOnce(t *testing.T) {
	clk := clock.NewManual(local(10, 12, 0)) // outside quiet hours
	f := newFixture(t, storetest.SQLite(t, clk), clk)
	opp := f.opportunity(local(20, 9, 0), 1, nil)
	leaving, waiting := f.person(tg(1), nil), f.person(tg(2), nil)
	f.signup(leaving, opp, store.SignupRegistered)
	f.signup(waiting, opp, store.SignupWaitlisted)

	s, err := NewScheduler(newSweeper(t, f.store), clk, Schedule{Promotions: "0 0 1 1 *"}) // scheduled sweep far away
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	f.signup(leaving, opp, store.SignupCancelled)
	s.PromoteSoon()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.queued("waitlist:signup:")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the waiting person was not promoted after PromoteSoon")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if rows := f.queued("waitlist:signup:"); rows[0].ContactID != waiting.ID {
		t.Fatalf("promoted contact %d, want %d", rows[0].ContactID, waiting.ID)
	}
}
