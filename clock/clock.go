// Package clock owns the notion of "now" and of waiting: production code asks
// a Clock for the time and for timers, tests move a Manual clock by hand so
// that nothing time-dependent needs to sleep.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the current time and makes timers that fire by it.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has passed on this clock.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine once d has passed on this
	// clock (a Manual clock calls it before Advance or Set returns). The
	// timer's C is nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a time.Timer of some clock, with the Go 1.23 semantics: after
// Stop or Reset no stale time is received from C.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; false means it had fired or
	// been stopped already.
	Stop() bool
	// Reset makes the timer fire d from now; false means it had fired or
	// been stopped already.
	Reset(d time.Duration) bool
}

// Sleep waits d on c, or until ctx ends (then it returns ctx.Err()).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

// System is the wall clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (System) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

// AfterFunc returns time.AfterFunc(d, f).
func (System) AfterFunc(d time.Duration, f func()) Timer { return systemTimer{time.AfterFunc(d, f)} }

type systemTimer struct{ t *time.Timer }

func (s systemTimer) C() <-chan time.Time        { return s.t.C }
func (s systemTimer) Stop() bool                 { return s.t.Stop() }
func (s systemTimer) Reset(d time.Duration) bool { return s.t.Reset(d) }

// Manual is a clock that only moves when told to; safe for concurrent use.
// Its timers fire, in the order of their deadlines (ties in the order they
// were set), when Advance or Set moves it to or past them.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	timers  []*manualTimer // pending, in no particular order
	changed chan struct{}  // closed (and replaced) whenever timers are added
}

// NewManual returns a clock stopped at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t, changed: make(chan struct{})} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t, firing every timer due by then. Moving it back
// fires nothing.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	for {
		next := m.due(t)
		if next == nil {
			break
		}
		m.now = next.when
		if next.f == nil {
			select { // under the lock, so that no Stop or Reset finds it stale
			case next.c <- next.when:
			default: // a previous time not yet received: time.Timer drops it too
			}
			continue
		}
		m.mu.Unlock()
		next.f()
		m.mu.Lock()
	}
	m.now = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d, firing every timer due by then.
func (m *Manual) Advance(d time.Duration) { m.Set(m.Now().Add(d)) }

// Pending says how many timers wait to fire.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// Next says when the earliest pending timer fires; ok is false when none waits.
func (m *Manual) Next() (at time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.timers) == 0 {
		return time.Time{}, false
	}
	return m.earliest().when, true
}

// WaitForTimers waits until at least n timers are pending (goroutines under
// test have reached their waits), or until ctx ends.
func (m *Manual) WaitForTimers(ctx context.Context, n int) error {
	return m.waitFor(ctx, func() bool { return len(m.timers) >= n })
}

// WaitForTimerAt waits until a pending timer fires at exactly at (code under
// test waits until then), or until ctx ends.
func (m *Manual) WaitForTimerAt(ctx context.Context, at time.Time) error {
	return m.waitFor(ctx, func() bool {
		for _, t := range m.timers {
			if t.when.Equal(at) {
				return true
			}
		}
		return false
	})
}

// waitFor waits until cond (called with m.mu held) holds, checking each time timers are set.
func (m *Manual) waitFor(ctx context.Context, cond func() bool) error {
	for {
		m.mu.Lock()
		ok, changed := cond(), m.changed
		m.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// NewTimer returns a timer that fires when the clock reaches now+d.
func (m *Manual) NewTimer(d time.Duration) Timer {
	t := &manualTimer{m: m, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// AfterFunc returns a timer that calls f (before Advance or Set returns)
// when the clock reaches now+d.
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	t := &manualTimer{m: m, f: f}
	t.Reset(d)
	return t
}

// earliest is the pending timer to fire first. Callers hold m.mu and know one is pending.
func (m *Manual) earliest() *manualTimer {
	best := m.timers[0]
	for _, t := range m.timers[1:] {
		if t.when.Before(best.when) || (t.when.Equal(best.when) && t.seq < best.seq) {
			best = t
		}
	}
	return best
}

// due takes out the first timer due by t, or nil. Callers hold m.mu.
func (m *Manual) due(t time.Time) *manualTimer {
	if len(m.timers) == 0 {
		return nil
	}
	next := m.earliest()
	if next.when.After(t) {
		return nil
	}
	m.remove(next)
	return next
}

// remove takes t out of the pending timers; false if it was not pending. Callers hold m.mu.
func (m *Manual) remove(t *manualTimer) bool {
	for i, p := range m.timers {
		if p == t {
			m.timers = append(m.timers[:i], m.timers[i+1:]...)
			return true
		}
	}
	return false
}

type manualTimer struct {
	m    *Manual
	c    chan time.Time // nil for AfterFunc
	f    func()
	when time.Time // guarded by m.mu
	seq  uint64    // guarded by m.mu
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	t.drain()
	return t.m.remove(t)
}

func (t *manualTimer) Reset(d time.Duration) bool {
	m := t.m
	m.mu.Lock()
	active := m.remove(t)
	t.drain()
	m.seq++
	t.when, t.seq = m.now.Add(d), m.seq
	m.timers = append(m.timers, t)
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
	if d <= 0 {
		m.Set(m.Now()) // due at once, as a time.Timer of 0 is
	}
	return active
}

// drain drops a time sent but not received, so none is stale after Stop or Reset. Callers hold m.mu.
func (t *manualTimer) drain() {
	if t.c == nil {
		return
	}
	select {
	case <-t.c:
	default:
	}
}
