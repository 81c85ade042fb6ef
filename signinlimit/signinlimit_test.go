package signinlimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestFailuresHoldAKeyBackForTheWindow(t *testing.T) {
	clk := clock.NewManual(t0)
	l := New(clk)
	key := Key{Name: "addr:10.0.0.1", Tag: "mona"}
	for i := range Limit {
		r, w := l.Reserve(key)
		if w != 0 || r == nil {
			t.Fatalf("after %d failures: wait %v", i, w)
		}
		r.Failed()
		clk.Advance(time.Minute)
	}
	// 5 failures at 0..4 min, now 5 min: the first is 10 min old at 10 min.
	if r, w := l.Reserve(key); w != 5*time.Minute || r != nil {
		t.Fatalf("wait = %v (reservation %v), want 5m and none", w, r)
	}
	if w := l.Wait(key.Name); w != 5*time.Minute {
		t.Fatalf("Wait = %v", w)
	}
	if _, w := l.Reserve(Key{Name: "addr:10.0.0.2"}); w != 0 {
		t.Fatalf("another key waits %v", w)
	}
	clk.Advance(5*time.Minute - time.Nanosecond)
	if _, w := l.Reserve(key); w == 0 {
		t.Fatal("a nanosecond before the window ends the key may try")
	}
	clk.Advance(time.Nanosecond)
	r, w := l.Reserve(key)
	if w != 0 {
		t.Fatalf("after the window: wait %v", w)
	}
	r.Cancel()
}

// Attempts in progress count: whatever the interleaving, no more than Limit
// attempts of one key are ever judged within a window.
func TestParallelReservationsAreCountedBeforeTheyAreJudged(t *testing.T) {
	for round := range 20 {
		l := New(clock.NewManual(t0))
		var granted atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 300 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				keys := []Key{{Name: "addr:10.0.0.1", Tag: "mona"}, {Name: "untrusted:mona", Tag: "addr:10.0.0.1"}}
				if i%2 == 1 {
					keys = keys[1:] // from another address: only the account's counter is shared
				}
				r, w := l.Reserve(keys...)
				if w > 0 {
					return
				}
				granted.Add(1)
				time.Sleep(time.Millisecond) // the password check
				r.Failed()
			}()
		}
		close(start)
		wg.Wait()
		if g := granted.Load(); g != Limit {
			t.Fatalf("round %d: %d of 300 parallel attempts were judged, want %d", round, g, Limit)
		}
	}
}

func TestSettling(t *testing.T) {
	addr := func(tag string) Key { return Key{Name: "addr:10.0.0.1", Tag: tag} }
	cases := []struct {
		name   string
		run    func(l *Limiter)
		judged int // attempts still counted on the address afterwards
	}{
		{"a cancelled attempt is not counted", func(l *Limiter) {
			for range 10 {
				r, _ := l.Reserve(addr("mona"))
				r.Cancel()
			}
		}, 0},
		{"a success forgets the same account's failures from the address", func(l *Limiter) {
			fail(l, 4, addr("mona"))
			r, _ := l.Reserve(addr("mona"))
			r.Succeeded()
		}, 0},
		{"a success keeps other accounts' failures", func(l *Limiter) {
			fail(l, 4, addr("mona"))
			r, _ := l.Reserve(addr("sami"))
			r.Succeeded()
		}, 4},
		{"a refused key charges none of the others", func(l *Limiter) {
			fail(l, Limit, Key{Name: "untrusted:mona"})
			if r, w := l.Reserve(addr("mona"), Key{Name: "untrusted:mona"}); r != nil || w == 0 {
				t.Fatal("the account is held back: the reservation must be refused")
			}
		}, 0},
		{"settling twice changes nothing", func(l *Limiter) {
			r, _ := l.Reserve(addr("mona"))
			r.Failed()
			r.Succeeded()
			r.Cancel()
		}, 1},
		{"Forget drops one tag", func(l *Limiter) {
			fail(l, 2, addr("token"))
			fail(l, 1, addr("mona"))
			l.Forget("addr:10.0.0.1", "token")
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := New(clock.NewManual(t0))
			c.run(l)
			n := 0
			if k := l.keys["addr:10.0.0.1"]; k != nil {
				n = len(k.attempts)
			}
			if n != c.judged {
				t.Fatalf("%d attempts counted, want %d", n, c.judged)
			}
		})
	}
}

func fail(l *Limiter, n int, keys ...Key) {
	for range n {
		r, _ := l.Reserve(keys...)
		r.Failed()
	}
}

// A flood of new keys (addresses) cannot wipe out the counter of an account
// under attack: the least recently tried keys go first.
func TestAFloodOfKeysKeepsTheCountersInUse(t *testing.T) {
	clk := clock.NewManual(t0)
	l := New(clk)
	fail(l, Limit, Key{Name: "untrusted:mona"})
	for i := range 3 * maxTracked {
		if i%1000 == 0 {
			clk.Advance(time.Second)
			fail(l, 1, Key{Name: "untrusted:mona"}) // refused: tried, so recent
		}
		fail(l, 1, Key{Name: fmt.Sprintf("addr:10.%d.%d.%d", i>>16&255, i>>8&255, i&255)})
	}
	if len(l.keys) > maxTracked {
		t.Fatalf("%d keys remembered, at most %d", len(l.keys), maxTracked)
	}
	if w := l.Wait("untrusted:mona"); w == 0 {
		t.Fatal("the flood made the limiter forget the account under attack")
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1":                 "addr:10.0.0.1",
		"::ffff:10.0.0.1":          "addr:10.0.0.1",
		"2001:db8:1:2:3:4:5:6":     "addr:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":     "addr:2001:db8:1:2::/64",
		"2001:db8:1:3::1":          "addr:2001:db8:1:3::/64",
		"not an address, a label?": "addr:not an address, a label?",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
