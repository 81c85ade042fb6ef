// Package notifier owns everything that sends without being asked in that
// moment: the outbox dispatcher that delivers every queued message (replies
// included) in priority lanes at the pace each provider allows, and the staff
// broadcasts whose audience it expands into the outbox.
package notifier

import (
	"container/heap"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/metrics"
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
	// PaceMargin is added to every rolling window of a provider's rate and
	// to each recipient's interval, for clock granularity (default 2ms). The
	// window needs no margin for network jitter: units are dated when their
	// answer is back, after the provider counted them.
	PaceMargin time.Duration
	// QuietUntil returns t when bulk messages may go at t, or else the end of
	// the quiet window (config.QuietHours.NextAllowed). Nil: never quiet.
	QuietUntil func(t time.Time) time.Time
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
	if c.PaceMargin <= 0 {
		c.PaceMargin = 2 * time.Millisecond
	}
}

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
	instance string // tells our own NOTIFY from other replicas'

	mu       sync.Mutex    // guards every channelState and lastBeat
	lastBeat time.Time     // this dispatcher's last heartbeat
	wake     chan struct{} // rows were enqueued
	freed    chan struct{} // results were recorded: claim budgets grew
	publish  chan struct{} // tell other replicas (PostgreSQL NOTIFY)
}

// NewDispatcher returns a dispatcher for the given senders (one per channel).
// A sender that implements bot.Limiter is paced to its limits.
func NewDispatcher(s Outbox, senders []bot.Sender, clk clock.Clock, log *slog.Logger, m *metrics.Metrics, cfg DispatcherConfig) *Dispatcher {
	cfg.defaults()
	b := make([]byte, 8)
	_, _ = crand.Read(b)
	d := &Dispatcher{
		store: s, byName: map[string]*channelState{}, clock: clk, log: log, metrics: m, cfg: cfg,
		instance: hex.EncodeToString(b),
		wake:     make(chan struct{}, 1), freed: make(chan struct{}, 1), publish: make(chan struct{}, 1),
	}
	for _, sn := range senders {
		cs := newChannelState(sn, cfg.Workers, cfg.PaceMargin)
		d.chans = append(d.chans, cs)
		d.byName[cs.name] = cs
	}
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
	// Announce ourselves before claiming anything, so that no other
	// dispatcher takes our rows for a dead one's; then take over what a
	// killed predecessor left behind.
	d.beat(ctx)
	if release, alone, err := d.store.ProcessLock(ctx); err != nil {
		d.log.Warn("dispatcher: no process lock; rows of a stopped process wait for its heartbeat to age", "err", err)
	} else {
		defer release()
		if alone {
			d.takeOver(ctx, d.instance)
		}
	}

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
	go func() { defer helpers.Done(); d.listen(ctx) }()
	go func() { defer helpers.Done(); d.announce(ctx) }()
	go func() { defer helpers.Done(); d.heartbeat(ctx) }()

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
	leaveCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := d.store.LeaveReplicas(leaveCtx, d.instance); err != nil {
		d.log.Warn("dispatcher: could not leave the replica list; the others wait for it to age out", "err", err)
	}
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
			rows, err := d.store.ClaimLane(ctx, cs.name, lo, hi, budget, d.cfg.Lease, d.instance)
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
	if cs.pausedUntil.After(now.Add(d.cfg.Horizon)) {
		return 0
	}
	if lane == laneBulk && d.quietUntil(now).After(now) {
		return 0
	}
	limit := d.cfg.Batch
	if lane == laneBulk {
		limit = 4 * d.cfg.Batch
	}
	if cs.pacer != nil {
		// About one horizon of sending at this dispatcher's rate, all lanes
		// together: what a crash can repeat or hold up stays small. Replies
		// and notices keep a budget of their own, so bulk never delays them.
		limit = min(limit, int(cs.pacer.rate*d.cfg.Horizon.Seconds())+1)
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

// pace hands the channel's queued rows to senders, best priority first, as
// fast as its limits allow. It never sleeps while holding a claim longer
// than the horizon: longer waits give the row back.
func (d *Dispatcher) pace(ctx context.Context, cs *channelState, results chan<- result, inflight *sync.WaitGroup) {
	timer := d.clock.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select { // a free sender first, so a picked row never waits for one
		case cs.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		it, wait, released := d.next(cs)
		for _, r := range released {
			results <- r
		}
		if it != nil {
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				defer func() { <-cs.sem }()
				// A send under way when we are told to stop is finished (each
				// channel bounds a call), so that what the provider accepted is
				// recorded as sent and nothing is sent twice.
				res := d.attempt(context.WithoutCancel(ctx), cs, it)
				results <- result{OutboxResult: res, channel: cs.name, lane: it.lane}
			}()
			continue
		}
		<-cs.sem
		if wait <= 0 {
			wait = time.Hour // nothing queued: wait to be poked
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-cs.kick:
		case <-timer.C():
		}
	}
}

// next picks the best row that may go now and reserves its share of the
// channel's rate. Otherwise it says how long until one may (0: none
// queued). Rows that would wait beyond the channel's hold limit are released.
func (d *Dispatcher) next(cs *channelState) (*item, time.Duration, []result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	cs.sweep(now)
	hold := cs.holdLimit(d.cfg.Horizon)
	var released []result
	if w := cs.readiness(now, 1); w > 0 {
		if w > hold {
			for cs.queue.Len() > 0 {
				released = append(released, d.release(cs, heap.Pop(&cs.queue).(*item), now.Add(w), "provider asked to slow down"))
			}
		}
		return nil, w, released
	}
	var blocked []*item
	var chosen *item
	wait := time.Duration(0)
	quietEnd := d.quietUntil(now)
	for cs.queue.Len() > 0 {
		it := heap.Pop(&cs.queue).(*item)
		if it.lane == laneBulk && quietEnd.After(now) {
			released = append(released, d.release(cs, it, quietEnd, "quiet hours"))
			continue
		}
		rec := it.row.Recipient
		if cs.busy[rec] {
			blocked = append(blocked, it) // poked when that send ends
			continue
		}
		if w := cs.recipientWait(rec, now); w > 0 {
			if w > hold {
				released = append(released, d.release(cs, it, now.Add(w), "recipient rate limit"))
				continue
			}
			if wait == 0 || w < wait {
				wait = w
			}
			blocked = append(blocked, it)
			continue
		}
		chosen = it
		break
	}
	if chosen != nil {
		// A message of several units (SMS segments, Telegram parts) waits
		// until the window has room for all of them; nothing overtakes it.
		if w := cs.readiness(now, chosen.cost); w > 0 {
			blocked, chosen, wait = append(blocked, chosen), nil, w
		}
	}
	for _, it := range blocked {
		cs.push(it)
	}
	if chosen != nil {
		chosen.slot = cs.pacer.reserve(now, chosen.cost)
		cs.busy[chosen.row.Recipient] = true
		return chosen, 0, released
	}
	return nil, wait, released
}

// release gives a claimed row back to wait until at, without counting an attempt.
func (d *Dispatcher) release(cs *channelState, it *item, at time.Time, why string) result {
	return result{channel: cs.name, lane: it.lane, OutboxResult: store.OutboxResult{
		ID: it.row.ID, Status: store.OutboxPending, RetryAt: at, Error: "waiting: " + why, Released: true,
	}}
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

// listen wakes the dispatcher when another replica enqueued rows (PostgreSQL LISTEN).
func (d *Dispatcher) listen(ctx context.Context) {
	wait := time.Second
	for ctx.Err() == nil {
		err := d.store.ListenOutbox(ctx, func(payload string) {
			if payload != d.instance {
				signal(d.wake)
			}
		})
		if errors.Is(err, store.ErrNoListen) || ctx.Err() != nil {
			return
		}
		d.log.Warn("dispatcher: LISTEN connection lost; polling meanwhile", "err", err, "retry_in", wait)
		_ = clock.Sleep(ctx, d.clock, wait)
		wait = min(2*wait, 30*time.Second)
	}
}

// heartbeat keeps this dispatcher counted among the running replicas,
// divides each channel's rate by their number, so that together they keep
// to what the provider allows, and takes over the rows of dispatchers that
// fell silent (killed) a few intervals ago.
func (d *Dispatcher) heartbeat(ctx context.Context) {
	t := d.clock.NewTimer(d.cfg.ShareInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		d.beat(ctx)
		d.takeOver(ctx, "")
		t.Reset(d.cfg.ShareInterval)
	}
}

// silence is how long a dispatcher may stay silent before its rows are
// taken over: three heartbeats, and never under a second, so that a busy
// moment is not taken for a death.
func (d *Dispatcher) silence() time.Duration { return max(3*d.cfg.ShareInterval, time.Second) }

// beat announces this dispatcher and reads how many share the rates (those
// seen within three intervals).
func (d *Dispatcher) beat(ctx context.Context) {
	n, err := d.store.Heartbeat(ctx, d.instance, 3*d.cfg.ShareInterval)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("dispatcher: heartbeat failed; keeping the last share of the rates", "err", err)
		}
		return
	}
	d.mu.Lock()
	d.lastBeat = d.clock.Now()
	d.mu.Unlock()
	d.setReplicas(n)
}

// takeOver puts back the rows of stopped dispatchers (with alone set: of
// every dispatcher but alone, which knows it is the only one running).
func (d *Dispatcher) takeOver(ctx context.Context, alone string) {
	n, err := d.store.ReclaimOrphaned(ctx, d.silence(), alone)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("dispatcher: could not take over a stopped dispatcher's rows; they wait for their lease", "err", err)
		}
		return
	}
	if n > 0 {
		d.log.Warn("dispatcher: took over rows a stopped dispatcher held", "count", n)
		signal(d.wake)
	}
}

func (d *Dispatcher) setReplicas(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, cs := range d.chans {
		if cs.replicas != n {
			if cs.pacer != nil {
				d.log.Info("dispatcher: sharing the provider rate with other replicas", "channel", cs.name, "replicas", n,
					"per_second_here", cs.limits.PerSecond/float64(n))
			}
			cs.replicas = n
			cs.pacer.share(cs.limits.PerSecond, n)
		}
	}
}

// Replicas says how many running dispatchers this one shares provider rates with (itself included).
func (d *Dispatcher) Replicas() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.chans) == 0 {
		return 1
	}
	return d.chans[0].replicas
}

// announce tells other replicas (PostgreSQL NOTIFY) that rows were enqueued here.
func (d *Dispatcher) announce(ctx context.Context) {
	if d.store.Dialect() != "postgres" {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.publish:
			if err := d.store.NotifyOutbox(ctx, d.instance); err != nil && ctx.Err() == nil {
				d.log.Warn("dispatcher: NOTIFY failed; other replicas will find the rows by polling", "err", err)
			}
		}
	}
}

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
	d.mu.Lock()
	stale := d.clock.Now().Sub(d.lastBeat) >= d.cfg.ShareInterval
	d.mu.Unlock()
	if stale { // claims name us: others must see us alive while we send
		d.beat(ctx)
		d.takeOver(ctx, "") // and what a stopped process held goes now
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

// sendQueued sends the rows queued on cs one after another, picked by next
// as the pacer does, until none may go now; the rest are given back until
// they may.
func (d *Dispatcher) sendQueued(ctx context.Context, cs *channelState) []result {
	var out []result
	for {
		it, wait, released := d.next(cs)
		out = append(out, released...)
		if it != nil {
			out = append(out, result{OutboxResult: d.attempt(ctx, cs, it), channel: cs.name, lane: it.lane})
			continue
		}
		d.mu.Lock()
		now := d.clock.Now()
		for cs.queue.Len() > 0 {
			it := heap.Pop(&cs.queue).(*item)
			w := max(wait, cs.readiness(now, it.cost), cs.recipientWait(it.row.Recipient, now))
			out = append(out, d.release(cs, it, now.Add(w), "rate limit"))
		}
		d.mu.Unlock()
		return out
	}
}

// outgoing turns an outbox row into the message a sender delivers.
func outgoing(row store.OutboxMessage) (bot.Outgoing, error) {
	out := bot.Outgoing{ID: row.ID, ContactID: row.ContactID, Recipient: row.Recipient, Language: row.Language, Body: row.Body}
	r, err := row.Reply()
	out.Reply = r
	return out, err
}

// cost is what row spends of the channel's rate.
func (cs *channelState) cost(row store.OutboxMessage) int {
	c, ok := cs.sender.(bot.Coster)
	if !ok {
		return 1
	}
	out, err := outgoing(row)
	if err != nil {
		return 1
	}
	return max(1, c.Cost(out))
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

// attempt sends one claimed row (the caller marked its recipient busy and
// reserved its share of the rate) and says what became of it.
func (d *Dispatcher) attempt(ctx context.Context, cs *channelState, it *item) store.OutboxResult {
	row, c := it.row, it.contact
	d.mu.Lock()
	before := cs.lastSent[row.Recipient]
	d.mu.Unlock()
	start := d.clock.Now()
	var sendErr error
	called := false
	tr := &tracking{}
	// The channel reports each answer as it comes back: a unit is dated
	// then, after the provider counted it.
	ctx = bot.WithSending(ctx, func() func() { return func() { d.answered(cs, it, tr) } })
	defer func() {
		d.mu.Lock()
		now := d.clock.Now()
		delete(cs.busy, row.Recipient)
		d.settle(cs, it, called, tr, now)
		var throttle *throttled
		if kind, after := bot.KindOf(sendErr); sendErr != nil && kind == bot.RetryLater && after > 0 {
			throttle = d.throttle(cs, row, sendErr, after, before, now)
		}
		d.mu.Unlock()
		if throttle != nil {
			throttle.report(d)
		}
		cs.poke()
	}()
	skip := func(why string) store.OutboxResult {
		d.count(row.Channel, "skipped")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxSkipped, Error: why}
	}
	if c == nil {
		return skip("no_contact")
	}
	if ok, why := c.Reachable(row.Channel, row.Always); !ok {
		return skip(why)
	}
	if row.Priority >= store.PriorityBulk && c.ConsentAt == nil {
		return skip(SkipNoConsent)
	}
	out, err := outgoing(row)
	if err != nil {
		d.count(row.Channel, "failed")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxFailed, Error: err.Error()}
	}
	d.depart(cs, it, tr)
	called = true
	providerID, err := cs.sender.Send(ctx, out)
	if d.metrics != nil {
		d.metrics.SendSeconds.WithLabelValues(row.Channel).Observe(d.clock.Now().Sub(start).Seconds())
	}
	if err == nil {
		d.count(row.Channel, "sent")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxSent, ProviderID: providerID}
	}
	sendErr = err
	return d.failed(ctx, row, err)
}

// tracking is what one attempt's requests did to the pacing (guarded by d.mu).
type tracking struct {
	departed    bool      // its units are in flight
	answered    int       // units dated by an answer
	first, last time.Time // its first request left; its last answer came back
}

// depart waits the few milliseconds until a message picked a little early
// reaches its slot in the pacer's schedule and the provider's window has
// room for all its units, then puts them in flight.
func (d *Dispatcher) depart(cs *channelState, it *item, tr *tracking) {
	var was time.Time
	for {
		d.mu.Lock()
		now := d.clock.Now()
		w := max(it.slot.Sub(now), cs.pacer.departWait(now, it.cost))
		stopped := now.Equal(was) // a clock that does not move (tests) would wait for ever
		was = now
		if w <= 0 || stopped {
			tr.departed, tr.first = true, now
			cs.pacer.depart(it.cost)
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		time.Sleep(min(w, lookahead))
	}
}

// answered is called as each answer of an attempt's requests comes back:
// it dates one of the message's units then.
func (d *Dispatcher) answered(cs *channelState, it *item, tr *tracking) {
	d.mu.Lock()
	defer d.mu.Unlock()
	tr.last = d.clock.Now()
	if tr.answered < it.cost {
		cs.pacer.answered(tr.last, 1, it.cost)
		tr.answered++
	}
}

// settle accounts for a finished attempt in the channel's pacing: units
// still in flight or never reported (a sender that does not report, the
// segments of an SMS beyond its one request, parts not sent) are dated now,
// the safe side; an attempt that never reached
// Send gives its units back. Callers hold d.mu.
func (d *Dispatcher) settle(cs *channelState, it *item, called bool, tr *tracking, now time.Time) {
	if !called {
		cs.pacer.cancel(it.cost)
		return
	}
	if !tr.departed {
		tr.first = now
		cs.pacer.depart(it.cost)
	}
	if left := it.cost - tr.answered; left > 0 {
		from := now
		if tr.answered > 0 && cs.pacer != nil && it.cost > cs.pacer.n {
			from = tr.last.Add(cs.pacer.spacing) // the rest of a message larger than a window
		}
		if from.Before(now) {
			from = now
		}
		cs.pacer.answered(from, left, it.cost)
	}
	if tr.last.IsZero() {
		tr.last = now
	}
	cs.lastSent[it.row.Recipient] = tr.last
	if cs.limits.PerRecipient > 0 {
		// Each part spends one of the recipient's seconds.
		at := tr.first.Add(time.Duration(it.cost)*cs.limits.PerRecipient + d.cfg.PaceMargin)
		if at.After(cs.nextFor[it.row.Recipient]) {
			cs.nextFor[it.row.Recipient] = at
		}
	}
}

// throttled is a provider's "too many requests", to count and log.
type throttled struct {
	channel string
	scope   bot.Scope
	after   time.Duration
	outbox  int64
}

// throttle reads a provider's 429 and pauses whom it concerns: the
// recipient alone, or the whole channel. before is when the previous
// message to the recipient left. Callers hold d.mu.
func (d *Dispatcher) throttle(cs *channelState, row store.OutboxMessage, sendErr error, after time.Duration, before, now time.Time) *throttled {
	said := bot.ScopeUnknown
	var se *bot.SendError
	if errors.As(sendErr, &se) {
		said = se.Scope
	}
	scope := cs.throttleScope(said, before, now)
	until := now.Add(after)
	if scope == bot.ScopeChannel {
		if until.After(cs.pausedUntil) {
			cs.pausedUntil = until
		}
		cs.pacer.holdUntil(until)
	} else if until.After(cs.nextFor[row.Recipient]) {
		cs.nextFor[row.Recipient] = until
	}
	return &throttled{channel: cs.name, scope: scope, after: after, outbox: row.ID}
}

func (t *throttled) report(d *Dispatcher) {
	if d.metrics != nil {
		d.metrics.Throttled.WithLabelValues(t.channel, t.scope.String()).Inc()
	}
	d.log.Warn("dispatcher: provider asked to slow down", "channel", t.channel, "scope", t.scope.String(),
		"retry_after", t.after, "outbox_id", t.outbox)
}

// failed decides what a failed send means for the row (and the contact).
func (d *Dispatcher) failed(ctx context.Context, row store.OutboxMessage, sendErr error) store.OutboxResult {
	kind, after := bot.KindOf(sendErr)
	log := d.log.With("outbox_id", row.ID, "channel", row.Channel, "contact", row.ContactID, "attempt", row.Attempts, "kind", kind.String())
	fail := func(reason string) store.OutboxResult {
		d.count(row.Channel, "failed")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxFailed, Error: reason}
	}
	retry := func(at time.Time, released bool) store.OutboxResult {
		d.count(row.Channel, "retry")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxPending, RetryAt: at, Error: sendErr.Error(), Released: released}
	}
	switch kind {
	case bot.Unreachable:
		log.Info("dispatcher: contact unreachable on channel", "err", sendErr)
		if err := d.store.MarkUnreachable(ctx, row.ContactID, row.Channel, true); err != nil {
			log.Error("dispatcher: could not record unreachable contact", "err", err)
		}
		return fail(sendErr.Error())
	case bot.OptedOut:
		log.Info("dispatcher: provider reports opt-out", "err", sendErr)
		if err := d.store.MarkOptedOut(ctx, row.ContactID); err != nil {
			log.Error("dispatcher: could not record opt-out", "err", err)
		}
		return fail(sendErr.Error())
	case bot.Permanent:
		log.Warn("dispatcher: message refused for good", "err", sendErr)
		return fail(sendErr.Error())
	case bot.BadConfig:
		log.Error("dispatcher: CHANNEL MISCONFIGURED, messages wait until it is fixed", "err", sendErr)
		return retry(d.clock.Now().Add(d.cfg.MaxBackoff), true)
	}
	if after > 0 {
		// The provider's rate limit: a fact to respect, not the message's fault.
		log.Debug("dispatcher: provider asked to wait", "for", after)
		return retry(d.clock.Now().Add(after), true)
	}
	if row.Attempts >= d.cfg.MaxAttempts {
		log.Warn("dispatcher: giving up after repeated failures", "err", sendErr)
		return fail(fmt.Sprintf("after %d attempts: %v", row.Attempts, sendErr))
	}
	wait := Backoff(row.Attempts, d.cfg.BaseBackoff, d.cfg.MaxBackoff, rand.Float64())
	log.Info("dispatcher: will retry", "in", wait, "err", sendErr)
	return retry(d.clock.Now().Add(wait), false)
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
