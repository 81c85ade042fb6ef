package pacing_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier/pacing"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const margin = 2 * time.Millisecond

// sendNow picks, departs, answers each unit and ends a message at the
// clock's time; it fails the test if the pacer does not let it go then.
func sendNow(t *testing.T, p *pacing.Pacer, clk *clock.Manual, to string, units int) {
	t.Helper()
	s := p.Reserve(clk.Now(), to, units)
	if s == nil {
		t.Fatalf("at +%v: a message of %d to %s may not go", clk.Now().Sub(t0), units, to)
	}
	if w := s.TryDepart(clk.Now()); w != 0 {
		t.Fatalf("at +%v: its request must wait %v", clk.Now().Sub(t0), w)
	}
	for range units {
		s.Answered(clk.Now())
	}
	s.Done(clk.Now(), true, pacing.SlowDown{})
}

// mayGo says whether a message of units to to may be picked and leave at
// the clock's time (it is then ended, as sendNow does).
func mayGo(p *pacing.Pacer, clk *clock.Manual, to string, units int) bool {
	s := p.Reserve(clk.Now(), to, units)
	if s == nil {
		return false
	}
	if s.TryDepart(clk.Now()) != 0 {
		s.Done(clk.Now(), false, pacing.SlowDown{})
		return false
	}
	s.Done(clk.Now(), true, pacing.SlowDown{})
	return true
}

// A 429 pauses whom it concerns until exactly retry_after has passed: not
// a nanosecond less, and then at once; a channel-wide pause holds every
// recipient, a recipient's only that one; on a paced channel and on one
// without a rate alike.
func TestA429PausesUntilExactlyRetryAfter(t *testing.T) {
	const after = 3 * time.Second
	for _, limits := range []bot.Limits{{}, {PerSecond: 30, PerRecipient: time.Second}, {PerSecond: 2}} {
		for _, scope := range []bot.Scope{bot.ScopeChannel, bot.ScopeRecipient} {
			t.Run(fmt.Sprintf("%+v/%s", limits, scope), func(t *testing.T) {
				clk := clock.NewManual(t0)
				p := pacing.New(limits, margin)
				s := p.Reserve(clk.Now(), "throttled", 1)
				if s == nil {
					t.Fatal("the first message may not go")
				}
				s.TryDepart(clk.Now())
				if got := s.Done(clk.Now(), true, pacing.SlowDown{After: after, Scope: scope}); got != scope {
					t.Fatalf("paused %s, want %s", got, scope)
				}
				until := t0.Add(after)
				if scope == bot.ScopeChannel {
					if got := p.PausedUntil(); !got.Equal(until) {
						t.Fatalf("PausedUntil = +%v, want +%v", got.Sub(t0), after)
					}
				}
				// Others: held by a channel pause, not by a recipient's.
				clk.Set(t0.Add(after - 500*time.Millisecond))
				if got, want := mayGo(p, clk, "other", 1), scope == bot.ScopeRecipient; got != want {
					t.Fatalf("another recipient may go during the pause: %v, want %v", got, want)
				}
				clk.Set(until.Add(-time.Nanosecond))
				if busy, w := p.RecipientWait(clk.Now(), "throttled"); busy || (scope == bot.ScopeRecipient && w != time.Nanosecond) {
					t.Fatalf("a nanosecond before the end: busy %v, recipient waits %v (want 1ns)", busy, w)
				}
				if scope == bot.ScopeChannel {
					if w := p.ChannelWait(clk.Now(), 1); w != time.Nanosecond {
						t.Fatalf("a nanosecond before the end the channel waits %v, want 1ns", w)
					}
				}
				if mayGo(p, clk, "throttled", 1) {
					t.Fatal("the throttled recipient got a message a nanosecond before retry_after ended")
				}
				clk.Set(until)
				if !mayGo(p, clk, "throttled", 1) {
					t.Fatal("the throttled recipient still waits when retry_after has passed")
				}
			})
		}
	}
}

// Telegram answers the same 429 for one chat's flood limit and for the
// whole bot's: a 429 that does not say whom it concerns is the
// recipient's when a message went to them within three of their
// intervals, else the channel's; a channel without per-recipient limits
// always pauses whole.
func TestA429OfUnknownScopeIsReadFromTheLastMessage(t *testing.T) {
	const interval = time.Second
	for _, tc := range []struct {
		perRecipient time.Duration
		before       time.Duration // how long before the throttled send the previous one left; <0: none
		want         bot.Scope
	}{
		{interval, -1, bot.ScopeChannel},
		{interval, interval + margin, bot.ScopeRecipient},
		{interval, 3*interval - time.Nanosecond, bot.ScopeRecipient},
		{interval, 3 * interval, bot.ScopeChannel},
		{interval, 10 * interval, bot.ScopeChannel},
		{0, 0, bot.ScopeChannel},
		{0, -1, bot.ScopeChannel},
	} {
		t.Run(fmt.Sprintf("%v/%v", tc.perRecipient, tc.before), func(t *testing.T) {
			clk := clock.NewManual(t0)
			p := pacing.New(bot.Limits{PerRecipient: tc.perRecipient}, margin)
			if tc.before >= 0 {
				sendNow(t, p, clk, "chat", 1)
				clk.Advance(tc.before)
			}
			s := p.Reserve(clk.Now(), "chat", 1)
			if s == nil {
				t.Fatal("the throttled message may not go")
			}
			s.TryDepart(clk.Now())
			if got := s.Done(clk.Now(), true, pacing.SlowDown{After: time.Second}); got != tc.want {
				t.Fatalf("a 429 of unknown scope paused the %s, want the %s", got, tc.want)
			}
		})
	}
}

// Each unit to a recipient spends one of their intervals, counted from
// when its request left: after a message of 3 parts at a part a second,
// the chat's next message goes 3 s (and the margin) later, not a
// nanosecond before. With a burst, that many units go at once first.
func TestRecipientSpacingInUnitsToTheNanosecond(t *testing.T) {
	const interval = time.Second
	for _, tc := range []struct {
		burst int
		sends []int         // units of the messages sent at once (as far as allowed)
		next  time.Duration // when the following message may go
	}{
		{0, []int{1}, interval + margin},
		{1, []int{3}, 3*interval + margin},
		{0, []int{2}, 2*interval + margin},
		{3, []int{1, 1, 1}, interval + margin},
		{3, []int{2, 1}, interval},  // three units at once: the burst, the margin kept a message
		{5, []int{1, 1}, 0},         // burst left: at once
		{2, []int{4}, 3 * interval}, // one of the four units was the burst's
	} {
		t.Run(fmt.Sprintf("burst %d, %v", tc.burst, tc.sends), func(t *testing.T) {
			clk := clock.NewManual(t0)
			p := pacing.New(bot.Limits{PerRecipient: interval, RecipientBurst: tc.burst}, margin)
			for _, units := range tc.sends {
				sendNow(t, p, clk, "chat", units)
			}
			if !mayGo(p, clk, "another chat", 1) {
				t.Fatal("another chat waits for this one's spacing")
			}
			next := t0.Add(max(tc.next, 0))
			if tc.next > 0 {
				clk.Set(next.Add(-time.Nanosecond))
				if _, w := p.RecipientWait(clk.Now(), "chat"); w != time.Nanosecond {
					t.Fatalf("a nanosecond before +%v the chat waits %v, want 1ns", tc.next, w)
				}
				if mayGo(p, clk, "chat", 1) {
					t.Fatalf("the chat's next message went a nanosecond before +%v", tc.next)
				}
			}
			clk.Set(next)
			if !mayGo(p, clk, "chat", 1) {
				t.Fatalf("the chat's next message may not go at +%v", next.Sub(t0))
			}
		})
	}
}

// A recipient with a message under way gets no other until it is done.
func TestOneMessageAtATimeToARecipient(t *testing.T) {
	clk := clock.NewManual(t0)
	p := pacing.New(bot.Limits{}, margin)
	s := p.Reserve(clk.Now(), "chat", 1)
	if busy, _ := p.RecipientWait(clk.Now(), "chat"); !busy || p.Reserve(clk.Now(), "chat", 1) != nil {
		t.Fatal("a second message to the chat may go while the first is under way")
	}
	if p.Reserve(clk.Now(), "other", 1) == nil {
		t.Fatal("another chat waits for this one")
	}
	s.Done(clk.Now(), true, pacing.SlowDown{})
	if p.Reserve(clk.Now(), "chat", 1) == nil {
		t.Fatal("the chat's next message waits after the first is done")
	}
}

// The window dates a unit when its answer comes back, and counts a unit in
// flight as taken: at 10 a second, after ten answered units the eleventh
// request leaves one second (and the margin) after the first answer, not
// a nanosecond before; a unit whose answer is late moves its room with it.
func TestWindowRoomToTheNanosecond(t *testing.T) {
	const rate = 10
	spacing := time.Second / rate
	span := time.Second + margin
	t.Run("answered at once", func(t *testing.T) {
		clk := clock.NewManual(t0)
		p := pacing.New(bot.Limits{PerSecond: rate}, margin)
		for i := range rate {
			clk.Set(t0.Add(time.Duration(i) * spacing))
			sendNow(t, p, clk, fmt.Sprint("r", i), 1)
		}
		clk.Set(t0.Add(span - pacing.Lookahead - time.Nanosecond))
		if p.Reserve(clk.Now(), "eleventh", 1) != nil {
			t.Fatal("the eleventh was picked more than the lookahead early")
		}
		clk.Set(t0.Add(span - pacing.Lookahead))
		s := p.Reserve(clk.Now(), "eleventh", 1)
		if s == nil {
			t.Fatal("the eleventh may not be picked a lookahead before its room")
		}
		clk.Set(t0.Add(span - time.Nanosecond))
		if w := s.TryDepart(clk.Now()); w != time.Nanosecond {
			t.Fatalf("a nanosecond before its room the request waits %v, want 1ns", w)
		}
		clk.Set(t0.Add(span))
		if w := s.TryDepart(clk.Now()); w != 0 {
			t.Fatalf("at its room the request still waits %v", w)
		}
	})
	t.Run("in flight, then answered late", func(t *testing.T) {
		clk := clock.NewManual(t0)
		p := pacing.New(bot.Limits{PerSecond: 2}, margin)
		a := p.Reserve(clk.Now(), "a", 1)
		a.TryDepart(clk.Now())
		clk.Advance(time.Second / 2)
		b := p.Reserve(clk.Now(), "b", 1)
		b.TryDepart(clk.Now())
		clk.Advance(time.Minute) // both in flight for a minute
		if p.Reserve(clk.Now(), "c", 1) != nil || p.ChannelWait(clk.Now(), 1) == 0 {
			t.Fatal("a third was picked while two were in flight at 2 a second")
		}
		answered := clk.Now()
		a.Answered(answered) // dated now, a minute after it left
		a.Done(answered, true, pacing.SlowDown{})
		clk.Set(answered.Add(span - pacing.Lookahead - time.Nanosecond))
		if p.Reserve(clk.Now(), "c", 1) != nil {
			t.Fatal("the third was picked more than the lookahead before a second after the answer")
		}
		clk.Set(answered.Add(span - pacing.Lookahead))
		c := p.Reserve(clk.Now(), "c", 1)
		if c == nil {
			t.Fatal("the third may not be picked a lookahead before a second after the answer")
		}
		clk.Set(answered.Add(span - time.Nanosecond))
		if w := c.TryDepart(clk.Now()); w != time.Nanosecond {
			t.Fatalf("a nanosecond before a second after the answer the third waits %v, want 1ns", w)
		}
		clk.Set(answered.Add(span))
		if w := c.TryDepart(clk.Now()); w != 0 {
			t.Fatalf("a second after the answer, with one unit still in flight, the third waits %v", w)
		}
		b.Done(clk.Now(), true, pacing.SlowDown{})
	})
}

// A message larger than the window (three SMS segments at one a second)
// is spent at the rate behind its answer: the next waits three spans.
func TestAMessageLargerThanTheWindowIsSpreadBehindItsAnswer(t *testing.T) {
	clk := clock.NewManual(t0)
	p := pacing.New(bot.Limits{PerSecond: 1}, margin)
	s := p.Reserve(clk.Now(), "a", 3)
	if s == nil || s.TryDepart(clk.Now()) != 0 {
		t.Fatal("the three-segment message may not go")
	}
	clk.Advance(200 * time.Millisecond)
	s.Answered(clk.Now()) // one request: one answer for its three segments
	s.Done(clk.Now(), true, pacing.SlowDown{})
	answered := clk.Now()
	// Segments dated at the answer, a second and two seconds behind it.
	room := answered.Add(2*time.Second + time.Second + margin)
	clk.Set(room.Add(-pacing.Lookahead))
	n := p.Reserve(clk.Now(), "b", 1)
	if n == nil {
		t.Fatalf("the next may not be picked a lookahead before +%v", room.Sub(t0))
	}
	clk.Set(room.Add(-time.Nanosecond))
	if w := n.TryDepart(clk.Now()); w != time.Nanosecond {
		t.Fatalf("a nanosecond before its room the next waits %v, want 1ns", w)
	}
	clk.Set(room)
	if w := n.TryDepart(clk.Now()); w != 0 {
		t.Fatalf("at its room the next still waits %v", w)
	}
}

// A message that never reached the provider gives its units back: the
// next goes at its own slot instead of waiting for ever behind them.
func TestAMessageNotSentGivesItsUnitsBack(t *testing.T) {
	clk := clock.NewManual(t0)
	p := pacing.New(bot.Limits{PerSecond: 1}, margin)
	a := p.Reserve(clk.Now(), "a", 1)
	a.Done(clk.Now(), false, pacing.SlowDown{}) // skipped: opted out since
	clk.Advance(time.Second)
	b := p.Reserve(clk.Now(), "b", 1)
	if b == nil {
		t.Fatal("the next may not be picked at its slot")
	}
	if w := b.TryDepart(clk.Now()); w != 0 {
		t.Fatalf("the next waits %v behind a message that was never sent", w)
	}
}

// Replicas share the rate: with three, each sends a third.
func TestShareDividesTheRate(t *testing.T) {
	p := pacing.New(bot.Limits{PerSecond: 30}, margin)
	for _, tc := range []struct {
		replicas int
		changed  bool
		rate     float64
	}{{1, false, 30}, {3, true, 10}, {3, false, 10}, {0, true, 30}, {2, true, 15}} {
		if got := p.Share(tc.replicas); got != tc.changed {
			t.Errorf("Share(%d) changed = %v, want %v", tc.replicas, got, tc.changed)
		}
		if got := p.Rate(); got != tc.rate {
			t.Errorf("after Share(%d) the rate here is %v, want %v", tc.replicas, got, tc.rate)
		}
	}
	if got := pacing.New(bot.Limits{}, margin).Rate(); got != 0 {
		t.Errorf("a channel without a rate has rate %v here", got)
	}
}

// A Pacer forgets now and then the recipients whose waits are over (a
// broadcast to a million people must not keep a million entries), never
// one that still waits: a recipient paused for an hour and one whose
// spacing runs still wait after sends to 30,000 others.
func TestForgettingRecipientsKeepsThoseWhoWait(t *testing.T) {
	clk := clock.NewManual(t0)
	p := pacing.New(bot.Limits{PerRecipient: time.Second}, margin)
	s := p.Reserve(clk.Now(), "paused", 1)
	s.TryDepart(clk.Now())
	s.Done(clk.Now(), true, pacing.SlowDown{After: time.Hour, Scope: bot.ScopeRecipient})
	for i := range 30_000 {
		if i == 29_000 {
			sendNow(t, p, clk, "spaced", 3)
		}
		sendNow(t, p, clk, fmt.Sprint(i), 1)
		if i%1000 == 999 {
			clk.Advance(100 * time.Millisecond)
		}
	}
	if _, w := p.RecipientWait(clk.Now(), "paused"); w <= 0 {
		t.Error("the paused recipient was forgotten")
	}
	if _, w := p.RecipientWait(clk.Now(), "spaced"); w <= 0 {
		t.Error("the recipient whose spacing runs was forgotten")
	}
}
