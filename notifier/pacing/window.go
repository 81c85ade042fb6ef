package pacing

import (
	"math"
	"slices"
	"time"
)

// Lookahead is how early a message may be picked before the window has room
// for it: about the time it takes to hand it to a sender, whose request
// then waits (Send.Depart) for the exact moment.
const Lookahead = 15 * time.Millisecond

// window keeps a provider's rate in every rolling window, as the provider
// measures it: never more than n units in any span of one second plus a
// margin (1/rate plus the margin below one unit a second), with units
// spaced about 1/rate apart so that there is no burst above the rate
// either (at high rates picks may run 20 ms ahead).
//
// Units are counted on the safe side of the network: a request may leave
// only when the units answered within the last span, plus those still in
// flight, leave room for it; and a unit is dated when its answer comes
// back, which is after the provider counted it. So however late a request
// arrives, or however early, no window at the provider holds more than n.
// The Pacer's lock guards it.
type window struct {
	rate     float64       // units per second for this dispatcher (its share of the channel's rate)
	margin   time.Duration // added to every window
	n        int           // units allowed in one window
	span     time.Duration // the window
	spacing  time.Duration // 1/rate
	burst    time.Duration // how far ahead of the spacing picks may run
	recent   []time.Time   // when the last n units were answered, oldest first (a multi-unit message's later units lie ahead)
	reserved int           // units picked whose request has not left
	picked   []picked      // those picks, oldest first
	seq      uint64        // the last pick's number
	inflight int           // units whose request left and whose answer is not back
	next     time.Time     // the spacing's schedule: when the next unit is due
}

// picked is one pick's units waiting for its request to leave.
type picked struct {
	seq   uint64
	units int
}

func newWindow(rate float64, margin time.Duration) *window {
	w := &window{margin: margin}
	w.setRate(rate)
	return w
}

func (w *window) setRate(rate float64) {
	w.rate = rate
	w.spacing = time.Duration(float64(time.Second) / rate)
	w.burst = time.Duration(max(0, math.Floor(rate/50)-1)) * w.spacing
	if rate >= 1 {
		w.n, w.span = int(rate), time.Second+w.margin
	} else {
		w.n, w.span = 1, w.spacing+w.margin
	}
	if len(w.recent) > w.n {
		w.recent = append([]time.Time(nil), w.recent[len(w.recent)-w.n:]...)
	}
}

// roomAt says when the window has room for units more beyond those picked
// or in flight; false: not before a request in flight answers.
func (w *window) roomAt(now time.Time, units int) (time.Time, bool) {
	return w.roomFor(now, min(units, w.n)+w.reserved+w.inflight)
}

// roomFor says when the window has room for need units beyond those
// answered within the window; false: not before a request in flight answers.
func (w *window) roomFor(now time.Time, need int) (time.Time, bool) {
	if need > w.n {
		return time.Time{}, false
	}
	// The need-th oldest of the last n answered units must have left the window.
	if free := w.n - len(w.recent); need > free {
		return w.recent[need-free-1].Add(w.span), true
	}
	return now, true
}

// pickWait says how long until a message of cost units may be picked (0: now).
func (w *window) pickWait(now time.Time, cost int) time.Duration {
	if earliest := w.next.Add(-w.burst - Lookahead); now.Before(earliest) {
		return earliest.Sub(now)
	}
	at, ok := w.roomAt(now, cost)
	if !ok {
		return w.spacing
	}
	return max(0, at.Sub(now)-Lookahead)
}

// reserve picks a message of cost units now and returns its slot in the
// spacing's schedule (it may lie up to Lookahead ahead) and its number.
func (w *window) reserve(now time.Time, cost int) (time.Time, uint64) {
	w.reserved += cost
	w.seq++
	w.picked = append(w.picked, picked{seq: w.seq, units: cost})
	// A pick a little late (timers, a busy machine) keeps to the schedule
	// rather than pushing every later one back: lateness up to half a
	// spacing does not add up, and no two sends are closer than that.
	if catchUp := now.Add(-w.spacing / 2); w.next.Before(catchUp) {
		w.next = catchUp
	}
	slot := w.next
	w.next = w.next.Add(time.Duration(cost) * w.spacing)
	return slot, w.seq
}

// departWait says how long the units of pick seq must still wait before
// their request leaves (0: now): until the window has room for them and
// for the picks before them, which leave first (a message of several
// units is not overtaken). Picks after them do not hold them back: counting
// those too, each request would wait for room for every pick made while it
// waited, and at rates where picks run ahead by more than a spacing
// (Lookahead > 1/rate, from 67 a second) the wait never ended until picking
// stopped, and then all left at once.
func (w *window) departWait(now time.Time, units int, seq uint64) time.Duration {
	ahead := 0
	for _, p := range w.picked {
		if p.seq >= seq {
			break
		}
		ahead += p.units
	}
	at, ok := w.roomFor(now, min(units, w.n)+ahead+w.inflight)
	if !ok {
		return w.spacing
	}
	return max(0, at.Sub(now))
}

// depart moves the reserved units of pick seq in flight: their request leaves now.
func (w *window) depart(units int, seq uint64) {
	w.unpick(seq)
	w.reserved = max(0, w.reserved-units)
	w.inflight += units
}

// unpick forgets pick seq.
func (w *window) unpick(seq uint64) {
	for i, p := range w.picked {
		if p.seq == seq {
			w.picked = slices.Delete(w.picked, i, i+1)
			return
		}
	}
}

// answered dates units in flight at at. Units of a message larger than a
// window (3 SMS segments at 1 a second) are spread behind it at the rate,
// as the provider spends them; the others all count at at, as the
// provider counts them when the request arrives.
func (w *window) answered(at time.Time, units, ofMessage int) {
	if units <= 0 {
		return
	}
	w.inflight = max(0, w.inflight-units)
	step := time.Duration(0)
	if ofMessage > w.n {
		step = w.spacing
	}
	for i := range units {
		w.insert(at.Add(time.Duration(i) * step))
	}
}

// cancel gives back units reserved for a message that was not sent.
func (w *window) cancel(units int, seq uint64) {
	w.unpick(seq)
	w.reserved = max(0, w.reserved-units)
}

// insert adds one unit's time, keeping the last n in order.
func (w *window) insert(t time.Time) {
	i := len(w.recent)
	for i > 0 && w.recent[i-1].After(t) {
		i--
	}
	w.recent = slices.Insert(w.recent, i, t)
	if len(w.recent) > w.n {
		w.recent = w.recent[len(w.recent)-w.n:]
	}
}
