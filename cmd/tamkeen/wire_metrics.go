package main

import (
	"context"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
)

// watchMetrics adds what /metrics reads at each scrape for the alert rules
// in deploy/: the outbox backlog of every channel that sends, by lane (0
// when none is due), the dispatcher replicas seen, and this replica's readiness.
func watchMetrics(a *app, senders []bot.Sender, d *notifier.Dispatcher) {
	a.metrics.Watch(func(ctx context.Context) ([]metrics.Backlog, error) {
		rows, err := a.store.OutboxBacklog(ctx)
		if err != nil {
			return nil, err
		}
		type key struct{ channel, lane string }
		backlog := map[key]metrics.Backlog{}
		for _, s := range senders {
			for _, lane := range []string{store.LaneReply, store.LaneNotice, store.LaneBulk} {
				backlog[key{s.Channel(), lane}] = metrics.Backlog{Channel: s.Channel(), Lane: lane}
			}
		}
		for _, r := range rows {
			backlog[key{r.Channel, r.Lane}] = metrics.Backlog{Channel: r.Channel, Lane: r.Lane, Due: r.Due, Oldest: r.Oldest}
		}
		out := make([]metrics.Backlog, 0, len(backlog))
		for _, b := range backlog {
			out = append(out, b)
		}
		return out, nil
	}, d.Replicas, func(ctx context.Context) bool {
		return httpapi.Ready(ctx, a.store, a.log) == ""
	})
}
