// Package notifier owns everything that sends without being asked in that
// moment: the outbox dispatcher that delivers every queued message (replies
// included), and later broadcasts, reminders and order notices that feed it.
package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
)

// DispatcherConfig tunes the dispatcher; zero fields take the defaults.
type DispatcherConfig struct {
	Batch        int           // rows claimed at once (default 50)
	Lease        time.Duration // how long a claim holds before others may take it (default 2m)
	PollInterval time.Duration // how often to look when nobody wakes us (default 1s)
	MaxAttempts  int           // attempts before a message fails for good (default 8)
	BaseBackoff  time.Duration // first retry delay, doubled each attempt (default 2s)
	MaxBackoff   time.Duration // longest retry delay (default 10m)
}

func (c *DispatcherConfig) defaults() {
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 2 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
}

// Dispatcher claims due outbox rows, re-checks that the person may still be
// messaged, sends through the row's channel and records the outcome.
type Dispatcher struct {
	store    *store.Store
	senders  map[string]bot.Sender
	channels []string
	clock    clock.Clock
	log      *slog.Logger
	metrics  *metrics.Metrics
	cfg      DispatcherConfig
	wake     chan struct{}
}

// NewDispatcher returns a dispatcher for the given senders (one per channel).
func NewDispatcher(s *store.Store, senders []bot.Sender, clk clock.Clock, log *slog.Logger, m *metrics.Metrics, cfg DispatcherConfig) *Dispatcher {
	cfg.defaults()
	d := &Dispatcher{
		store: s, senders: map[string]bot.Sender{}, clock: clk, log: log, metrics: m, cfg: cfg,
		wake: make(chan struct{}, 1),
	}
	for _, sn := range senders {
		d.senders[sn.Channel()] = sn
		d.channels = append(d.channels, sn.Channel())
	}
	return d
}

// Notify wakes the dispatcher because rows were just enqueued. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := d.DispatchOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("dispatcher: round failed", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due right away
		}
		timer.Reset(d.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// DispatchOnce claims one batch and sends it; it returns how many rows it handled.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	rows, err := d.store.Claim(ctx, d.channels, d.cfg.Batch, d.cfg.Lease)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	contacts, err := d.store.ClaimedContacts(ctx, rows)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, row := range rows {
		if err := d.deliver(ctx, row, contacts[row.ContactID]); err != nil {
			errs = append(errs, err)
		}
	}
	return len(rows), errors.Join(errs...)
}

// Drain sends until nothing is due; the console uses it to print replies in turn.
func (d *Dispatcher) Drain(ctx context.Context) error {
	for {
		n, err := d.DispatchOnce(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

func (d *Dispatcher) deliver(ctx context.Context, row store.OutboxMessage, c *store.Contact) error {
	if c == nil {
		d.count(row.Channel, "skipped")
		return d.store.MarkSkipped(ctx, row.ID, "no_contact")
	}
	if ok, why := c.Reachable(row.Channel, row.Always); !ok {
		d.count(row.Channel, "skipped")
		return d.store.MarkSkipped(ctx, row.ID, why)
	}
	out := bot.Outgoing{ID: row.ID, ContactID: row.ContactID, Recipient: row.Recipient, Language: row.Language, Body: row.Body}
	if row.Payload != "" {
		var r flows.Reply
		if err := json.Unmarshal([]byte(row.Payload), &r); err != nil {
			d.count(row.Channel, "failed")
			return d.store.MarkFailed(ctx, row.ID, "unreadable payload: "+err.Error())
		}
		out.Reply = &r
	}
	start := d.clock.Now()
	providerID, err := d.senders[row.Channel].Send(ctx, out)
	if d.metrics != nil {
		d.metrics.SendSeconds.WithLabelValues(row.Channel).Observe(d.clock.Now().Sub(start).Seconds())
	}
	if err == nil {
		d.count(row.Channel, "sent")
		return d.store.MarkSent(ctx, row.ID, providerID)
	}
	return d.failed(ctx, row, err)
}

func (d *Dispatcher) failed(ctx context.Context, row store.OutboxMessage, sendErr error) error {
	kind, after := bot.KindOf(sendErr)
	log := d.log.With("outbox_id", row.ID, "channel", row.Channel, "contact", row.ContactID, "attempt", row.Attempts, "kind", kind.String())
	switch kind {
	case bot.Unreachable:
		log.Info("dispatcher: contact unreachable on channel", "err", sendErr)
		d.count(row.Channel, "failed")
		if err := d.store.MarkUnreachable(ctx, row.ContactID, row.Channel, true); err != nil {
			return err
		}
		return d.store.MarkFailed(ctx, row.ID, sendErr.Error())
	case bot.OptedOut:
		log.Info("dispatcher: provider reports opt-out", "err", sendErr)
		d.count(row.Channel, "failed")
		if err := d.store.MarkOptedOut(ctx, row.ContactID); err != nil {
			return err
		}
		return d.store.MarkFailed(ctx, row.ID, sendErr.Error())
	case bot.Permanent:
		log.Warn("dispatcher: message refused for good", "err", sendErr)
		d.count(row.Channel, "failed")
		return d.store.MarkFailed(ctx, row.ID, sendErr.Error())
	case bot.BadConfig:
		log.Error("dispatcher: CHANNEL MISCONFIGURED, messages wait until it is fixed", "err", sendErr)
		d.count(row.Channel, "retry")
		return d.store.MarkRetry(ctx, row.ID, d.clock.Now().Add(d.cfg.MaxBackoff), sendErr.Error())
	}
	if row.Attempts >= d.cfg.MaxAttempts {
		log.Warn("dispatcher: giving up after repeated failures", "err", sendErr)
		d.count(row.Channel, "failed")
		return d.store.MarkFailed(ctx, row.ID, fmt.Sprintf("after %d attempts: %v", row.Attempts, sendErr))
	}
	wait := Backoff(row.Attempts, d.cfg.BaseBackoff, d.cfg.MaxBackoff, rand.Float64())
	if after > wait {
		wait = after
	}
	log.Info("dispatcher: will retry", "in", wait, "err", sendErr)
	d.count(row.Channel, "retry")
	return d.store.MarkRetry(ctx, row.ID, d.clock.Now().Add(wait), sendErr.Error())
}

func (d *Dispatcher) count(channel, result string) {
	if d.metrics != nil {
		d.metrics.Outbound.WithLabelValues(channel, result).Inc()
	}
}

// Backoff is the wait before retry number attempt (1-based): base doubled per
// attempt, capped at max, with "equal jitter" (half fixed, half random by jitter in [0,1)).
func Backoff(attempt int, base, max time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(float64(half)*jitter)
}
