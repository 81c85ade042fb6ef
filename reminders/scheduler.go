package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tamkeen/tamkeen/clock"
)

// Schedule says when each sweep runs, in cron syntax judged in the configured time zone.
type Schedule struct {
	Reminders  string // default every 5 minutes
	Promotions string // default every 5 minutes
	Nudges     string // default hourly
	Digest     string // default Sundays at 10:00 (the first working day in the Gulf)
	Scrub      string // default hourly: blank finished messages of people who erased their data
	Retention  string // default hourly: delete what people wrote past TAMKEEN_MESSAGE_RETENTION
}

func (s *Schedule) defaults() {
	if s.Reminders == "" {
		s.Reminders = "*/5 * * * *"
	}
	if s.Promotions == "" {
		s.Promotions = "2-59/5 * * * *"
	}
	if s.Nudges == "" {
		s.Nudges = "17 * * * *"
	}
	if s.Digest == "" {
		s.Digest = "0 10 * * 0"
	}
	if s.Scrub == "" {
		s.Scrub = "41 * * * *"
	}
	if s.Retention == "" {
		s.Retention = "53 * * * *"
	}
}

// Scheduler runs the sweeps on their schedule, on its clock: robfig/cron
// reads the specs, and the scheduler waits for the next turn on a timer of
// the injected clock (cron's own runner knows only the wall clock).
type Scheduler struct {
	jobs    []*job
	loc     *time.Location // where the specs are judged
	log     *slog.Logger
	sweeper *Sweeper
	clock   clock.Clock
	promote chan struct{} // a place was freed: promote now, not at the next turn
}

// job is one sweep and its schedule.
type job struct {
	name    string
	spec    cron.Schedule
	run     func(context.Context, time.Time) (Report, error)
	running atomic.Bool // a turn that comes while it runs is skipped
}

// NewScheduler registers the sweeps of sw, their specs judged in sw's
// location. Each job asks clk for "now". A job still running when its next
// turn comes is skipped, and a job that panics is logged and runs again
// next time.
func NewScheduler(sw *Sweeper, clk clock.Clock, sched Schedule) (*Scheduler, error) {
	sched.defaults()
	s := &Scheduler{loc: sw.cfg.Location, log: sw.cfg.Log, sweeper: sw, clock: clk, promote: make(chan struct{}, 1)}
	jobs := []struct {
		name, spec string
		run        func(context.Context, time.Time) (Report, error)
	}{
		{"reminders", sched.Reminders, sw.Reminders},
		{"promotions", sched.Promotions, sw.Promotions},
		{"nudges", sched.Nudges, sw.Nudges},
		{"digest", sched.Digest, sw.Digest},
		{"scrub", sched.Scrub, sw.Scrub},
		{"retention", sched.Retention, sw.Retention},
	}
	for _, j := range jobs {
		if len(sw.cfg.Offsets) == 0 && j.name == "reminders" || sw.cfg.Retention <= 0 && j.name == "retention" {
			continue
		}
		spec, err := cron.ParseStandard(j.spec)
		if err != nil {
			return nil, fmt.Errorf("reminders: schedule %s %q: %w", j.name, j.spec, err)
		}
		s.jobs = append(s.jobs, &job{name: j.name, spec: spec, run: j.run})
	}
	return s, nil
}

// Run runs the sweeps on their schedule until ctx ends, then waits for the
// jobs still running (their context ends too; an interrupted sweep rolls
// back and is done again by the next run). Run once.
func (s *Scheduler) Run(ctx context.Context) error {
	var running sync.WaitGroup
	defer running.Wait()
	now := s.now()
	next := make([]time.Time, len(s.jobs))
	for i, j := range s.jobs {
		next[i] = j.spec.Next(now)
	}
	timer := s.clock.NewTimer(s.untilNext(now, next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.promote:
			if _, err := s.sweeper.Promotions(ctx, s.clock.Now()); err != nil && ctx.Err() == nil {
				s.log.Error("reminders: sweep failed", "sweep", "promotions", "err", err)
			}
		case <-timer.C():
			now = s.now()
			for i, j := range s.jobs {
				if next[i].After(now) {
					continue
				}
				next[i] = j.spec.Next(now)
				s.start(ctx, j, &running)
			}
			timer.Reset(s.untilNext(now, next))
		}
	}
}

// now is the clock's time in the schedule's location.
func (s *Scheduler) now() time.Time { return s.clock.Now().In(s.loc) }

// untilNext is how long until the earliest of next (a year with no job).
func (s *Scheduler) untilNext(now time.Time, next []time.Time) time.Duration {
	wait := 365 * 24 * time.Hour
	for _, t := range next {
		if !t.IsZero() { // a spec that never comes again is zero
			wait = min(wait, t.Sub(now))
		}
	}
	return wait
}

// start runs j in the background unless it is still running from its last
// turn; a panic is logged and the job runs again next time.
func (s *Scheduler) start(ctx context.Context, j *job, running *sync.WaitGroup) {
	if !j.running.CompareAndSwap(false, true) {
		s.log.Info("reminders: sweep skipped: the last one still runs", "sweep", j.name)
		return
	}
	running.Add(1)
	go func() {
		defer running.Done()
		defer j.running.Store(false)
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("reminders: sweep panicked", "sweep", j.name, "panic", v, "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		if _, err := j.run(ctx, s.clock.Now()); err != nil {
			s.log.Error("reminders: sweep failed", "sweep", j.name, "err", err)
		}
	}()
}

// PromoteSoon asks for a waitlist promotion sweep right away (someone gave
// up a place); it never blocks. The scheduled sweep still runs as a safety net.
func (s *Scheduler) PromoteSoon() {
	select {
	case s.promote <- struct{}{}:
	default:
	}
}
