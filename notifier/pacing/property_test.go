package pacing_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier/pacing"
)

// message is one send in a simulated run.
type message struct {
	send       *pacing.Send
	to         string
	units      int
	perRequest bool // a request per unit (Telegram's parts); else one request for all (an SMS's segments)
	silent     bool // the sender never reports answers
	picked     time.Time
	seq        int // the order of events: picks and pauses
	departed   time.Time
	done       time.Time
	called     bool
	requests   int       // requests left to make
	arrives    time.Time // the request under way reaches the provider then
	answers    time.Time // and its answer is back then
}

// pause is a window in which nothing (to: "") or nothing to one recipient may be picked.
type pause struct {
	to    string
	seq   int // the order of events: a pick at the same moment but before it is fine
	until time.Time
}

// run is one random run's record.
type run struct {
	limits   bot.Limits
	replicas int
	arrivals []time.Time // when the provider counted each unit
	messages []*message
	pauses   []pause
}

// simulate drives a Pacer on a manual clock for d with random picks,
// latencies, answers, unsent messages and 429s, as a dispatcher and a
// provider would, and records what the provider saw.
func simulate(rng *rand.Rand, limits bot.Limits, replicas int, d time.Duration) *run {
	clk := clock.NewManual(t0)
	p := pacing.New(limits, margin)
	p.Share(replicas)
	r := &run{limits: limits, replicas: replicas}
	maxUnits := 4
	if rate := limits.PerSecond / float64(replicas); rate > 0 {
		maxUnits = max(1, min(maxUnits, int(rate))) // a message the window can hold
	}
	latency := func() time.Duration {
		switch rng.IntN(10) {
		case 0:
			return 0
		case 1:
			return time.Duration(rng.Int64N(int64(1500 * time.Millisecond))) // a slow answer
		}
		return time.Duration(rng.Int64N(int64(60 * time.Millisecond)))
	}
	recipients := []string{"a", "b", "c", "d", "e", "f", "g"}
	var open []*message
	seq := 0
	end := t0.Add(d)
	for clk.Now().Before(end) {
		now := clk.Now()
		// Picks: a few tries at this moment.
		for range rng.IntN(4) {
			m := &message{to: recipients[rng.IntN(len(recipients))], units: 1 + rng.IntN(maxUnits), perRequest: rng.IntN(2) == 0, silent: rng.IntN(8) == 0}
			if m.send = p.Reserve(now, m.to, m.units); m.send != nil {
				m.picked, m.seq = now, seq
				seq++
				open = append(open, m)
				r.messages = append(r.messages, m)
			}
		}
		next := now.Add(time.Duration(1 + rng.Int64N(int64(50*time.Millisecond)))) // the next pick at the latest
		for _, m := range open {
			switch {
			case m.departed.IsZero() && !m.called:
				if rng.IntN(20) == 0 { // skipped (opted out since): never sent
					m.send.Done(now, false, pacing.SlowDown{})
					m.done = now
					continue
				}
				if w := m.send.TryDepart(now); w > 0 {
					next = minTime(next, now.Add(w))
					continue
				}
				m.departed, m.called = now, true
				m.requests = 1
				if m.perRequest {
					m.requests = m.units
				}
				m.arrives = now.Add(latency())
				m.answers = m.arrives.Add(latency())
			case m.called && !m.answers.After(now):
				counted := m.units
				if m.perRequest {
					counted = 1
				}
				for range counted {
					r.arrivals = append(r.arrivals, m.arrives)
				}
				if !m.silent {
					m.send.Answered(now)
				}
				if m.requests--; m.requests > 0 { // the next part leaves at once
					m.arrives = now.Add(latency())
					m.answers = m.arrives.Add(latency())
					continue
				}
				var slow pacing.SlowDown
				if rng.IntN(15) == 0 {
					slow = pacing.SlowDown{After: time.Duration(1 + rng.Int64N(int64(2*time.Second))), Scope: bot.Scope(rng.IntN(3))}
				}
				switch m.send.Done(now, true, slow) {
				case bot.ScopeChannel:
					r.pauses = append(r.pauses, pause{seq: seq, until: now.Add(slow.After)})
				case bot.ScopeRecipient:
					r.pauses = append(r.pauses, pause{to: m.to, seq: seq, until: now.Add(slow.After)})
				}
				seq++
				m.done = now
				m.called = false // finished
			}
			if m.done.IsZero() && m.called {
				next = minTime(next, m.answers)
			}
		}
		open = slices.DeleteFunc(open, func(m *message) bool { return !m.done.IsZero() })
		if w := p.ChannelWait(now, 1); w > 0 {
			next = minTime(next, now.Add(w))
		}
		// Move on: to the next moment something may happen, a nanosecond
		// before it, or a random step.
		step := next.Sub(now)
		switch rng.IntN(6) {
		case 0:
			step = time.Nanosecond
		case 1:
			step = max(time.Nanosecond, step-time.Nanosecond)
		case 2:
			step = time.Duration(rng.Int64N(int64(30 * time.Millisecond)))
		}
		clk.Advance(max(step, time.Nanosecond))
	}
	return r
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// check says what the run broke, if anything.
func (r *run) check() error {
	// Every rolling window at the provider holds at most this dispatcher's
	// share of the rate: n units in any second, or one in any 1/rate below
	// one a second.
	if r.limits.PerSecond > 0 {
		rate := r.limits.PerSecond / float64(r.replicas)
		n, span := int(rate), time.Second
		if rate < 1 {
			n, span = 1, time.Duration(float64(time.Second)/rate)
		}
		a := slices.Clone(r.arrivals)
		slices.SortFunc(a, func(x, y time.Time) int { return x.Compare(y) })
		j := 0
		for i := range a {
			for j < len(a) && a[j].Before(a[i].Add(span)) {
				j++
			}
			if j-i > n {
				return fmt.Errorf("%d units in the %v from +%v at the provider, at most %d allowed", j-i, span, a[i].Sub(t0), n)
			}
		}
	}
	byTo := map[string][]*message{}
	for _, m := range r.messages {
		byTo[m.to] = append(byTo[m.to], m)
		for _, ps := range r.pauses {
			if (ps.to == "" || ps.to == m.to) && m.seq > ps.seq && m.picked.Before(ps.until) {
				return fmt.Errorf("a message to %s picked at +%v, inside a pause of %q until +%v", m.to, m.picked.Sub(t0), ps.to, ps.until.Sub(t0))
			}
		}
	}
	l := r.limits.PerRecipient
	tolerance := time.Duration(0)
	if r.limits.RecipientBurst > 1 {
		tolerance = time.Duration(r.limits.RecipientBurst-1) * (l + margin)
	}
	for to, ms := range byTo {
		for i, m := range ms {
			// One message at a time to a recipient.
			if i > 0 && !ms[i-1].done.IsZero() && m.picked.Before(ms[i-1].done) {
				return fmt.Errorf("a message to %s picked at +%v while the previous was under way until +%v", to, m.picked.Sub(t0), ms[i-1].done.Sub(t0))
			}
		}
		if l == 0 {
			continue
		}
		// Each unit spends one interval: between any two messages that
		// left, the earlier ones' units and margins fit (less the burst).
		var sent []*message
		for _, m := range ms {
			if !m.departed.IsZero() {
				sent = append(sent, m)
			}
		}
		for i := range sent {
			spent := time.Duration(0)
			for j := i + 1; j < len(sent); j++ {
				spent += time.Duration(sent[j-1].units)*l + margin
				if gap := sent[j].departed.Sub(sent[i].departed); spent > gap+tolerance {
					return fmt.Errorf("to %s: messages left +%v and +%v apart, %v of intervals between them (burst %d)", to, sent[i].departed.Sub(t0), gap, spent, r.limits.RecipientBurst)
				}
			}
		}
	}
	return nil
}

// Over random runs (rates from one every two seconds to 150 a second,
// one to three replicas, with and without per-recipient spacing and
// bursts; latencies from none to 1.5 s; messages of several units sent as
// one request or one per unit; senders that never report answers; skipped
// messages; 429s of every scope): no rolling window at the provider ever
// holds more than the rate, no recipient gets units faster than its
// interval allows, nothing is picked inside a pause, and a recipient gets
// one message at a time.
func TestNoRollingWindowEverHoldsMoreThanTheRate(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 40
	}
	rates := []float64{0.5, 1, 2, 3, 7.5, 10, 20, 30, 80, 150}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 21))
		limits := bot.Limits{PerSecond: rates[rng.IntN(len(rates))]}
		if rng.IntN(2) == 0 {
			limits.PerRecipient = time.Duration(1+rng.IntN(6)) * 200 * time.Millisecond
			limits.RecipientBurst = rng.IntN(4)
		}
		if rng.IntN(8) == 0 {
			limits.PerSecond = 0
		}
		replicas := 1 + rng.IntN(3)
		r := simulate(rng, limits, replicas, 8*time.Second)
		if err := r.check(); err != nil {
			t.Fatalf("seed %d, %+v, %d replicas, %d messages: %v", seed, limits, replicas, len(r.messages), err)
		}
		if len(r.arrivals) == 0 {
			t.Fatalf("seed %d, %+v: nothing was sent", seed, limits)
		}
	}
}

// The pace is the provider's rate, not less: with answers at once and a
// message always waiting, a channel sends at least 98 % of its share of
// the rate in every run (and never more, as above).
func TestThePaceReachesTheRate(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		replicas int
		units    int
	}{{30, 1, 1}, {30, 2, 1}, {80, 1, 1}, {20, 1, 2}, {1, 1, 1}, {0.5, 1, 1}, {150, 3, 1}} {
		t.Run(fmt.Sprintf("%v/s, %d replicas, %d units", tc.rate, tc.replicas, tc.units), func(t *testing.T) {
			clk := clock.NewManual(t0)
			p := pacing.New(bot.Limits{PerSecond: tc.rate}, margin)
			p.Share(tc.replicas)
			const d = 20 * time.Second
			units, i := 0, 0
			var first, last time.Time
			for clk.Now().Before(t0.Add(d)) {
				s := p.Reserve(clk.Now(), fmt.Sprint(i), tc.units)
				if s == nil {
					clk.Advance(max(p.ChannelWait(clk.Now(), tc.units), time.Nanosecond))
					continue
				}
				i++
				for w := s.TryDepart(clk.Now()); w > 0; w = s.TryDepart(clk.Now()) {
					clk.Advance(w)
				}
				if first.IsZero() {
					first = clk.Now()
				}
				last = clk.Now()
				s.Answered(clk.Now())
				s.Done(clk.Now(), true, pacing.SlowDown{})
				units += tc.units
			}
			share := tc.rate / float64(tc.replicas)
			got := float64(units-tc.units) / last.Sub(first).Seconds()
			if got < 0.98*share || got > share*1.0001 {
				t.Fatalf("%.3f units/s, want at least 98 %% of %.3f and no more", got, share)
			}
			if math.IsNaN(got) {
				t.Fatal("nothing sent")
			}
		})
	}
}

// The pace reaches the rate with several senders at once, as the
// dispatcher runs them: each free sender picks as soon as the pacer lets
// it (up to Lookahead early) and its request leaves when TryDepart says,
// while other picks wait for their slots. Above 67 a second, where a pick
// may run more than a spacing ahead, requests once waited for room for
// every later pick too and left in bunches after stalls (88 % of 80 a
// second). At every rate, answer time and number of senders (enough for
// rate × answer time in flight): at least 98 % of what the safe-side rule
// allows, n units every second plus the margin and the answer time (all of
// the rate when answers are quick), and no rolling second at the provider
// over the rate.
func TestThePaceReachesTheRateWithSendersAtOnce(t *testing.T) {
	for _, rate := range []float64{10, 30, 67, 80, 100, 150} {
		for _, latency := range []time.Duration{0, 3 * time.Millisecond, 40 * time.Millisecond, 300 * time.Millisecond} {
			for _, senders := range []int{2, 8, 32, 96} {
				if float64(senders) < 1.5*rate*latency.Seconds()+1 {
					continue // too few to keep the rate with answers this slow
				}
				name := fmt.Sprintf("%v/s, answers in %v, %d senders", rate, latency, senders)
				t.Run(name, func(t *testing.T) {
					clk := clock.NewManual(t0)
					p := pacing.New(bot.Limits{PerSecond: rate}, margin)
					type busy struct {
						send     *pacing.Send
						departed time.Time
					}
					var work []*busy
					var arrivals []time.Time
					const d = 10 * time.Second
					i := 0
					for clk.Now().Before(t0.Add(d)) {
						now := clk.Now()
						next := now.Add(time.Second)
						for len(work) < senders { // every free sender picks
							s := p.Reserve(now, fmt.Sprint(i), 1)
							if s == nil {
								next = minTime(next, now.Add(max(p.ChannelWait(now, 1), time.Nanosecond)))
								break
							}
							i++
							work = append(work, &busy{send: s})
						}
						for _, b := range work {
							if b.departed.IsZero() {
								if w := b.send.TryDepart(now); w > 0 {
									next = minTime(next, now.Add(w))
									continue
								}
								b.departed = now
								arrivals = append(arrivals, now.Add(latency/2))
							}
							if answer := b.departed.Add(latency); !answer.After(now) {
								b.send.Answered(now)
								b.send.Done(now, true, pacing.SlowDown{})
								b.send = nil
							} else {
								next = minTime(next, answer)
							}
						}
						work = slices.DeleteFunc(work, func(b *busy) bool { return b.send == nil })
						clk.Set(next)
					}
					r := &run{limits: bot.Limits{PerSecond: rate}, replicas: 1, arrivals: arrivals}
					if err := r.check(); err != nil {
						t.Fatal(err)
					}
					slices.SortFunc(arrivals, func(x, y time.Time) int { return x.Compare(y) })
					// A unit counts until a second (and the margin) after its
					// answer, the safe side: n units every second plus an
					// answer time is the most the rule allows.
					most := rate * float64(time.Second) / float64(time.Second+margin+latency)
					got := float64(len(arrivals)-1) / arrivals[len(arrivals)-1].Sub(arrivals[0]).Seconds()
					if got < 0.98*most {
						t.Fatalf("%.2f a second, %.1f %% of %.2f (%v a second, answers in %v)", got, 100*got/most, most, rate, latency)
					}
				})
			}
		}
	}
}
