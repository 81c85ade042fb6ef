package notifier_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tamkeen/tamkeen/bot"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func systemClock() clock.Clock { return clock.System{} }

// run starts d.Run and returns a stop function that waits for it.
func run(t testing.TB, d *notifier.Dispatcher) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func TestOptOutBetweenEnqueueAndSend(t *testing.T) {
	storetest.Each(t, systemClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := contact(t, s, 1, "ar"), contact(t, s, 2, "en")
		enqueue(t, s, msg(a, bot.Telegram, store.PriorityBulk, "x:a"), msg(b, bot.Telegram, store.PriorityBulk, "x:b"))
		if err := s.MarkOptedOut(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		f := newFake(bot.Telegram, 0)
		d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
		if err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if f.count() != 1 || f.sent[0].ContactID != b.ID {
			t.Fatalf("sent %+v, want only contact %d's message", f.sent, b.ID)
		}
		if c := counts(t, s); c[store.OutboxSkipped] != 1 || c[store.OutboxSent] != 1 {
			t.Fatalf("outbox %v, want 1 sent and 1 skipped", c)
		}
	})
}

func TestPartsOfAReplyGoInOrderAndRepliesBeforeBulk(t *testing.T) {
	storetest.Each(t, systemClock, func(t *testing.T, s *store.Store) {
		c := contact(t, s, 1, "ar")
		var msgs []*store.OutboxMessage
		for i := range 5 {
			msgs = append(msgs, msg(c, bot.Telegram, store.PriorityBulk, fmt.Sprintf("bulk:%d", i)))
		}
		for i := range 3 {
			msgs = append(msgs, msg(c, bot.Telegram, store.PriorityReply, fmt.Sprintf("reply:%d", i)))
		}
		enqueue(t, s, msgs...)
		f := newFake(bot.Telegram, 0)
		d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
		if err := d.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var replies, bulk []string
		for _, m := range f.sent {
			if len(m.Body) > 5 && m.Body[:5] == "reply" {
				replies = append(replies, m.Body)
			} else {
				bulk = append(bulk, m.Body)
			}
		}
		if fmt.Sprint(replies) != "[reply:0 reply:1 reply:2]" || len(bulk) != 5 {
			t.Fatalf("replies %v bulk %v", replies, bulk)
		}
		if f.sent[0].Body != "reply:0" {
			t.Fatalf("first sent %q, want the reply first", f.sent[0].Body)
		}
	})
}

func TestQuietHoursHoldBulkOnly(t *testing.T) {
	clk := clock.NewManual(t0) // 10:00 UTC; quiet until 11:00; the store's clock too
	storetest.Each(t, func() clock.Clock { clk.Set(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		quietEnd := t0.Add(time.Hour)
		quiet := func(now time.Time) time.Time {
			if now.Before(quietEnd) {
				return quietEnd
			}
			return now
		}
		c := contact(t, s, 1, "ar")
		enqueue(t, s, msg(c, bot.Telegram, store.PriorityBulk, "bulk"), msg(c, bot.Telegram, store.PriorityReply, "reply"))
		f := newFake(bot.Telegram, 0)
		f.clk = clk
		d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), nil, notifier.DispatcherConfig{QuietUntil: quiet})
		for _, step := range []struct {
			at   time.Time
			want int
		}{{t0, 1}, {t0.Add(59 * time.Minute), 1}, {quietEnd, 2}} {
			clk.Set(step.at)
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if f.count() != step.want {
				t.Fatalf("at %v: %d sent, want %d", step.at, f.count(), step.want)
			}
		}
		if f.sent[0].Body != "reply" {
			t.Fatalf("first %q, want the reply", f.sent[0].Body)
		}
	})
}

func TestSendErrorsDecideTheRow(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus string
		wantOptOut bool
	}{
		{"blocked", &bot.SendError{Kind: bot.Unreachable, Err: errors.New("403 blocked")}, store.OutboxFailed, false},
		{"opted out at provider", &bot.SendError{Kind: bot.OptedOut, Err: errors.New("21610")}, store.OutboxFailed, true},
		{"bad request", &bot.SendError{Kind: bot.Permanent, Err: errors.New("400")}, store.OutboxFailed, false},
		{"timeout", errors.New("timeout"), store.OutboxPending, false},
		{"per-chat 429", &bot.SendError{Kind: bot.RetryLater, RetryAfter: 3 * time.Second, Err: errors.New("429")}, store.OutboxPending, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.SQLite(t, clock.System{})
			ctx := context.Background()
			c := contact(t, s, 1, "ar")
			enqueue(t, s, msg(c, bot.Telegram, store.PriorityNotice, "n"))
			f := newFake(bot.Telegram, 0)
			f.onSend = func(bot.Outgoing) error { return tt.err }
			d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if got := counts(t, s); got[tt.wantStatus] != 1 {
				t.Fatalf("outbox %v, want one %s", got, tt.wantStatus)
			}
			after, err := s.Contact(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (after.OptedOutAt != nil) != tt.wantOptOut {
				t.Fatalf("opted out = %v, want %v", after.OptedOutAt != nil, tt.wantOptOut)
			}
		})
	}
}

// maxBulkBeforeReply is how many broadcast messages may still go between a
// reply's arrival and the reply: those already waiting for their slot.
const maxBulkBeforeReply = 15

// A reply enqueued while a broadcast drains at the provider's pace goes out
// at once, and the pace never draws a 429.
func TestReplyOvertakesBroadcastAndPaceHolds(t *testing.T) {
	s := storetest.SQLite(t, clock.System{})
	const rate, n = 50.0, 60
	var msgs []*store.OutboxMessage
	var cs []*store.Contact
	for i := range n {
		c := contact(t, s, i, "ar")
		cs = append(cs, c)
		msgs = append(msgs, msg(c, bot.Telegram, store.PriorityBulk, fmt.Sprintf("bulk:%d", i)))
	}
	enqueue(t, s, msgs...)
	f := newFake(bot.Telegram, rate)
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
	run(t, d)
	waitFor(t, 5*time.Second, "some bulk sent", func() bool { return f.count() >= 10 })
	ahead := f.count()
	enqueue(t, s, msg(cs[n-1], bot.Telegram, store.PriorityReply, "reply"))
	d.Notify()
	place := -1
	waitFor(t, 5*time.Second, "the reply", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		place = slices.IndexFunc(f.sent, func(m bot.Outgoing) bool { return m.Body == "reply" })
		return place >= 0
	})
	// Counted in sends, not milliseconds: the reply takes one of the next
	// few slots of the pace, however slow the machine, not one after the
	// broadcast's remaining rows.
	if between := place - ahead; between > maxBulkBeforeReply {
		t.Errorf("%d broadcast messages went between the reply's arrival and the reply (at most %d)", between, maxBulkBeforeReply)
	}
	waitFor(t, 10*time.Second, "the whole broadcast", func() bool { return counts(t, s)[store.OutboxSent] == n+1 })
	if f.tooFast != 0 {
		t.Errorf("provider answered 429 %d times", f.tooFast)
	}
	if dup := f.duplicates(); dup != 0 {
		t.Errorf("%d duplicates", dup)
	}
}

// One chat whose sends hang does not hold up the others.
func TestSlowChatDoesNotStallOthers(t *testing.T) {
	s := storetest.SQLite(t, clock.System{})
	slow := contact(t, s, 0, "ar")
	var msgs []*store.OutboxMessage
	msgs = append(msgs, msg(slow, bot.Telegram, store.PriorityBulk, "slow"))
	for i := 1; i <= 20; i++ {
		msgs = append(msgs, msg(contact(t, s, i, "ar"), bot.Telegram, store.PriorityBulk, fmt.Sprintf("b:%d", i)))
	}
	enqueue(t, s, msgs...)
	release := make(chan struct{})
	f := newFake(bot.Telegram, 0)
	f.onSend = func(m bot.Outgoing) error {
		if m.Body == "slow" {
			<-release
		}
		return nil
	}
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
	run(t, d)
	waitFor(t, 5*time.Second, "the other 20 chats", func() bool { return f.count() == 20 })
	close(release)
	waitFor(t, 5*time.Second, "the slow chat", func() bool { return f.count() == 21 })
}

// A provider's 429 for the whole channel stops sends for exactly the window
// it names, on the dispatcher's clock: the channel waits until the window
// ends, nothing goes before, and everything goes after.
func TestGlobal429PausesChannel(t *testing.T) {
	clk := clock.NewManual(t0) // the store's clock too: rows fall due by it
	s := storetest.SQLite(t, clk)
	var msgs []*store.OutboxMessage
	for i := range 10 {
		msgs = append(msgs, msg(contact(t, s, i, "ar"), bot.Telegram, store.PriorityBulk, fmt.Sprintf("b:%d", i)))
	}
	enqueue(t, s, msgs...)
	f := newFake(bot.Telegram, 0)
	f.clk = clk
	pausedAt := make(chan time.Time, 1)
	const window = 3 * time.Second
	var once sync.Once
	f.onSend = func(m bot.Outgoing) error {
		var err error
		once.Do(func() {
			pausedAt <- clk.Now()
			err = &bot.SendError{Kind: bot.RetryLater, RetryAfter: window, Scope: bot.ScopeChannel, Err: errors.New("429")}
		})
		return err
	}
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), nil,
		notifier.DispatcherConfig{Workers: 1, PollInterval: 50 * time.Millisecond})
	run(t, d)
	at := <-pausedAt
	waitForTimerAt(t, clk, at.Add(window), "the channel to wait for the end of the 429's window")
	clk.Set(at.Add(window - time.Nanosecond))
	if n := f.count(); n != 0 {
		t.Fatalf("%d sent inside the 429's window", n)
	}
	clk.Advance(time.Nanosecond)
	advanceUntil(t, clk, 50*time.Millisecond, "all ten", func() bool { return counts(t, s)[store.OutboxSent] == 10 })
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, sentAt := range f.sentAt {
		if sentAt.Before(at.Add(window)) {
			t.Fatalf("send %d went %v after the 429, inside its %v window", i, sentAt.Sub(at), window)
		}
	}
}

// waitForTimerAt waits until something waits on clk until exactly at.
func waitForTimerAt(t *testing.T, clk *clock.Manual, at time.Time, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForTimerAt(ctx, at); err != nil {
		next, _ := clk.Next()
		t.Fatalf("timed out waiting for %s (a timer at %v; the next is at %v)", what, at.Sub(t0), next.Sub(t0))
	}
}

// advanceUntil moves clk on by step, giving the dispatcher's goroutines a
// moment in between, until cond holds; it fails after 10 s of wall time.
func advanceUntil(t *testing.T, clk *clock.Manual, step time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (clock at +%v)", what, clk.Now().Sub(t0))
		}
		time.Sleep(2 * time.Millisecond)
		if !cond() {
			clk.Advance(step)
		}
	}
}

// Two replicas on one PostgreSQL share a broadcast: no row goes twice.
func TestTwoReplicasNeverSendARowTwice(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s1, s2 := openReplica(t, dsn), openReplica(t, dsn)
	const n = 400
	var msgs []*store.OutboxMessage
	for i := range n {
		msgs = append(msgs, msg(contact(t, s1, i, "ar"), bot.Telegram, store.PriorityBulk, fmt.Sprintf("b:%d", i)))
	}
	f := newFake(bot.Telegram, 0) // both replicas send through one recording provider
	d1 := notifier.NewDispatcher(s1, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{Batch: 20})
	d2 := notifier.NewDispatcher(s2, []bot.Sender{f}, clock.System{}, discard(), nil, notifier.DispatcherConfig{Batch: 20})
	run(t, d1)
	run(t, d2)
	enqueue(t, s1, msgs...)
	d1.Notify() // replica 2 hears it through NOTIFY
	waitFor(t, 30*time.Second, "all rows sent", func() bool { return counts(t, s1)[store.OutboxSent] == n })
	if dup := f.duplicates(); dup != 0 || f.count() != n {
		t.Fatalf("%d sends, %d duplicates; want %d and 0", f.count(), dup, n)
	}
}

// The parts of a reply follow each other at once, not one per poll: all
// four go while the clock stands still, with a minute between polls.
func TestReplyPartsFollowQuickly(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	c := contact(t, s, 1, "ar")
	f := newFake(bot.SMS, 0)
	f.clk = clk
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), nil, notifier.DispatcherConfig{PollInterval: time.Minute})
	run(t, d)
	waitForTimerAt(t, clk, t0.Add(time.Minute), "the dispatcher to wait for its next poll")
	var parts []*store.OutboxMessage
	for i := range 4 {
		parts = append(parts, msg(c, bot.SMS, store.PriorityReply, fmt.Sprintf("part:%d", i)))
	}
	enqueue(t, s, parts...)
	d.Notify()
	waitFor(t, 5*time.Second, "all parts without the clock moving", func() bool { return f.count() == 4 })
	for i, m := range f.sent {
		if m.Body != fmt.Sprintf("part:%d", i) {
			t.Fatalf("part %d is %q", i, m.Body)
		}
	}
}

// costly is a provider whose rate counts segments: each message costs cost.
type costly struct {
	*fakeSender
	cost int
}

func (c costly) Cost(bot.Outgoing) int { return c.cost }

// A channel paced in segments spends a message's segments, not one token:
// 45 three-segment texts to a provider counting 60 segments in any rolling
// second all go without a 429 (paced per message, 60 texts a second, they
// would be 180 segments a second).
func TestPaceCountsSegments(t *testing.T) {
	s := storetest.SQLite(t, clock.System{})
	const n = 45
	var msgs []*store.OutboxMessage
	for i := range n {
		msgs = append(msgs, msg(contact(t, s, i, "ar"), bot.SMS, store.PriorityBulk, fmt.Sprintf("long:%d", i)))
	}
	enqueue(t, s, msgs...)
	f := newFake(bot.SMS, 60)
	f.unit = 3
	d := notifier.NewDispatcher(s, []bot.Sender{costly{f, 3}}, clock.System{}, discard(), nil, notifier.DispatcherConfig{})
	run(t, d)
	waitFor(t, 15*time.Second, "all sent", func() bool { return counts(t, s)[store.OutboxSent] == n })
	if f.tooFast != 0 {
		t.Errorf("the provider answered 429 %d times: the rate was spent per message, not per segment", f.tooFast)
	}
	if dup := f.duplicates(); dup != 0 {
		t.Errorf("%d duplicates", dup)
	}
}

// Two replicas on one PostgreSQL keep together to the provider's rate: each
// takes half, and when one stops the other takes the whole again.
func TestReplicasShareTheProviderRate(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s1, s2 := openReplica(t, dsn), openReplica(t, dsn)
	const n = 60
	var msgs []*store.OutboxMessage
	for i := range n {
		msgs = append(msgs, msg(contact(t, s1, i, "ar"), bot.Telegram, store.PriorityBulk, fmt.Sprintf("b:%d", i)))
	}
	f := newFake(bot.Telegram, 40)                                          // one provider allowing 40/s, shared by both replicas
	cfg := notifier.DispatcherConfig{ShareInterval: 200 * time.Millisecond} // a replica is counted while seen within 600 ms, which a busy test machine keeps
	d1 := notifier.NewDispatcher(s1, []bot.Sender{f}, clock.System{}, discard(), nil, cfg)
	d2 := notifier.NewDispatcher(s2, []bot.Sender{f}, clock.System{}, discard(), nil, cfg)
	run(t, d1)
	stop2 := run(t, d2)
	waitFor(t, 5*time.Second, "both replicas to see each other", func() bool { return d1.Replicas() == 2 && d2.Replicas() == 2 })
	enqueue(t, s1, msgs...)
	d1.Notify()
	waitFor(t, 30*time.Second, "all rows sent", func() bool { return counts(t, s1)[store.OutboxSent] == n })
	// The provider judges every rolling second: each replica at the whole
	// rate would be twice its limit and draw 429s.
	if f.tooFast != 0 {
		t.Errorf("the provider answered 429 %d times: the replicas together went faster than its rate", f.tooFast)
	}
	stop2()
	waitFor(t, 5*time.Second, "the remaining replica to take the whole rate", func() bool { return d1.Replicas() == 1 })
}

// openReplica opens the database as another serve process would: its own
// connections to the same PostgreSQL schema.
func openReplica(t *testing.T, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// Rows held by a dispatcher that was killed are taken over in seconds, not
// when their lease ends: on SQLite at once by the process that takes the
// dispatcher lock, on PostgreSQL once the dead one's heartbeat is a second
// old (three intervals, at least a second) on the clock. Rows of a
// dispatcher that is still alive are left alone.
func TestKilledDispatchersRowsAreTakenOverInSeconds(t *testing.T) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var msgs []*store.OutboxMessage
		for i := range 6 {
			msgs = append(msgs, msg(contact(t, s, i, "ar"), bot.Telegram, store.PriorityBulk, fmt.Sprintf("b:%d", i)))
		}
		enqueue(t, s, msgs...)
		// A dispatcher claimed three rows for two minutes, then was killed.
		if _, err := s.Heartbeat(ctx, "killed", time.Second); err != nil {
			t.Fatal(err)
		}
		killed, err := s.ClaimLane(ctx, bot.Telegram, store.PriorityBulk, math.MaxInt32, 3, 2*time.Minute, "killed")
		if err != nil || len(killed) != 3 {
			t.Fatalf("claim: %d rows, %v", len(killed), err)
		}
		alive := s.Dialect() == "postgres" // on SQLite one process sends; the lock says the others are gone
		beat := func() {}
		if alive {
			// Another dispatcher holds two rows and beats at every tick.
			if _, err := s.ClaimLane(ctx, bot.Telegram, store.PriorityBulk, math.MaxInt32, 2, 2*time.Minute, "alive"); err != nil {
				t.Fatal(err)
			}
			beat = func() {
				if _, err := s.Heartbeat(ctx, "alive", 3*200*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
		}
		f := newFake(bot.Telegram, 0)
		f.clk = clk
		const tick = 200 * time.Millisecond
		d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), nil,
			notifier.DispatcherConfig{ShareInterval: tick, PollInterval: time.Hour})
		run(t, d)
		want := 6
		if alive {
			want = 4
		}
		// Tick by tick: each heartbeat has taken over what it may before the clock moves on.
		ticks := func(until func() bool, most int) {
			for range most {
				if until() {
					return
				}
				waitForTimerAt(t, clk, clk.Now().Add(tick), "the next heartbeat")
				beat()
				clk.Advance(tick)
			}
		}
		if !alive {
			waitFor(t, 5*time.Second, "the killed dispatcher's rows, the clock standing still", func() bool { return f.count() == want })
		} else {
			ticks(func() bool { return f.count() == want }, 20)
			waitFor(t, 5*time.Second, "the killed dispatcher's rows", func() bool { return f.count() == want })
		}
		ticks(func() bool { return false }, 25) // five more seconds: the live one's rows stay its own
		f.mu.Lock()
		defer f.mu.Unlock()
		if got := len(f.sent); got != want {
			t.Fatalf("%d rows sent, want %d: a live dispatcher's rows were taken", got, want)
		}
		for i, m := range f.sent {
			if !slices.ContainsFunc(killed, func(r store.OutboxMessage) bool { return r.ID == m.ID }) {
				continue
			}
			took := f.sentAt[i].Sub(t0)
			switch {
			case !alive && took != 0:
				t.Errorf("%s: a killed dispatcher's row went %v after the start, want at once", s.Dialect(), took)
			case alive && (took < time.Second || took > 2*time.Second):
				t.Errorf("%s: a killed dispatcher's row went %v after its last heartbeat, want after a second of silence", s.Dialect(), took)
			}
		}
	})
}

// Telegram answers the same 429 for one chat's flood limit and for the whole
// bot's. A 429 for a chat we wrote to a moment before pauses that chat
// only; a 429 for a chat we had not written to pauses the channel. Both are
// counted in tamkeen_provider_throttled_total. Times are the dispatcher's
// clock, which the test moves: others go while it stands still unless the
// channel is paused, and nothing paused goes before retry_after has passed.
func TestA429PausesWhomItConcerns(t *testing.T) {
	const retryAfter = 3 * time.Second
	for _, tc := range []struct {
		name    string
		earlier bool // the throttled chat got a message just before
		scope   string
		paused  bool
	}{
		{name: "a chat we just wrote to", earlier: true, scope: "recipient", paused: false},
		{name: "a chat we had not written to", earlier: false, scope: "channel", paused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(t0)
			s := storetest.SQLite(t, clk)
			throttled := contact(t, s, 0, "ar")
			f := newFake(bot.Telegram, 0)
			f.clk = clk
			f.limits.PerRecipient = 200 * time.Millisecond
			var once sync.Once
			throttledAt := make(chan time.Time, 1)
			f.onSend = func(m bot.Outgoing) error {
				var err error
				if m.Body == "throttled" {
					once.Do(func() {
						throttledAt <- clk.Now()
						err = &bot.SendError{Kind: bot.RetryLater, RetryAfter: retryAfter, Err: errors.New("429 Too Many Requests: retry after 3")}
					})
				}
				return err
			}
			m := metrics.New()
			d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), m,
				notifier.DispatcherConfig{PollInterval: 20 * time.Millisecond})
			run(t, d)
			if tc.earlier {
				enqueue(t, s, msg(throttled, bot.Telegram, store.PriorityReply, "before"))
				d.Notify()
				waitFor(t, 5*time.Second, "the message before", func() bool { return f.count() == 1 })
			}
			enqueue(t, s, msg(throttled, bot.Telegram, store.PriorityReply, "throttled"))
			d.Notify()
			// The chat's own interval (200 ms) passes on the clock before the send.
			advanceUntil(t, clk, 10*time.Millisecond, "the 429", func() bool { return len(throttledAt) == 1 })
			at := <-throttledAt
			if tc.earlier && at.Sub(t0) > time.Second {
				t.Fatalf("the second message to the chat went %v after the first", at.Sub(t0))
			}
			var others []*store.OutboxMessage
			for i := 1; i <= 5; i++ {
				others = append(others, msg(contact(t, s, i, "ar"), bot.Telegram, store.PriorityReply, fmt.Sprintf("other:%d", i)))
			}
			enqueue(t, s, others...)
			d.Notify()
			if !tc.paused {
				waitFor(t, 5*time.Second, "the other chats, the clock standing still", func() bool { return f.count() == len(others)+1 })
			} else {
				waitForTimerAt(t, clk, at.Add(retryAfter), "the channel to wait for retry_after")
				clk.Set(at.Add(retryAfter - time.Nanosecond))
				if n := f.count(); n != 0 {
					t.Fatalf("%d sent inside retry_after after a 429 for the whole bot", n)
				}
				clk.Advance(time.Nanosecond)
			}
			advanceUntil(t, clk, 20*time.Millisecond, "everything", func() bool {
				return counts(t, s)[store.OutboxSent] == len(others)+1+boolInt(tc.earlier)
			})
			f.mu.Lock()
			defer f.mu.Unlock()
			for i, sent := range f.sent {
				after := f.sentAt[i].Sub(at)
				switch {
				case sent.Body == "throttled" && after < retryAfter:
					t.Errorf("the throttled chat got its message %v after the 429, inside retry_after %v", after, retryAfter)
				case strings.HasPrefix(sent.Body, "other:") && tc.paused && after < retryAfter:
					t.Errorf("%s went %v after a 429 for the whole bot", sent.Body, after)
				case strings.HasPrefix(sent.Body, "other:") && !tc.paused && after != 0:
					t.Errorf("%s waited %v: one chat's 429 paused everyone", sent.Body, after)
				}
			}
			if got := testutil.ToFloat64(m.Throttled.WithLabelValues(bot.Telegram, tc.scope)); got != 1 {
				t.Errorf("tamkeen_provider_throttled_total{scope=%q} = %v, want 1", tc.scope, got)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A channel declares its pacing as data and the dispatcher keeps to it:
// with WhatsApp's kind of pair rate (a message every 6 s to one person,
// after a burst of 3), three messages to one person go at once, the clock
// standing still, and the fourth exactly when the person's allowance is
// back (6 s and the margin), not a nanosecond before; another person is
// not held up meanwhile.
func TestAChannelDeclaresAPairRateAsData(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	one, other := contact(t, s, 1, "ar"), contact(t, s, 2, "ar")
	if err := s.InTx(context.Background(), func(tx *store.Tx) error { // both are writing: free replies go
		return tx.SetWhatsAppInbound(map[int64]time.Time{one.ID: t0, other.ID: t0})
	}); err != nil {
		t.Fatal(err)
	}
	var msgs []*store.OutboxMessage
	for i := range 4 {
		msgs = append(msgs, msg(one, "whatsapp", store.PriorityReply, fmt.Sprintf("part:%d", i)))
	}
	enqueue(t, s, msgs...)
	f := newFake("whatsapp", 0)
	f.clk = clk
	f.limits = bot.Limits{PerRecipient: 6 * time.Second, RecipientBurst: 3}
	d := notifier.NewDispatcher(s, []bot.Sender{f}, clk, discard(), nil, notifier.DispatcherConfig{})
	run(t, d)
	waitFor(t, 5*time.Second, "the burst, the clock standing still", func() bool { return f.count() == 3 })
	enqueue(t, s, msg(other, "whatsapp", store.PriorityReply, "other"))
	d.Notify()
	waitFor(t, 5*time.Second, "another person, the clock standing still", func() bool { return f.count() == 4 })
	back := t0.Add(6*time.Second + 2*time.Millisecond)
	clk.Set(back.Add(-time.Nanosecond))
	d.Notify()
	time.Sleep(100 * time.Millisecond)
	if n := f.count(); n != 4 {
		t.Fatalf("%d sent a nanosecond before the person's allowance was back, want 4", n)
	}
	clk.Set(back)
	d.Notify()
	waitFor(t, 5*time.Second, "the fourth message", func() bool { return f.count() == 5 })
	f.mu.Lock()
	defer f.mu.Unlock()
	if last := f.sent[4]; last.Body != "part:3" || !f.sentAt[4].Equal(back) {
		t.Fatalf("last sent %q at +%v, want part:3 at +%v", last.Body, f.sentAt[4].Sub(t0), back.Sub(t0))
	}
}
