package notifier

import (
	"container/heap"
	"math"
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

// bucket is a token bucket kept as a "theoretical arrival time" (GCRA): it
// spaces sends 1/rate apart on average and allows a small burst to absorb
// timer lateness. A nil bucket means no limit.
type bucket struct {
	base      time.Duration // 1/rate
	interval  time.Duration // base times the replicas sharing the rate
	tolerance time.Duration // (burst-1) intervals
	tat       time.Time
}

func newBucket(rate float64) *bucket {
	if rate <= 0 {
		return nil
	}
	iv := time.Duration(float64(time.Second) / rate)
	burst := math.Max(1.5, rate/50) // at most 20 ms worth at high rates
	return &bucket{base: iv, interval: iv, tolerance: time.Duration((burst - 1) * float64(iv))}
}

// share divides the rate among n replicas.
func (b *bucket) share(n int) {
	if b != nil {
		b.interval = b.base * time.Duration(max(1, n))
	}
}

// wait says how long until one send may go (0: now).
func (b *bucket) wait(now time.Time) time.Duration {
	if b == nil {
		return 0
	}
	if earliest := b.tat.Add(-b.tolerance); now.Before(earliest) {
		return earliest.Sub(now)
	}
	return 0
}

// take spends n tokens (a message's cost); call it only when wait returned 0.
// A costly message goes at once and the sends after it wait for its cost.
func (b *bucket) take(now time.Time, n int) {
	if b == nil {
		return
	}
	if b.tat.Before(now) {
		b.tat = now
	}
	b.tat = b.tat.Add(time.Duration(max(1, n)) * b.interval)
}

// holdUntil empties the bucket until t (a provider asked us to slow down).
func (b *bucket) holdUntil(t time.Time) {
	if b != nil && b.tat.Before(t.Add(b.tolerance)) {
		b.tat = t.Add(b.tolerance)
	}
}

// item is a claimed row waiting in a channel's queue.
type item struct {
	row     store.OutboxMessage
	contact *store.Contact
	lane    int
	cost    int // units of the channel's rate it spends (bot.Coster), at least 1
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
	bucket      *bucket
	queue       itemHeap
	claimed     [numLanes]int  // claimed rows whose result is not recorded yet
	more        [numLanes]bool // the last claim filled its budget: more may be due
	pausedUntil time.Time      // a provider's 429 for the whole channel
	replicas    int            // dispatchers sharing the channel's rate (at least 1)
	busy        map[string]bool
	nextFor     map[string]time.Time // recipients' earliest next send
	sweepAt     int
	kick        chan struct{}
	sem         chan struct{}
}

func newChannelState(s bot.Sender, workers int) *channelState {
	cs := &channelState{
		name: s.Channel(), sender: s, busy: map[string]bool{}, nextFor: map[string]time.Time{},
		sweepAt: 10_000, kick: make(chan struct{}, 1), sem: make(chan struct{}, workers), replicas: 1,
	}
	if l, ok := s.(bot.Limiter); ok {
		cs.limits = l.Limits()
		cs.bucket = newBucket(cs.limits.PerSecond)
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
	cs.sweepAt = max(10_000, 2*len(cs.nextFor))
}

// readiness says how long the channel must wait before its next send, for
// reasons that hold for every recipient (a 429 pause, the token bucket).
func (cs *channelState) readiness(now time.Time) time.Duration {
	if now.Before(cs.pausedUntil) {
		return cs.pausedUntil.Sub(now)
	}
	return cs.bucket.wait(now)
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
