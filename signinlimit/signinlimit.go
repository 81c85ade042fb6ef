// Package signinlimit slows down guessing. It counts sign-in attempts per
// key (a client address, an account's name as typed from untrusted
// browsers, one browser's device cookie) and makes a key that failed too
// often wait. An attempt is counted when it is reserved, before the secret
// is compared, and settled afterwards: a hundred guesses sent at once are
// held back like a hundred sent one after another.
package signinlimit

import (
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

// After Limit failed attempts for one key within Window, that key may not
// try again until the oldest of those failures is Window old. Attempts in
// progress count as failures until they are settled.
const (
	Limit      = 5
	Window     = 10 * time.Minute
	maxTracked = 10000 // keys remembered at most
)

// Key is one counter an attempt is charged to. Tag says whose attempt it
// was on that counter (for an address: the account tried; for an account:
// the address it was tried from): a success forgets the key's failures with
// the same tag, so a person's own typos are forgotten and nobody else's.
type Key struct {
	Name string
	Tag  string
}

// Limiter counts attempts per key, in memory (each replica counts its own).
type Limiter struct {
	mu    sync.Mutex
	clock clock.Clock
	keys  map[string]*counter
}

type counter struct {
	attempts []*attempt // in the order they were reserved
	last     time.Time  // the latest reservation, for eviction
}

type attempt struct {
	at  time.Time
	tag string
}

// New returns a limiter reading time from clk.
func New(clk clock.Clock) *Limiter {
	return &Limiter{clock: clk, keys: map[string]*counter{}}
}

// Reservation is one attempt charged to its keys before it is judged.
// Settle it with exactly one of Failed, Succeeded or Cancel; later calls do
// nothing.
type Reservation struct {
	l       *Limiter
	keys    []Key
	attempt []*attempt
	settled bool
}

// Reserve charges one attempt to every key at once, or to none: when any
// key has Limit attempts (failed or in progress) within the window, nothing
// is charged and wait says how long until it may try again.
func (l *Limiter) Reserve(keys ...Key) (*Reservation, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, l.wait(k.Name, now))
	}
	if wait > 0 {
		for _, k := range keys {
			if c := l.keys[k.Name]; c != nil {
				c.last = now // a key held back is in use: the last to be forgotten
			}
		}
		return nil, wait
	}
	r := &Reservation{l: l, keys: keys, attempt: make([]*attempt, len(keys))}
	for i, k := range keys {
		c := l.counter(k.Name, now)
		a := &attempt{at: now, tag: k.Tag}
		c.attempts = append(c.attempts, a)
		c.last = now
		r.attempt[i] = a
	}
	return r, 0
}

// Wait is how long name must wait before trying again (0: it may try now).
func (l *Limiter) Wait(name string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait(name, l.clock.Now())
}

// Failed keeps the attempt counted on every key for the rest of the window.
func (r *Reservation) Failed() {
	if r == nil {
		return
	}
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	r.settled = true
}

// Succeeded drops the attempt, and on each key the failures carrying the
// same tag: a person who gets in has their own mistakes forgotten, and
// nobody else's.
func (r *Reservation) Succeeded() {
	r.settle(true)
}

// Cancel drops the attempt as if it had not been made (it could not be
// judged, for example because the database did not answer).
func (r *Reservation) Cancel() {
	r.settle(false)
}

func (r *Reservation) settle(forgive bool) {
	if r == nil {
		return
	}
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	if r.settled {
		return
	}
	r.settled = true
	for i, k := range r.keys {
		c := r.l.keys[k.Name]
		if c == nil {
			continue // forgotten while the attempt was judged
		}
		c.attempts = slices.DeleteFunc(c.attempts, func(a *attempt) bool {
			return a == r.attempt[i] || (forgive && a.tag == k.Tag)
		})
		if len(c.attempts) == 0 {
			delete(r.l.keys, k.Name)
		}
	}
}

// Forget drops name's failures tagged tag.
func (l *Limiter) Forget(name, tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.keys[name]
	if c == nil {
		return
	}
	c.attempts = slices.DeleteFunc(c.attempts, func(a *attempt) bool { return a.tag == tag })
	if len(c.attempts) == 0 {
		delete(l.keys, name)
	}
}

// wait is how long name must wait; the caller holds mu.
func (l *Limiter) wait(name string, now time.Time) time.Duration {
	c := l.keys[name]
	if c == nil {
		return 0
	}
	l.expire(c, now)
	if len(c.attempts) < Limit {
		return 0
	}
	times := make([]time.Time, len(c.attempts))
	for i, a := range c.attempts {
		times[i] = a.at
	}
	slices.SortFunc(times, time.Time.Compare)
	return max(times[len(times)-Limit].Add(Window).Sub(now), time.Second)
}

// expire drops attempts older than the window; the caller holds mu.
func (l *Limiter) expire(c *counter, now time.Time) {
	c.attempts = slices.DeleteFunc(c.attempts, func(a *attempt) bool { return !a.at.After(now.Add(-Window)) })
}

// counter is name's counter, made when missing; when too many keys are
// remembered, those without recent attempts are dropped, then the least
// recently tried (so a flood of new keys cannot wipe out the counters under
// attack, which are tried all the time). The caller holds mu.
func (l *Limiter) counter(name string, now time.Time) *counter {
	if c := l.keys[name]; c != nil {
		return c
	}
	if len(l.keys) >= maxTracked {
		for n, c := range l.keys {
			if l.expire(c, now); len(c.attempts) == 0 {
				delete(l.keys, n)
			}
		}
		if len(l.keys) >= maxTracked*9/10 {
			// Make room for a tenth at once, so a flood costs a sort per
			// thousand new keys, not a scan per key.
			names := slices.Collect(maps.Keys(l.keys))
			slices.SortFunc(names, func(a, b string) int { return l.keys[a].last.Compare(l.keys[b].last) })
			for _, n := range names[:len(names)-maxTracked*8/10] {
				delete(l.keys, n)
			}
		}
	}
	c := &counter{}
	l.keys[name] = c
	return c
}

// AddressKey is the counter name of a client address: an IPv6 address
// counts with its /64 network, which one household or one attacker usually
// holds whole.
func AddressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "addr:" + addr
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + a.Unmap().String()
}
