package reminders

import (
	"context"
	"fmt"
	"log/slog"
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
}

// Scheduler runs the sweeps on their schedule.
type Scheduler struct {
	cron    *cron.Cron
	log     *slog.Logger
	base    context.Context // Run's context: jobs end early when serve stops
	sweeper *Sweeper
	clock   clock.Clock
	promote chan struct{} // a place was freed: promote now, not at the next turn
}

// NewScheduler registers the sweeps of sw. Each job asks clk for "now".
// A job still running when its next turn comes is skipped, and a job that
// panics is logged and runs again next time (Recover sits inside
// SkipIfStillRunning: the other order leaves a panicked job locked forever,
// robfig/cron issue #366).
func NewScheduler(sw *Sweeper, clk clock.Clock, sched Schedule) (*Scheduler, error) {
	sched.defaults()
	log := sw.cfg.Log
	l := cronLogger{log}
	s := &Scheduler{log: log, base: context.Background(), sweeper: sw, clock: clk, promote: make(chan struct{}, 1), cron: cron.New(
		cron.WithLocation(sw.cfg.Location),
		cron.WithLogger(l),
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
	)}
	jobs := []struct {
		name, spec string
		run        func(context.Context, time.Time) (Report, error)
	}{
		{"reminders", sched.Reminders, sw.Reminders},
		{"promotions", sched.Promotions, sw.Promotions},
		{"nudges", sched.Nudges, sw.Nudges},
		{"digest", sched.Digest, sw.Digest},
		{"scrub", sched.Scrub, sw.Scrub},
	}
	for _, j := range jobs {
		if len(sw.cfg.Offsets) == 0 && j.name == "reminders" {
			continue
		}
		_, err := s.cron.AddFunc(j.spec, func() {
			ctx, cancel := context.WithTimeout(s.base, 10*time.Minute)
			defer cancel()
			if _, err := j.run(ctx, clk.Now()); err != nil {
				log.Error("reminders: sweep failed", "sweep", j.name, "err", err)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("reminders: schedule %s %q: %w", j.name, j.spec, err)
		}
	}
	return s, nil
}

// Run starts the scheduler and, when ctx ends, stops it and waits for the
// jobs still running (their context ends too; an interrupted sweep rolls
// back and is done again by the next run). Run once.
func (s *Scheduler) Run(ctx context.Context) error {
	s.base = ctx // set before Start, so every job sees it
	s.cron.Start()
	for {
		select {
		case <-ctx.Done():
			<-s.cron.Stop().Done()
			return nil
		case <-s.promote:
			if _, err := s.sweeper.Promotions(ctx, s.clock.Now()); err != nil && ctx.Err() == nil {
				s.log.Error("reminders: sweep failed", "sweep", "promotions", "err", err)
			}
		}
	}
}

// PromoteSoon asks for a waitlist promotion sweep right away (someone gave
// up a place); it never blocks. The scheduled sweep still runs as a safety net.
func (s *Scheduler) PromoteSoon() {
	select {
	case s.promote <- struct{}{}:
	default:
	}
}

// cronLogger lets robfig/cron log through slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
