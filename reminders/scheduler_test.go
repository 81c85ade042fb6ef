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
	for _, tt := range []struct {
		name      string
		offsets   []time.Duration
		want      int
		retention time.Duration
	}{
		{"with reminder offsets", []time.Duration{time.Hour}, 5, 0}, // reminders, promotions, nudges, digest, scrub
		{"without reminder offsets", nil, 4, 0},
		{"with a retention", nil, 5, 24 * time.Hour}, // and the retention sweep
	} {
		t.Run(tt.name, func(t *testing.T) {
			sw := New(storetest.SQLite(t, clock.NewManual(start)), Config{Offsets: tt.offsets, Retention: tt.retention, Log: slog.New(slog.DiscardHandler)})
			s, err := NewScheduler(sw, clock.NewManual(start), Schedule{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(s.jobs); n != tt.want {
				t.Errorf("%d jobs scheduled, want %d", n, tt.want)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- s.Run(ctx) }()
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// never is a spec whose turn does not come during a test.
const never = "0 0 1 1 *"

// A sweep runs when its spec's time comes in the configured location
// (12:30 in Muscat, not 12:30 UTC), not a moment before, and its next turn
// is the next day's 12:30 there.
func TestSchedulerRunsASweepAtItsLocalTime(t *testing.T) {
	clk := clock.NewManual(local(10, 12, 0)) // outside quiet hours
	f := newFixture(t, storetest.SQLite(t, clk), clk)
	opp := f.opportunity(local(20, 9, 0), 1, nil)
	leaving, waiting := f.person(tg(1), nil), f.person(tg(2), nil)
	f.signup(leaving, opp, store.SignupRegistered)
	f.signup(waiting, opp, store.SignupWaitlisted)
	f.signup(leaving, opp, store.SignupCancelled) // a place is free from now on

	s, err := NewScheduler(newSweeper(t, f.store), clk, Schedule{
		Promotions: "30 12 * * *", Reminders: never, Nudges: never, Digest: never, Scrub: never,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitForTurn(t, clk, local(10, 12, 30))
	clk.Set(local(10, 12, 30).Add(-time.Nanosecond))
	if clk.Pending() != 1 || len(f.queued("waitlist:signup:")) != 0 {
		t.Fatal("the promotion sweep ran before 12:30 local time")
	}
	clk.Advance(time.Nanosecond)
	for deadline := time.Now().Add(10 * time.Second); len(f.queued("waitlist:signup:")) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the promotion sweep did not run at 12:30 local time")
		}
	}
	if rows := f.queued("waitlist:signup:"); rows[0].ContactID != waiting.ID {
		t.Fatalf("promoted contact %d, want %d", rows[0].ContactID, waiting.ID)
	}
	waitForTurn(t, clk, local(11, 12, 30))
}

// waitForTurn waits until the scheduler waits on the clock, and checks it waits until at.
func waitForTurn(t *testing.T, clk *clock.Manual, at time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the scheduler does not wait on its clock")
	}
	if next, _ := clk.Next(); !next.Equal(at) {
		t.Fatalf("the scheduler waits until %v, want %v", next.In(muscat), at)
	}
}

// A sweep still running when its next turn comes is skipped, and one that
// panics runs again at its next turn.
func TestSchedulerSkipsABusySweepAndSurvivesAPanic(t *testing.T) {
	clk := clock.NewManual(local(10, 12, 0))
	sw := New(storetest.SQLite(t, clk), Config{Location: muscat, Log: slog.New(slog.DiscardHandler)})
	s, err := NewScheduler(sw, clk, Schedule{Promotions: "* * * * *", Nudges: never, Digest: never, Scrub: never})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	runs := make(chan int, 10)
	n := 0
	for _, j := range s.jobs {
		if j.name == "promotions" {
			j.run = func(ctx context.Context, now time.Time) (Report, error) {
				n++
				runs <- n
				switch n {
				case 1:
					<-release // still running at the next turn
				case 2:
					panic("boom")
				}
				return Report{}, nil
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()

	minute := func(m int) {
		t.Helper()
		waitForTurn(t, clk, local(10, 12, m))
		clk.Set(local(10, 12, m))
	}
	minute(1)
	if got := <-runs; got != 1 {
		t.Fatalf("run %d", got)
	}
	minute(2) // the first run still runs: skipped
	waitForTurn(t, clk, local(10, 12, 3))
	idle := func() { // the run before is over
		for s.jobs[0].running.Load() {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	idle()
	minute(3)
	if got := <-runs; got != 2 { // panics
		t.Fatalf("run %d, want 2 (the turn at 12:02 was skipped)", got)
	}
	idle()
	minute(4)
	if got := <-runs; got != 3 {
		t.Fatalf("run %d after the panic, want 3", got)
	}
	cancel()
	<-done // Run returns once every job it started is over
	if len(runs) != 0 {
		t.Fatalf("%d runs more than the turns at 12:01, 12:03 and 12:04", len(runs))
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

	s, err := NewScheduler(newSweeper(t, f.store), clk, Schedule{Promotions: never}) // scheduled sweep far away
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	f.signup(leaving, opp, store.SignupCancelled)
	s.PromoteSoon() // the clock does not move: only PromoteSoon can promote
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
