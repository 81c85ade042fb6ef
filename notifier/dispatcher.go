// Package notifier owns everything that sends without being asked in that
// moment: the outbox dispatcher that delivers every queued message (replies
// included) in priority lanes at the pace each provider allows, and the staff
// broadcasts whose audience it expands into the outbox.
//
// The dispatcher is the loop that claims rows, asks each channel's pacer
// (notifier/pacing) when a row may go, sends it and records what became of
// it; replica coordination (notifier/replicas) and the failure policy
// (notifier/failure) live beside it.
package notifier

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier/failure"
	"github.com/tamkeen/tamkeen/notifier/replicas"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
)

// DispatcherConfig tunes the dispatcher; zero fields take the defaults.
type DispatcherConfig struct {
	Batch        int           // most rows claimed at once per channel and lane (default 200)
	Lease        time.Duration // how long a claim holds before others may take it (default 2m)
	PollInterval time.Duration // how often to look when nobody wakes us (default 1s)
	MaxAttempts  int           // attempts before a message fails for good (default 8)
	BaseBackoff  time.Duration // first retry delay, doubled each attempt (default 2s)
	MaxBackoff   time.Duration // longest retry delay (default 10m)
	Workers      int           // sends in flight at once per channel (default 32)
	// Horizon bounds how far ahead rows are claimed on a rate-limited
	// channel: no more than its rate allows within Horizon, so no claim
	// waits long for its turn (default 1s). Longer waits (a 429 window, a
	// recipient's pause, quiet hours) give the row back to the database.
	Horizon time.Duration
	// ShareInterval is how often a running dispatcher tells the others it is
	// alive (default 1s). Replicas seen within three intervals share each
	// provider's rate equally; rows held by a dispatcher silent for three
	// intervals and at least a second (it was killed) are taken over then,
	// without waiting for Lease.
	ShareInterval time.Duration
	// Instance is the name this dispatcher's claims and heartbeats carry
	// (empty: one of its own). Dispatchers of one process share one
	// (NewInstance): serve's and its terminal chat's, so that neither takes
	// the other's rows for a stopped process's and they count as one replica.
	Instance string
	// PaceMargin is added to every rolling window of a provider's rate and
	// to each recipient's interval, for clock granularity (default 2ms). The
	// window needs no margin for network jitter: units are dated when their
	// answer is back, after the provider counted them.
	PaceMargin time.Duration
	// QuietUntil returns t when bulk messages may go at t, or else the end of
	// the quiet window (config.QuietHours.NextAllowed). Nil: never quiet.
	QuietUntil func(t time.Time) time.Time
	// Prices are what a WhatsApp template and an SMS segment cost: outside
	// a person's WhatsApp window a message goes the cheaper way (reach.Choose).
	Prices reach.Prices
	// WindowWait is how long a WhatsApp message waits before it is looked at
	// again when the person's window is closed and no template or SMS can
	// carry it (default 15m); it goes when they write.
	WindowWait time.Duration
}

func (c *DispatcherConfig) defaults() {
	if c.Batch <= 0 {
		c.Batch = 200
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
	if c.Workers <= 0 {
		c.Workers = 32
	}
	if c.Horizon <= 0 {
		c.Horizon = time.Second
	}
	if c.ShareInterval <= 0 {
		c.ShareInterval = time.Second
	}
	if c.WindowWait <= 0 {
		c.WindowWait = 15 * time.Minute
	}
	if c.PaceMargin <= 0 {
		c.PaceMargin = 2 * time.Millisecond
	}
}

// NewInstance returns a fresh instance name for DispatcherConfig.Instance,
// to give every dispatcher of one process.
func NewInstance() string { return replicas.NewInstance() }

// Dispatcher claims due outbox rows lane by lane (replies, then notices, then
// bulk), re-checks that the person may still be messaged, sends through the
// row's channel within its rate limits and records the outcome.
type Dispatcher struct {
	store    Outbox
	chans    []*channelState
	byName   map[string]*channelState
	clock    clock.Clock
	log      *slog.Logger
	metrics  *metrics.Metrics
	cfg      DispatcherConfig
	policy   failure.Policy
	replicas *replicas.Coordinator

	mu      sync.Mutex    // guards each channelState's queue and budgets (its pacer guards itself)
	wake    chan struct{} // rows were enqueued
	freed   chan struct{} // results were recorded: claim budgets grew
	publish chan struct{} // tell other replicas (PostgreSQL NOTIFY)
}

// NewDispatcher returns a dispatcher for the given senders (one per channel).
// A sender that implements bot.Limiter is paced to its limits.
func NewDispatcher(s Outbox, senders []bot.Sender, clk clock.Clock, log *slog.Logger, m *metrics.Metrics, cfg DispatcherConfig) *Dispatcher {
	cfg.defaults()
	d := &Dispatcher{
		store: s, byName: map[string]*channelState{}, clock: clk, log: log, metrics: m, cfg: cfg,
		policy: failure.Policy{MaxAttempts: cfg.MaxAttempts, BaseBackoff: cfg.BaseBackoff, MaxBackoff: cfg.MaxBackoff},
		wake:   make(chan struct{}, 1), freed: make(chan struct{}, 1), publish: make(chan struct{}, 1),
	}
	for _, sn := range senders {
		cs := newChannelState(sn, cfg.Workers, cfg.PaceMargin)
		d.chans = append(d.chans, cs)
		d.byName[cs.name] = cs
	}
	d.replicas = replicas.New(s, clk, log, replicas.Config{
		Instance: cfg.Instance, Interval: cfg.ShareInterval,
		Shared: d.share, TookOver: func() { signal(d.wake) },
	})
	return d
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Notify wakes the dispatcher because rows were just enqueued, and (on
// PostgreSQL, while Run runs) every other replica's. It never blocks.
func (d *Dispatcher) Notify() {
	signal(d.wake)
	signal(d.publish)
}

// quietUntil returns when bulk may go, judged at now.
func (d *Dispatcher) quietUntil(now time.Time) time.Time {
	if d.cfg.QuietUntil == nil {
		return now
	}
	return d.cfg.QuietUntil(now)
}

// result is one row's outcome on its way to the database.
type result struct {
	store.OutboxResult
	channel string
	lane    int
}

// Run sends until ctx ends. Claimed rows not sent by then are given back;
// sends under way are finished and recorded.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Announce ourselves before claiming anything, then take over what a
	// killed predecessor left behind.
	release := d.replicas.Join(ctx)
	defer release()

	// Large enough for every row the claim budgets allow out at once, so no
	// sender ever waits to hand in a result.
	results := make(chan result, len(d.chans)*4*d.cfg.Batch+64)
	var senders, helpers sync.WaitGroup
	for _, cs := range d.chans {
		senders.Add(1)
		go func() {
			defer senders.Done()
			d.pace(ctx, cs, results, &senders)
		}()
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		d.write(results)
	}()
	helpers.Add(3)
	go func() { defer helpers.Done(); d.replicas.Listen(ctx, func() { signal(d.wake) }) }()
	go func() { defer helpers.Done(); d.replicas.Announce(ctx, d.publish) }()
	go func() { defer helpers.Done(); d.replicas.Run(ctx) }()

	d.claimLoop(ctx)

	senders.Wait() // pacers stopped and every send in flight has its result
	var left []result
	d.mu.Lock()
	for _, cs := range d.chans {
		for cs.queue.Len() > 0 {
			left = append(left, d.release(cs, heap.Pop(&cs.queue).(*item), d.clock.Now(), "shutting down"))
		}
	}
	d.mu.Unlock()
	for _, r := range left {
		results <- r
	}
	close(results)
	<-writerDone
	helpers.Wait()
	// Every result is recorded: leave, so the others take up our share at once.
	d.replicas.Leave()
	return nil
}

// claimLoop claims rows whenever woken, when results free budget, and every poll interval.
func (d *Dispatcher) claimLoop(ctx context.Context) {
	timer := d.clock.NewTimer(0)
	defer timer.Stop()
	all := true
	lastReclaim := time.Time{}
	for ctx.Err() == nil {
		if now := d.clock.Now(); all && now.Sub(lastReclaim) >= d.cfg.Lease/4 {
			if err := d.reclaim(ctx); err != nil {
				d.log.Error("dispatcher: reclaim expired leases", "err", err)
			} else {
				lastReclaim = now
			}
		}
		interrupted, err := d.claimRound(ctx, all)
		if err != nil && ctx.Err() == nil {
			d.log.Error("dispatcher: claim failed", "err", err)
		}
		if interrupted { // new rows came while bulk was being claimed: replies first
			all = true
			continue
		}
		timer.Reset(d.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.wake:
			all = true
		case <-d.freed:
			all = false
		case <-timer.C():
			all = true
		}
	}
}

// reclaim takes back the rows whose lease ended (their sender stopped).
func (d *Dispatcher) reclaim(ctx context.Context) error {
	n, err := d.store.ReclaimExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		d.log.Warn("dispatcher: took back rows whose sender stopped", "count", n)
	}
	return nil
}

// claimRound claims, for every channel and lane with room, what is due.
// When all is false only lanes whose last claim filled its budget are tried.
// A wake-up while later lanes are being claimed interrupts the round, so
// that a new reply never waits behind a round of bulk claims.
func (d *Dispatcher) claimRound(ctx context.Context, all bool) (interrupted bool, err error) {
	var errs []error
	for lane := range numLanes { // every channel's replies before anyone's bulk
		if lane != laneReply {
			select {
			case <-d.wake:
				return true, errors.Join(errs...)
			default:
			}
		}
		for _, cs := range d.chans {
			d.mu.Lock()
			budget := d.budget(cs, lane, d.clock.Now())
			if !all && !cs.more[lane] {
				budget = 0
			}
			d.mu.Unlock()
			if budget <= 0 {
				continue
			}
			lo, hi := laneBounds(lane)
			// Looking is a read and claiming a write: on SQLite only a claim
			// waits for the write lock, so empty lanes are not claimed.
			if due, err := d.store.HasDue(ctx, cs.name, lo, hi); err != nil || !due {
				if err != nil {
					errs = append(errs, err)
				}
				d.mu.Lock()
				cs.more[lane] = false
				d.mu.Unlock()
				continue
			}
			rows, err := d.store.ClaimLane(ctx, cs.name, lo, hi, budget, d.cfg.Lease, d.replicas.Instance())
			if err != nil {
				errs = append(errs, err)
				continue
			}
			var contacts map[int64]*store.Contact
			if len(rows) > 0 {
				if contacts, err = d.store.ClaimedContacts(ctx, rows); err != nil {
					// The rows stay claimed until their lease ends, then go again.
					errs = append(errs, err)
					continue
				}
			}
			items := make([]*item, len(rows))
			for i, r := range rows {
				items[i] = &item{row: r, contact: contacts[r.ContactID], lane: lane, cost: cs.cost(r)}
			}
			d.mu.Lock()
			cs.more[lane] = len(rows) == budget
			cs.claimed[lane] += len(rows)
			for _, it := range items {
				cs.push(it)
			}
			d.mu.Unlock()
			if len(rows) > 0 {
				cs.poke()
			}
		}
	}
	return false, errors.Join(errs...)
}

// budget is how many rows of lane cs may claim now. Callers hold d.mu.
func (d *Dispatcher) budget(cs *channelState, lane int, now time.Time) int {
	if cs.pacer.PausedUntil().After(now.Add(d.cfg.Horizon)) {
		return 0
	}
	if lane == laneBulk && d.quietUntil(now).After(now) {
		return 0
	}
	limit := d.cfg.Batch
	if lane == laneBulk {
		limit = 4 * d.cfg.Batch
	}
	if cs.limited {
		// About one horizon of sending at this dispatcher's rate, all lanes
		// together: what a crash can repeat or hold up stays small. Replies
		// and notices keep a budget of their own, so bulk never delays them.
		limit = min(limit, int(cs.pacer.Rate()*d.cfg.Horizon.Seconds())+1)
		if lane == laneBulk {
			limit -= cs.claimed[laneReply] + cs.claimed[laneNotice]
		}
	}
	room := limit - cs.claimed[lane]
	if lane == laneBulk && cs.claimed[lane] > 0 && room < limit/2 {
		return 0 // wait for half the room: fewer, larger claims
	}
	return room
}

// write records results in batches, then frees their claim budget.
func (d *Dispatcher) write(results <-chan result) {
	const maxBatch = 500
	batch := make([]result, 0, maxBatch)
	rows := make([]store.OutboxResult, 0, maxBatch)
	for r := range results {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		rows = rows[:0]
		for _, r := range batch {
			rows = append(rows, r.OutboxResult)
		}
		d.record(rows)
		urgent := d.unclaim(batch)
		signal(d.freed)
		if urgent {
			// The next part of a reply may be due now that this one is recorded.
			signal(d.wake)
		}
	}
}

// unclaim frees the claim budget of recorded results; it says whether
// any was not bulk.
func (d *Dispatcher) unclaim(batch []result) (urgent bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range batch {
		d.byName[r.channel].claimed[r.lane]--
		urgent = urgent || r.lane != laneBulk
	}
	return urgent
}

// record writes results, trying a few times: a row whose result is lost is
// sent again once its lease ends.
func (d *Dispatcher) record(rows []store.OutboxResult) {
	var err error
	for try, wait := 0, 100*time.Millisecond; try < 4; try, wait = try+1, wait*4 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = d.store.FinishBatch(ctx, rows)
		cancel()
		if err == nil {
			return
		}
		// The database is failing; nothing else can be recorded meanwhile.
		_ = clock.Sleep(context.Background(), d.clock, wait)
	}
	d.log.Error("dispatcher: could not record send results; those rows will be sent again after their lease", "count", len(rows), "err", err)
}

// share gives each rate-limited channel this dispatcher's part of its rate
// when the number of replicas changed.
func (d *Dispatcher) share(n int) {
	for _, cs := range d.chans {
		if cs.pacer.Share(n) && cs.limited {
			d.log.Info("dispatcher: sharing the provider rate with other replicas", "channel", cs.name, "replicas", n,
				"per_second_here", cs.pacer.Rate())
		}
	}
}

// Replicas says how many running dispatchers this one shares provider rates with (itself included).
func (d *Dispatcher) Replicas() int { return d.replicas.Replicas() }

// DispatchOnce makes one pass of what Run does continuously, on the same
// code: it takes back expired leases, claims what is due lane by lane within
// the same budgets, picks rows in the same order under the same limits,
// sends them one after another and records the results. It never waits for
// a limit: a row that would wait is given back until it may go. It returns
// how many rows it claimed. Run is the way to send at volume; the console
// chat and tests use this through Drain. Do not call it while Run runs.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	if err := d.reclaim(ctx); err != nil {
		return 0, err
	}
	if d.replicas.Due() { // claims name us: others must see us alive while we send
		d.replicas.Beat(ctx)
		d.replicas.TakeOver(ctx) // and what a stopped process held goes now
	}
	var claimErr error
	for { // a wake-up between lanes only restarts the round: replies first
		interrupted, err := d.claimRound(ctx, true)
		claimErr = errors.Join(claimErr, err)
		if !interrupted {
			break
		}
	}
	var out []result
	for _, cs := range d.chans {
		out = append(out, d.sendQueued(ctx, cs)...)
	}
	if len(out) == 0 {
		return 0, claimErr
	}
	rows := make([]store.OutboxResult, len(out))
	for i, r := range out {
		rows[i] = r.OutboxResult
	}
	err := d.store.FinishBatch(ctx, rows)
	d.unclaim(out)
	if err != nil {
		return 0, err
	}
	return len(out), claimErr
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
