package replicas_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier/replicas"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const interval = 200 * time.Millisecond

// tick is the least time the databases tell apart: both keep heartbeats
// to the microsecond.
const tick = time.Microsecond

// logs collects what a coordinator logs.
type logs struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// claimed enqueues n bulk Telegram rows and claims them for holder.
func claimed(t *testing.T, s *store.Store, holder string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		var c *store.Contact
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			c, _, err = tx.ContactByAddress(vocab.Address{TelegramChatID: int64(len(holder)*1000 + i + 1)}, "ar")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s:%d", holder, i)
		if _, err := s.Enqueue(ctx, &store.OutboxMessage{ContactID: c.ID, Channel: bot.Telegram, Recipient: strconv.FormatInt(*c.TelegramChatID, 10),
			Priority: store.PriorityBulk, Body: key, DedupeKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.ClaimLane(ctx, bot.Telegram, store.PriorityBulk, math.MaxInt32, n, 2*time.Minute, holder)
	if err != nil || len(rows) != n {
		t.Fatalf("claim for %s: %d rows, %v", holder, len(rows), err)
	}
}

func sending(t *testing.T, s *store.Store) int {
	t.Helper()
	c, err := s.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c[store.OutboxSending]
}

func beat(t *testing.T, s *store.Store, instance string) {
	t.Helper()
	if _, err := s.Heartbeat(context.Background(), instance, 3*interval); err != nil {
		t.Fatal(err)
	}
}

// Replicas seen within three intervals share the rates, on the clock: a
// replica that stopped beating still counts three intervals after its last
// heartbeat and not a microsecond longer (the databases keep microseconds); one that leaves stops counting at once.
func TestHeartbeatsCountTheReplicasThatShare(t *testing.T) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var shared []int
		a := replicas.New(s, clk, slog.New(slog.DiscardHandler), replicas.Config{Interval: interval, Shared: func(n int) { shared = append(shared, n) }})
		b := replicas.New(s, clk, slog.New(slog.DiscardHandler), replicas.Config{Interval: interval})
		c := replicas.New(s, clk, slog.New(slog.DiscardHandler), replicas.Config{Interval: interval})
		if a.Instance() == b.Instance() {
			t.Fatal("two coordinators without a name got the same one")
		}
		a.Beat(ctx)
		b.Beat(ctx)
		c.Beat(ctx)
		a.Beat(ctx)
		if a.Replicas() != 3 || fmt.Sprint(shared) != "[1 3]" {
			t.Fatalf("a counts %d replicas, was told %v; want 3 after [1 3]", a.Replicas(), shared)
		}
		c.Leave()
		a.Beat(ctx)
		if a.Replicas() != 2 {
			t.Fatalf("%d replicas after one left, want 2", a.Replicas())
		}
		silentSince := clk.Now() // b beats no more
		clk.Set(silentSince.Add(3 * interval))
		a.Beat(ctx)
		if a.Replicas() != 2 {
			t.Fatalf("%d replicas three intervals after b's last heartbeat, want b still counted", a.Replicas())
		}
		clk.Set(silentSince.Add(3*interval + tick))
		a.Beat(ctx)
		if a.Replicas() != 1 {
			t.Fatalf("%d replicas a microsecond later, want b no longer counted", a.Replicas())
		}
		if got := shared[len(shared)-1]; got != 1 {
			t.Fatalf("Shared last told %d, want 1", got)
		}
	})
}

// The rows of a dispatcher that fell silent are taken over once it has
// been silent for three intervals and at least a second (Silence), not a
// microsecond before; a live dispatcher's rows are never taken, however long.
func TestASilentDispatchersRowsAreTakenOverAfterExactlyItsSilence(t *testing.T) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		beat(t, s, "killed")
		claimed(t, s, "killed", 3)
		beat(t, s, "alive")
		claimed(t, s, "alive", 2)
		tookOver := 0
		l := &logs{}
		c := replicas.New(s, clk, l.logger(), replicas.Config{Interval: interval, TookOver: func() { tookOver++ }})
		if got := c.Silence(); got != time.Second {
			t.Fatalf("Silence = %v at a %v interval, want a second", got, interval)
		}
		clk.Set(t0.Add(time.Second))
		beat(t, s, "alive")
		if n := c.TakeOver(ctx); n != 0 || sending(t, s) != 5 {
			t.Fatalf("a second after its last heartbeat %d rows were taken over (%d still held), want none", n, sending(t, s))
		}
		clk.Set(t0.Add(time.Second + tick))
		if n := c.TakeOver(ctx); n != 3 || tookOver != 1 {
			t.Fatalf("a microsecond later %d rows taken over (told %d times), want the killed one's 3", n, tookOver)
		}
		if !strings.Contains(l.String(), "took over rows a stopped dispatcher held") || !strings.Contains(l.String(), "count=3") {
			t.Fatalf("the takeover was not logged:\n%s", l)
		}
		for range 50 { // ten seconds of a live dispatcher's heartbeats
			clk.Advance(interval)
			beat(t, s, "alive")
			if n := c.TakeOver(ctx); n != 0 {
				t.Fatalf("%d of a live dispatcher's rows were taken over", n)
			}
		}
		if got := sending(t, s); got != 2 {
			t.Fatalf("%d rows held, want the live dispatcher's 2", got)
		}
	})
}

// On SQLite the process that takes the dispatcher lock file at start takes
// over at once, the clock standing still, every row held under another
// name: a killed predecessor's, though its heartbeat is fresh. Rows held
// under its own name (another dispatcher of the same process: serve's
// terminal chat) stay held, and nothing is logged for them. A second
// process, which finds the lock taken, takes nothing.
func TestJoinAloneTakesOverAPredecessorsRowsAtOnceAndNeverItsOwnProcesss(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	ctx := context.Background()
	process := replicas.NewInstance()
	beat(t, s, "killed")
	claimed(t, s, "killed", 3)
	claimed(t, s, process, 2) // the chat's dispatcher, mid-send

	other := &logs{}
	second := replicas.New(s, clk, other.logger(), replicas.Config{Instance: "another process", Interval: interval})
	first := &logs{}
	c := replicas.New(s, clk, first.logger(), replicas.Config{Instance: process, Interval: interval})
	release := c.Join(ctx)
	if got := sending(t, s); got != 2 {
		t.Fatalf("%d rows held after the start, want this process's own 2 (the predecessor's 3 taken over)", got)
	}
	if !strings.Contains(first.String(), "count=3") {
		t.Fatalf("the start did not log the 3 rows it took over:\n%s", first)
	}
	defer second.Join(ctx)()
	if got := sending(t, s); got != 2 || strings.Contains(other.String(), "took over") {
		t.Fatalf("a second process, the lock taken, took rows over (%d held):\n%s", got, other)
	}
	release()

	// A fresh start with nothing left behind but this process's own rows
	// takes nothing over and says nothing of it.
	fresh := &logs{}
	again := replicas.New(s, clk, fresh.logger(), replicas.Config{Instance: process, Interval: interval})
	defer again.Join(ctx)()
	if got := sending(t, s); got != 2 || strings.Contains(fresh.String(), "took over") {
		t.Fatalf("a fresh start took over its own process's rows (%d held):\n%s", got, fresh)
	}
}

// Run beats every interval on the clock, not before, and takes over as it goes.
func TestRunBeatsEveryInterval(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	beats := make(chan time.Time, 10)
	c := replicas.New(s, clk, slog.New(slog.DiscardHandler), replicas.Config{Interval: interval, Shared: func(int) { beats <- clk.Now() }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * interval)
		if err := clk.WaitForTimerAt(wait, at); err != nil {
			t.Fatalf("no heartbeat set for +%v", at.Sub(t0))
		}
		clk.Set(at.Add(-time.Nanosecond))
		select {
		case b := <-beats:
			t.Fatalf("a heartbeat at +%v, before +%v", b.Sub(t0), at.Sub(t0))
		case <-time.After(20 * time.Millisecond):
		}
		clk.Set(at)
		select {
		case b := <-beats:
			if !b.Equal(at) {
				t.Fatalf("heartbeat at +%v, want +%v", b.Sub(t0), at.Sub(t0))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no heartbeat at +%v", at.Sub(t0))
		}
		if c.Due() {
			t.Fatal("a heartbeat is due just after one")
		}
	}
}
