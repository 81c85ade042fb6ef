package main

import (
	"context"
	"time"

	"github.com/tamkeen/tamkeen/handoff"
)

// wireConversationGauges keeps the Prometheus gauges of conversations with
// staff (open, waiting, median first answer, answered within office hours)
// up to date, read every 30 seconds.
func wireConversationGauges(ctx context.Context, w *wiring) error {
	a := w.app
	w.addJob("conversation_gauges", func(ctx context.Context) error {
		for {
			n, err := handoff.Measure(ctx, a.store, a.cfg.OfficeHours, a.cfg.Location, a.clock.Now())
			if err == nil {
				a.metrics.ConversationsOpen.Set(float64(n.Open))
				a.metrics.ConversationsWaiting.Set(float64(n.Waiting))
				a.metrics.FirstAnswerSeconds.Set(n.Stats.MedianFirstAnswer.Seconds())
				a.metrics.AnsweredWithinHours.Set(n.Stats.Share())
			} else if ctx.Err() == nil {
				a.log.Warn("conversation gauges not read", "err", err)
			}
			t := a.clock.NewTimer(30 * time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C():
			}
		}
	})
	return nil
}
