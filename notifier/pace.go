package notifier

import (
	"container/heap"
	"math"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/store"
)

// Lanes group outbox priorities; each lane is claimed with a budget of its
// own, so a full bulk lane never keeps a reply or a notice from being claimed,
// and claimed rows wait in one queue per channel ordered by priority.
const (
	laneReply  = 0 // priority < store.PriorityNotice
	laneNotice = 1 // store.PriorityNotice <= priority < store.PriorityBulk
	laneBulk   = 2 // priority >= store.PriorityBulk
	numLanes   = 3
)

// laneBounds returns lane's priorities as [lo, hi).
func laneBounds(lane int) (lo, hi int) {
	switch lane {
	case laneReply:
		return math.MinInt32, store.PriorityNotice
	case laneNotice:
		return store.PriorityNotice, store.PriorityBulk
	}
	return store.PriorityBulk, math.MaxInt32
}

func laneOf(priority int) int {
	switch {
	case priority < store.PriorityNotice:
		return laneReply
	case priority < store.PriorityBulk:
		return laneNotice
	}
	return laneBulk
}

// pacer keeps a provider's limit in every rolling window, as the provider
// measures it: never more than n units (messages, or SMS segments) in any
// span of one second plus a small margin (1/rate plus the margin below one
// unit a second), with units spaced about 1/rate apart so that there is no
// burst above the rate either (at high rates picks may run 20 ms ahead).
//
// Units are counted at the moment of sending, on the safe side of the
// network: a request may leave only when the units answered within the
// last span, plus those still in flight, leave room for it; and a unit is
// dated when its answer comes back, which is after the provider counted
// it. So however late a request arrives, or however early, no window at
// the provider can hold more than n. A nil pacer means no limit.
type pacer struct {
	rate     float64       // units per second for this dispatcher (its share of the channel's rate)
	margin   time.Duration // added to every window
	n        int           // units allowed in one window
	span     time.Duration // the window
	spacing  time.Duration // 1/rate
	burst    time.Duration // how far ahead of the spacing picks may run
	recent   []time.Time   // when the last n units were answered, oldest first (a multi-unit message's later units lie ahead)
	reserved int           // units picked whose request has not left
	inflight int           // units whose request left and whose answer is not back
	next     time.Time     // the spacing's schedule: when the next unit is due
	hold     time.Time     // a provider asked the whole channel to wait until then
}

// lookahead is how early a message may be picked before the window has room
// for it: about the time it takes to hand it to a sender, whose request
// then waits in departWait for the exact moment.
const lookahead = 15 * time.Millisecond

func newPacer(rate float64, margin time.Duration) *pacer {
	if rate <= 0 {
		return nil
	}
	p := &pacer{margin: margin}
	p.setRate(rate)
	return p
}

func (p *pacer) setRate(rate float64) {
	p.rate = rate
	p.spacing = time.Duration(float64(time.Second) / rate)
	p.burst = time.Duration(max(0, math.Floor(rate/50)-1)) * p.spacing
	if rate >= 1 {
		p.n, p.span = int(rate), time.Second+p.margin
	} else {
		p.n, p.span = 1, p.spacing+p.margin
	}
	if len(p.recent) > p.n {
		p.recent = append([]time.Time(nil), p.recent[len(p.recent)-p.n:]...)
	}
}

// share divides the channel's rate among n replicas.
func (p *pacer) share(total float64, n int) {
	if p != nil {
		p.setRate(total / float64(max(1, n)))
	}
}

// roomAt says when the window has room for units more beyond those picked
// or in flight (zero time: now).
func (p *pacer) roomAt(now time.Time, units int) (time.Time, bool) {
	need := min(units, p.n) + p.reserved + p.inflight
	if need > p.n {
		return time.Time{}, false // a request in flight must answer first
	}
	// The need-th oldest of the last n answered units must have left the window.
	if free := p.n - len(p.recent); need > free {
		return p.recent[need-free-1].Add(p.span), true
	}
	return now, true
}

// wait says how long until a message of cost units may be picked (0: now).
func (p *pacer) wait(now time.Time, cost int) time.Duration {
	if p == nil {
		return 0
	}
	if now.Before(p.hold) {
		return p.hold.Sub(now)
	}
	if earliest := p.next.Add(-p.burst - lookahead); now.Before(earliest) {
		return earliest.Sub(now)
	}
	at, ok := p.roomAt(now, cost)
	if !ok {
		return p.spacing
	}
	return max(0, at.Sub(now)-lookahead)
}

// reserve picks a message of cost units now; call it only when wait
// returned 0. Its units then depart, and are answered, or are cancelled.
// It returns the message's slot in the spacing's schedule: the sender waits
// for it (it may lie up to lookahead ahead).
func (p *pacer) reserve(now time.Time, cost int) time.Time {
	if p == nil {
		return now
	}
	p.reserved += cost
	// A pick a little late (timers, a busy machine) keeps to the schedule
	// rather than pushing every later one back: lateness up to half a
	// spacing does not add up, and no two sends are closer than that.
	if catchUp := now.Add(-p.spacing / 2); p.next.Before(catchUp) {
		p.next = catchUp
	}
	slot := p.next
	p.next = p.next.Add(time.Duration(cost) * p.spacing)
	return slot
}

// departWait says how long reserved units must still wait before their
// request leaves (0: now).
func (p *pacer) departWait(now time.Time, units int) time.Duration {
	if p == nil {
		return 0
	}
	p.reserved -= units // they are not waiting for a pick any more
	at, ok := p.roomAt(now, units)
	p.reserved += units
	if !ok {
		return p.spacing
	}
	return max(0, at.Sub(now))
}

// depart moves reserved units in flight: their request leaves now.
func (p *pacer) depart(units int) {
	if p != nil {
		p.reserved = max(0, p.reserved-units)
		p.inflight += units
	}
}

// answered dates units in flight at at. Units of a message larger than a
// window (3 SMS segments at 1 a second) are spread behind it at the rate,
// as the provider spends them; the others all count at at, as the
// provider counts them when the request arrives.
func (p *pacer) answered(at time.Time, units, ofMessage int) {
	if p == nil || units <= 0 {
		return
	}
	p.inflight = max(0, p.inflight-units)
	step := time.Duration(0)
	if ofMessage > p.n {
		step = p.spacing
	}
	for i := range units {
		p.insert(at.Add(time.Duration(i) * step))
	}
}

// cancel gives back units reserved for a message that was not sent.
func (p *pacer) cancel(units int) {
	if p != nil {
		p.reserved = max(0, p.reserved-units)
	}
}

// insert adds one unit's time, keeping the last n in order.
func (p *pacer) insert(t time.Time) {
	i := len(p.recent)
	for i > 0 && p.recent[i-1].After(t) {
		i--
	}
	p.recent = slices.Insert(p.recent, i, t)
	if len(p.recent) > p.n {
		p.recent = p.recent[len(p.recent)-p.n:]
	}
}

// holdUntil stops every send until t (the provider asked the whole channel to wait).
func (p *pacer) holdUntil(t time.Time) {
	if p != nil && p.hold.Before(t) {
		p.hold = t
	}
}

// item is a claimed row waiting in a channel's queue.
type item struct {
	row     store.OutboxMessage
	contact *store.Contact
	lane    int
	cost    int       // units of the channel's rate it spends (bot.Coster), at least 1
	slot    time.Time // when the pacer's schedule lets it go (set when picked)
}

type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].row.Priority != h[j].row.Priority {
		return h[i].row.Priority < h[j].row.Priority
	}
	return h[i].row.ID < h[j].row.ID
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(*item)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}

// channelState is one channel's pacing; the dispatcher's mutex guards it.
type channelState struct {
	name        string
	sender      bot.Sender
	limits      bot.Limits
	pacer       *pacer
	queue       itemHeap
	claimed     [numLanes]int  // claimed rows whose result is not recorded yet
	more        [numLanes]bool // the last claim filled its budget: more may be due
	pausedUntil time.Time      // a provider's 429 for the whole channel
	replicas    int            // dispatchers sharing the channel's rate (at least 1)
	busy        map[string]bool
	nextFor     map[string]time.Time // recipients' earliest next send
	lastSent    map[string]time.Time // when each recipient's last message left (read for 429s)
	sweepAt     int
	kick        chan struct{}
	sem         chan struct{}
}

func newChannelState(s bot.Sender, workers int, margin time.Duration) *channelState {
	cs := &channelState{
		name: s.Channel(), sender: s, busy: map[string]bool{}, nextFor: map[string]time.Time{}, lastSent: map[string]time.Time{},
		sweepAt: 10_000, kick: make(chan struct{}, 1), sem: make(chan struct{}, workers), replicas: 1,
	}
	if l, ok := s.(bot.Limiter); ok {
		cs.limits = l.Limits()
		cs.pacer = newPacer(cs.limits.PerSecond, margin)
	}
	return cs
}

func (cs *channelState) poke() {
	select {
	case cs.kick <- struct{}{}:
	default:
	}
}

func (cs *channelState) push(it *item) { heap.Push(&cs.queue, it) }

// sweep forgets per-recipient waits that are over, now and then.
func (cs *channelState) sweep(now time.Time) {
	if len(cs.nextFor) < cs.sweepAt {
		return
	}
	for r, t := range cs.nextFor {
		if !t.After(now) {
			delete(cs.nextFor, r)
		}
	}
	for r, t := range cs.lastSent {
		if now.Sub(t) > recentWindow*cs.limits.PerRecipient {
			delete(cs.lastSent, r)
		}
	}
	cs.sweepAt = max(10_000, 2*len(cs.nextFor), 2*len(cs.lastSent))
}

// readiness says how long the channel must wait before it may send a
// message of cost units, for reasons that hold for every recipient (a 429
// pause, the provider's rate).
func (cs *channelState) readiness(now time.Time, cost int) time.Duration {
	if now.Before(cs.pausedUntil) {
		return cs.pausedUntil.Sub(now)
	}
	return cs.pacer.wait(now, cost)
}

// holdLimit is the longest a claimed row may wait in the queue for its
// turn before it is given back to the database.
func (cs *channelState) holdLimit(horizon time.Duration) time.Duration {
	if cs.pacer != nil {
		return max(horizon, 2*cs.pacer.spacing)
	}
	return horizon
}

// recentWindow, in per-recipient intervals, is how far back a message to a
// recipient makes a 429 of unknown scope that recipient's (Telegram allows
// a chat a short burst, then about one message a second).
const recentWindow = 3

// throttleScope reads a provider's 429: the scope it said, or when it did
// not say, the recipient's own limit if we sent to the recipient just
// before (and the channel has per-recipient limits), else the channel's.
// before is when the previous message to the recipient left (zero: none known).
func (cs *channelState) throttleScope(said bot.Scope, before, now time.Time) bot.Scope {
	if said != bot.ScopeUnknown {
		return said
	}
	if !before.IsZero() && cs.limits.PerRecipient > 0 && now.Sub(before) < recentWindow*cs.limits.PerRecipient {
		return bot.ScopeRecipient
	}
	return bot.ScopeChannel
}

// recipientWait says how long recipient must wait (0: may go now).
func (cs *channelState) recipientWait(recipient string, now time.Time) time.Duration {
	if t, ok := cs.nextFor[recipient]; ok && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Why a message was skipped (outbox error, broadcast counts).
const (
	SkipOptedOut    = "opted_out"
	SkipUnreachable = "unreachable"
	SkipNoConsent   = "no_consent"
)
