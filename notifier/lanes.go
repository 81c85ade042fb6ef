package notifier

import (
	"container/heap"
	"math"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/notifier/pacing"
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

// item is a claimed row waiting in a channel's queue.
type item struct {
	row     store.OutboxMessage
	contact *store.Contact
	lane    int
	cost    int          // units of the channel's rate it spends (bot.Coster), at least 1
	send    *pacing.Send // its way through the pacer, once picked
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

// channelState is one channel in the dispatcher: its claimed rows and
// their budgets (guarded by the dispatcher's mutex) and its pacer (which
// guards itself; the dispatcher may call it while holding its mutex, never
// the other way round).
type channelState struct {
	name    string
	sender  bot.Sender
	pacer   *pacing.Pacer
	limited bool // the channel declares a rate
	queue   itemHeap
	claimed [numLanes]int  // claimed rows whose result is not recorded yet
	more    [numLanes]bool // the last claim filled its budget: more may be due
	kick    chan struct{}
	sem     chan struct{}
}

func newChannelState(s bot.Sender, workers int, margin time.Duration) *channelState {
	var limits bot.Limits
	if l, ok := s.(bot.Limiter); ok {
		limits = l.Limits()
	}
	return &channelState{
		name: s.Channel(), sender: s, pacer: pacing.New(limits, margin), limited: limits.PerSecond > 0,
		kick: make(chan struct{}, 1), sem: make(chan struct{}, workers),
	}
}

func (cs *channelState) poke() {
	select {
	case cs.kick <- struct{}{}:
	default:
	}
}

func (cs *channelState) push(it *item) { heap.Push(&cs.queue, it) }

// Why a message was skipped (outbox error, broadcast counts).
const (
	SkipOptedOut    = "opted_out"
	SkipUnreachable = "unreachable"
	SkipNoConsent   = "no_consent"
)
