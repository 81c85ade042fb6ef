package main

import (
	"context"

	"github.com/tamkeen/tamkeen/reminders"
)

// wireSchedule runs the scheduled sweeps: reminders (TAMKEEN_REMINDERS),
// assessment nudges, the weekly digest and waitlist promotion (also right
// after someone cancels), in TAMKEEN_TIMEZONE, held by TAMKEEN_QUIET_HOURS.
func wireSchedule(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	sw := reminders.New(w.app.store, reminders.Config{
		Offsets: cfg.Reminders, QuietHours: cfg.QuietHours, Location: cfg.Location, Retention: cfg.MessageRetention,
		Notify: w.notify, Log: w.app.log,
	})
	sched, err := reminders.NewScheduler(sw, w.app.clock, reminders.Schedule{})
	if err != nil {
		return err
	}
	w.placesFreed = sched.PromoteSoon
	w.inbox.OnPlacesFreed(sched.PromoteSoon)
	w.addJob("schedule", sched.Run)
	return nil
}
