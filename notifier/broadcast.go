package notifier

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
)

// BroadcastConfig tunes broadcast expansion; zero fields take the defaults.
type BroadcastConfig struct {
	Batch        int           // contacts expanded per transaction (default 5000)
	PollInterval time.Duration // how often to look for due broadcasts (default 1s)
	// QuietUntil: see DispatcherConfig. Rows are enqueued due when quiet hours end.
	QuietUntil func(t time.Time) time.Time
}

// Broadcasts creates, reports on and cancels staff broadcasts, and expands
// their audiences into the outbox in the background (Run).
type Broadcasts struct {
	store  BroadcastStore
	clock  clock.Clock
	log    *slog.Logger
	notify func()
	cfg    BroadcastConfig
	wake   chan struct{}

	mu       sync.Mutex
	failures map[int64]int // expansion failures in a row, by broadcast
}

// MaxExpandFailures is how many times in a row a broadcast's expansion may
// fail before it is marked failed, so that it does not hold up the
// broadcasts after it.
const MaxExpandFailures = 3

// NewBroadcasts returns the broadcast service; notify wakes the dispatcher (may be nil).
func NewBroadcasts(s BroadcastStore, clk clock.Clock, log *slog.Logger, notify func(), cfg BroadcastConfig) *Broadcasts {
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.QuietUntil == nil {
		cfg.QuietUntil = func(t time.Time) time.Time { return t }
	}
	if notify == nil {
		notify = func() {}
	}
	return &Broadcasts{store: s, clock: clk, log: log, notify: notify, cfg: cfg, wake: make(chan struct{}, 1), failures: map[int64]int{}}
}

// Counts say where a broadcast's messages are.
type Counts struct {
	Targeted  int            `json:"targeted"`  // contacts the audience matched
	Queued    int            `json:"queued"`    // waiting or being sent
	Sent      int            `json:"sent"`      // handed to the provider (delivered included)
	Delivered int            `json:"delivered"` // confirmed by the provider
	Failed    int            `json:"failed"`
	Cancelled int            `json:"cancelled"`
	Skipped   map[string]int `json:"skipped"` // by reason: opted_out, no_consent, unreachable, erased
}

// Report is a broadcast as staff see it.
type Report struct {
	ID          int64             `json:"id"`
	Status      string            `json:"status"`            // scheduled, expanding, sending, quiet_hours, done, cancelled, failed
	Failure     string            `json:"failure,omitempty"` // why a failed broadcast gave up
	Texts       map[string]string `json:"texts"`
	Audience    store.Audience    `json:"audience"`
	Channels    []string          `json:"channels"`
	SendAt      time.Time         `json:"send_at"`
	CreatedBy   string            `json:"created_by,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	CancelledAt *time.Time        `json:"cancelled_at,omitempty"`
	Counts      Counts            `json:"counts"`
	// Expected is whom the broadcast would reach if it ran now, while it
	// waits for its send time (its counts are all 0 until it runs); given by
	// Report, not by List.
	Expected *Expected `json:"expected,omitempty"`
}

// Expected is a broadcast's audience counted before it runs, by the rules
// its expansion will apply.
type Expected struct {
	Targeted int            `json:"targeted"` // contacts the audience matches
	Reach    int            `json:"reach"`    // of them, those a message would go to
	Skipped  map[string]int `json:"skipped"`  // the others, by reason: opted_out, no_consent, unreachable
}

// Create stores a broadcast (already validated) and wakes the expansion; it
// returns at once whatever the audience's size.
func (b *Broadcasts) Create(ctx context.Context, br *store.Broadcast) (Report, error) {
	if br.SendAt.IsZero() {
		br.SendAt = b.clock.Now()
	}
	if err := b.store.CreateBroadcast(ctx, br); err != nil {
		return Report{}, err
	}
	b.log.Info("broadcast created", "broadcast", br.ID, "channels", br.Channels, "send_at", br.SendAt, "by", br.CreatedBy)
	signal(b.wake)
	return b.Report(ctx, br.ID)
}

// Cancel stops a broadcast; what was handed to a provider already stays sent.
func (b *Broadcasts) Cancel(ctx context.Context, id int64) (Report, error) {
	n, err := b.store.CancelBroadcast(ctx, id)
	if err != nil {
		return Report{}, err
	}
	b.log.Info("broadcast cancelled", "broadcast", id, "rows_cancelled", n)
	return b.Report(ctx, id)
}

// Report loads one broadcast with its counts.
func (b *Broadcasts) Report(ctx context.Context, id int64) (Report, error) {
	br, err := b.store.Broadcast(ctx, id)
	if err != nil {
		return Report{}, err
	}
	reps, err := b.reports(ctx, []store.Broadcast{*br})
	if err != nil {
		return Report{}, err
	}
	rep := reps[0]
	if br.Status == store.BroadcastScheduled && br.ExpandedTo == 0 {
		est, err := b.store.EstimateAudience(ctx, br)
		if err != nil {
			return Report{}, err
		}
		rep.Expected = &Expected{Targeted: est.Targeted, Reach: est.Total(), Skipped: map[string]int{
			SkipOptedOut: est.OptedOut, SkipNoConsent: est.NoConsent, SkipUnreachable: est.Unreachable}}
	}
	return rep, nil
}

// List reports broadcasts newest first, those with ids below before (0: from the newest).
func (b *Broadcasts) List(ctx context.Context, before int64, limit int) ([]Report, error) {
	list, err := b.store.Broadcasts(ctx, before, limit)
	if err != nil {
		return nil, err
	}
	return b.reports(ctx, list)
}

func (b *Broadcasts) reports(ctx context.Context, list []store.Broadcast) ([]Report, error) {
	ids := make([]int64, len(list))
	for i, br := range list {
		ids[i] = br.ID
	}
	rows, err := b.store.BroadcastRowCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := b.clock.Now()
	out := make([]Report, 0, len(list))
	for _, br := range list {
		r := rows[br.ID]
		c := Counts{
			Targeted: br.Targeted,
			Queued:   r[store.OutboxPending] + r[store.OutboxSending],
			Sent:     r[store.OutboxSent] + r[store.OutboxDelivered], Delivered: r[store.OutboxDelivered],
			Failed: r[store.OutboxFailed], Cancelled: r[store.OutboxCancelled],
			Skipped: map[string]int{SkipOptedOut: br.SkippedOptedOut, SkipNoConsent: br.SkippedNoConsent, SkipUnreachable: br.SkippedUnreachable},
		}
		for k, n := range r {
			if len(k) > len("skipped:") && k[:len("skipped:")] == "skipped:" {
				c.Skipped[k[len("skipped:"):]] += n
			}
		}
		status := br.Status
		switch {
		case br.Status == store.BroadcastScheduled && br.SendAt.After(now):
		case br.Status == store.BroadcastScheduled:
			status = store.BroadcastExpanding
		case br.Status == store.BroadcastExpanded && c.Queued == 0:
			status = "done"
		case br.Status == store.BroadcastExpanded && b.cfg.QuietUntil(now).After(now):
			status = "quiet_hours"
		case br.Status == store.BroadcastExpanded:
			status = "sending"
		}
		out = append(out, Report{
			ID: br.ID, Status: status, Texts: br.Texts, Audience: br.Audience, Channels: br.Channels,
			SendAt: br.SendAt, CreatedBy: br.CreatedBy, CreatedAt: br.CreatedAt, CancelledAt: br.CancelledAt, Counts: c,
			Failure: br.Failure,
		})
	}
	return out, nil
}

// ExpandOnce expands one batch of the oldest due broadcast. found is false
// when no broadcast waits.
func (b *Broadcasts) ExpandOnce(ctx context.Context) (ex store.Expansion, found bool, err error) {
	now := b.clock.Now()
	br, err := b.store.DueBroadcast(ctx, now)
	if err != nil || br == nil {
		return ex, false, err
	}
	due := now
	if br.SendAt.After(due) {
		due = br.SendAt
	}
	ex, err = b.store.ExpandBroadcast(ctx, br.ID, b.cfg.Batch, store.PriorityBulk, b.cfg.QuietUntil(due))
	if err != nil {
		if ctx.Err() != nil {
			return ex, true, err
		}
		return ex, true, b.expandFailed(ctx, br.ID, err)
	}
	b.mu.Lock()
	delete(b.failures, br.ID)
	b.mu.Unlock()
	if ex.Queued > 0 {
		b.notify()
	}
	if ex.Done {
		b.log.Info("broadcast expanded", "broadcast", br.ID)
	}
	return ex, true, nil
}

// expandFailed counts a failed expansion of broadcast id while the database
// answers (an outage is nobody's fault and fails nothing); at
// MaxExpandFailures in a row the broadcast is marked failed with err as the
// reason (nil is returned: the broadcasts after it may go on).
func (b *Broadcasts) expandFailed(ctx context.Context, id int64, err error) error {
	if perr := b.store.Ping(ctx); perr != nil {
		return err // the database is away: not this broadcast's fault
	}
	b.mu.Lock()
	b.failures[id]++
	n := b.failures[id]
	if n >= MaxExpandFailures {
		delete(b.failures, id)
	}
	b.mu.Unlock()
	if n < MaxExpandFailures {
		return err
	}
	if ferr := b.store.FailBroadcast(ctx, id, err.Error()); ferr != nil {
		return errors.Join(err, ferr)
	}
	b.log.Error("broadcast failed: its expansion failed every time; later broadcasts go on", "broadcast", id, "attempts", n, "err", err)
	return nil
}

// Expand expands every due broadcast completely (tests, benchmarks).
func (b *Broadcasts) Expand(ctx context.Context) error {
	for {
		_, found, err := b.ExpandOnce(ctx)
		if err != nil || !found {
			return err
		}
	}
}

// Run expands due broadcasts in the background until ctx ends.
func (b *Broadcasts) Run(ctx context.Context) error {
	timer := b.clock.NewTimer(0)
	defer timer.Stop()
	for {
		_, found, err := b.ExpandOnce(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Error("broadcast expansion failed; will retry", "err", err)
		}
		if found && err == nil {
			continue
		}
		timer.Reset(b.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-timer.C():
		}
	}
}
