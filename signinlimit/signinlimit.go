// Package signinlimit slows down guessing: it counts failed sign-ins per key
// (a client address, or an account's name) and makes a key that failed too
// often wait. The staff API counts wrong tokens per address; the web
// console counts wrong passwords and tokens per address and per account.
package signinlimit

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

// After Limit wrong tokens from one address within Window, that address may
// not try again until the oldest of those failures is Window old.
const (
	Limit      = 5
	Window     = 10 * time.Minute
	maxTracked = 10000 // addresses remembered at most
)

// Limiter counts failed sign-ins per client address, in memory (each
// replica counts its own).
type Limiter struct {
	mu    sync.Mutex
	clock clock.Clock
	fails map[string][]time.Time
}

// New returns a limiter reading time from clk.
func New(clk clock.Clock) *Limiter {
	return &Limiter{clock: clk, fails: map[string][]time.Time{}}
}

// ClientAddress is the address a request came from (the connection's, not
// a header anyone can write: behind a proxy, the proxy's).
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Wait is how long addr must wait before trying again (0: it may try now).
func (t *Limiter) Wait(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	recent := t.recent(addr, now)
	if len(recent) < Limit {
		return 0
	}
	return recent[len(recent)-Limit].Add(Window).Sub(now)
}

// Failed records a wrong token from addr.
func (t *Limiter) Failed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	if _, ok := t.fails[addr]; !ok && len(t.fails) >= maxTracked {
		t.forgetStale(now)
	}
	t.fails[addr] = append(t.recent(addr, now), now)
}

// Succeeded forgets addr's failures.
func (t *Limiter) Succeeded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, addr)
}

// recent are addr's failures within the window; the caller holds mu.
func (t *Limiter) recent(addr string, now time.Time) []time.Time {
	list := t.fails[addr]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-Window)) {
		i++
	}
	return list[i:]
}

// forgetStale drops addresses without recent failures, or all of them when
// every one is recent (a flood from many addresses); the caller holds mu.
func (t *Limiter) forgetStale(now time.Time) {
	for a := range t.fails {
		if len(t.recent(a, now)) == 0 {
			delete(t.fails, a)
		}
	}
	if len(t.fails) >= maxTracked {
		clear(t.fails)
	}
}
