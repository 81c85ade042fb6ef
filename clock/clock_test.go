package clock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fired says which of the named timers have a time waiting on their channel, and which time.
func fired(timers map[string]clock.Timer) string {
	var out []string
	for _, name := range []string{"a", "b", "c"} {
		t, ok := timers[name]
		if !ok {
			continue
		}
		select {
		case at := <-t.C():
			out = append(out, fmt.Sprintf("%s@%s", name, at.Sub(t0)))
		default:
		}
	}
	return strings.Join(out, " ")
}

func TestManualTimers(t *testing.T) {
	tests := []struct {
		name string
		run  func(m *clock.Manual, timers map[string]clock.Timer) string
		want string
	}{
		{"nothing fires before its deadline", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(3 * time.Second)
			m.Advance(3*time.Second - time.Nanosecond)
			return fired(ts)
		}, ""},
		{"a timer fires at its deadline with that time", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(3 * time.Second)
			m.Advance(5 * time.Second)
			return fired(ts)
		}, "a@3s"},
		{"only the timers due fire", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"], ts["b"] = m.NewTimer(time.Second), m.NewTimer(time.Minute)
			m.Advance(time.Second)
			return fired(ts)
		}, "a@1s"},
		{"Set fires what is due by then", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"], ts["b"] = m.NewTimer(time.Second), m.NewTimer(time.Minute)
			m.Set(t0.Add(time.Hour))
			return fired(ts)
		}, "a@1s b@1m0s"},
		{"moving back fires nothing", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(time.Second)
			m.Set(t0.Add(-time.Hour))
			return fired(ts)
		}, ""},
		{"a timer of zero is due at once", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(0)
			return fired(ts)
		}, "a@0s"},
		{"a stopped timer never fires", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(time.Second)
			if !ts["a"].Stop() {
				return "Stop said the timer was not active"
			}
			if ts["a"].Stop() {
				return "a second Stop said the timer was active"
			}
			m.Advance(time.Minute)
			return fired(ts)
		}, ""},
		{"Stop drops a time not yet received", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(time.Second)
			m.Advance(time.Second)
			if ts["a"].Stop() {
				return "Stop said a fired timer was active"
			}
			return fired(ts)
		}, ""},
		{"Reset moves the deadline from now", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(time.Second)
			m.Advance(500 * time.Millisecond)
			if !ts["a"].Reset(2 * time.Second) {
				return "Reset said an active timer was not"
			}
			m.Advance(time.Second)
			if got := fired(ts); got != "" {
				return "fired at the old deadline: " + got
			}
			m.Advance(time.Second)
			return fired(ts)
		}, "a@2.5s"},
		{"Reset after firing drops the stale time and fires again", func(m *clock.Manual, ts map[string]clock.Timer) string {
			ts["a"] = m.NewTimer(time.Second)
			m.Advance(time.Second)
			if ts["a"].Reset(time.Second) {
				return "Reset said a fired timer was active"
			}
			if got := fired(ts); got != "" {
				return "stale time after Reset: " + got
			}
			m.Advance(time.Second)
			return fired(ts)
		}, "a@2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(clock.NewManual(t0), map[string]clock.Timer{}); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// AfterFunc functions run in deadline order (ties in the order set), each
// seeing the clock at its own deadline, before Advance returns.
func TestManualAfterFuncOrder(t *testing.T) {
	m := clock.NewManual(t0)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, fmt.Sprintf("%s@%s", name, m.Now().Sub(t0))) }
	}
	m.AfterFunc(3*time.Second, at("c"))
	m.AfterFunc(time.Second, at("a"))
	m.AfterFunc(3*time.Second, at("d"))
	m.AfterFunc(2*time.Second, at("b"))
	stopped := m.AfterFunc(2*time.Second, at("never"))
	stopped.Stop()
	m.AfterFunc(time.Hour, at("later"))
	m.Advance(10 * time.Second)
	if s := strings.Join(got, " "); s != "a@1s b@2s c@3s d@3s" {
		t.Fatalf("ran %s", s)
	}
	if m.Now() != t0.Add(10*time.Second) {
		t.Fatalf("clock at %v after Advance", m.Now().Sub(t0))
	}
	if next, ok := m.Next(); !ok || next != t0.Add(time.Hour) || m.Pending() != 1 {
		t.Fatalf("next timer %v %v, %d pending; want the hour's only", next, ok, m.Pending())
	}
}

// A function that sets a timer again (a ticker) runs once per period passed.
func TestManualAfterFuncRearms(t *testing.T) {
	m := clock.NewManual(t0)
	n := 0
	var tick clock.Timer
	tick = m.AfterFunc(time.Second, func() { n++; tick.Reset(time.Second) })
	m.Advance(5 * time.Second)
	if n != 5 {
		t.Fatalf("ticked %d times in 5 s, want 5", n)
	}
}

// Sleep returns once the clock passed d, or with ctx's error; tests learn
// that the sleeper is waiting from WaitForTimers, never by sleeping.
func TestSleepOnManual(t *testing.T) {
	m := clock.NewManual(t0)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- clock.Sleep(ctx, m, 3*time.Second) }()
	if err := m.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	m.Advance(3*time.Second - time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Sleep returned (%v) before 3 s had passed", err)
	default:
	}
	m.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m.Pending() != 0 {
		t.Fatalf("%d timers left pending", m.Pending())
	}

	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- clock.Sleep(cctx, m, time.Hour) }()
	if err := m.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep after cancel: %v", err)
	}
	go func() { done <- clock.Sleep(ctx, m, 5*time.Second) }()
	if err := m.WaitForTimerAt(ctx, m.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	m.Advance(5 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Millisecond)
	defer wcancel()
	if err := m.WaitForTimers(wctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitForTimers with none pending: %v", err)
	}
}

func TestSleepOnSystem(t *testing.T) {
	if err := clock.Sleep(context.Background(), clock.System{}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := clock.Sleep(ctx, clock.System{}, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended context: %v", err)
	}
	ran := make(chan struct{})
	clock.System{}.AfterFunc(time.Millisecond, func() { close(ran) })
	<-ran
}

// Many goroutines set, reset and stop timers while the clock moves (run
// with -race): every timer not stopped fires exactly once.
func TestManualConcurrentUse(t *testing.T) {
	m := clock.NewManual(t0)
	const n = 50
	var wg, armed sync.WaitGroup
	var mu sync.Mutex
	fires := 0
	for i := range n {
		wg.Add(1)
		armed.Add(1)
		go func() {
			defer wg.Done()
			tm := m.NewTimer(time.Duration(i+1) * time.Millisecond)
			tm.Reset(time.Duration(i+1) * time.Second)
			other := m.AfterFunc(time.Second, func() { t.Error("a stopped AfterFunc ran") })
			other.Stop()
			armed.Done()
			<-tm.C()
			mu.Lock()
			fires++
			mu.Unlock()
		}()
	}
	armed.Wait()
	for m.Pending() > 0 {
		m.Advance(time.Second)
	}
	wg.Wait()
	if fires != n {
		t.Fatalf("%d of %d timers fired", fires, n)
	}
}
