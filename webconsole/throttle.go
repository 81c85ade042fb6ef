package webconsole

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

// Sign-in throttling: after loginFailLimit wrong tokens from one address
// within loginFailWindow, that address may not try again until the oldest
// of those failures is loginFailWindow old.
const (
	loginFailLimit  = 5
	loginFailWindow = 10 * time.Minute
	maxTracked      = 10000 // addresses remembered at most (the oldest are forgotten first)
)

// loginThrottle counts failed sign-ins per client address, in memory (each
// replica counts its own).
type loginThrottle struct {
	mu    sync.Mutex
	clock clock.Clock
	fails map[string][]time.Time
}

func newLoginThrottle(clk clock.Clock) *loginThrottle {
	return &loginThrottle{clock: clk, fails: map[string][]time.Time{}}
}

// clientAddress is the address a request came from (the connection's, not
// a header anyone can write).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// wait is how long addr must wait before trying again (0: it may try now).
func (t *loginThrottle) wait(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	recent := t.recent(addr, now)
	if len(recent) < loginFailLimit {
		return 0
	}
	return recent[len(recent)-loginFailLimit].Add(loginFailWindow).Sub(now)
}

// failed records a wrong token from addr.
func (t *loginThrottle) failed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	if _, ok := t.fails[addr]; !ok && len(t.fails) >= maxTracked {
		t.forgetStale(now)
	}
	t.fails[addr] = append(t.recent(addr, now), now)
}

// succeeded forgets addr's failures.
func (t *loginThrottle) succeeded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, addr)
}

// recent are addr's failures within the window; the caller holds mu.
func (t *loginThrottle) recent(addr string, now time.Time) []time.Time {
	list := t.fails[addr]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-loginFailWindow)) {
		i++
	}
	return list[i:]
}

// forgetStale drops addresses without recent failures, or all of them when
// every one is recent (a flood from many addresses); the caller holds mu.
func (t *loginThrottle) forgetStale(now time.Time) {
	for a := range t.fails {
		if len(t.recent(a, now)) == 0 {
			delete(t.fails, a)
		}
	}
	if len(t.fails) >= maxTracked {
		clear(t.fails)
	}
}
