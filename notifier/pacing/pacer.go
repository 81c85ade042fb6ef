// Package pacing keeps one channel's sends within what its provider allows:
// its rate in every rolling second, in the channel's own units (messages,
// message parts, SMS segments), sends spaced 1/rate apart, each
// recipient's own spacing, the pauses a provider asks for with a 429, and
// this dispatcher's share of the rate among replicas. A channel declares
// its limits as data (bot.Limits); a Pacer enforces them. A Pacer owns its
// lock and never sleeps or reads a clock: every call is told the time.
package pacing

import (
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
)

// recentWindow, in per-recipient intervals, is how far back a message to a
// recipient makes a 429 of unknown scope that recipient's (Telegram allows
// a chat a short burst, then about one message a second).
const recentWindow = 3

// Pacer paces one channel. Its methods are safe for concurrent use; it
// calls nothing outside itself while holding its lock, so a caller may
// hold its own lock around them.
//
// A message goes through a Pacer in four steps: Reserve picks it (its
// units are reserved in the window, its recipient is busy), Send.TryDepart
// lets its request leave at its slot when the window has room, Send.Answered
// dates a unit each time an answer comes back, and Send.Done ends it
// (reading a provider's 429 as a pause of whom it concerns).
type Pacer struct {
	limits bot.Limits
	margin time.Duration

	mu         sync.Mutex
	win        *window // nil: no rate
	replicas   int
	paused     time.Time // a provider asked the whole channel to wait until then
	busy       map[string]bool
	recipients map[string]*recipient
	sweepAt    int
}

// recipient is what one recipient's pacing remembers.
type recipient struct {
	due      time.Time // the recipient's intervals are spent up to here (GCRA's theoretical arrival time)
	paused   time.Time // a provider asked this recipient to wait until then
	lastSent time.Time // when the last message to the recipient left (read for 429s of unknown scope)
}

// New returns a Pacer for a channel with limits l. margin is added to every
// rolling window and to each recipient's interval, for clock granularity;
// it needs no room for network jitter (units are dated by their answers).
func New(l bot.Limits, margin time.Duration) *Pacer {
	p := &Pacer{limits: l, margin: margin, replicas: 1, busy: map[string]bool{}, recipients: map[string]*recipient{}, sweepAt: 10_000}
	if l.PerSecond > 0 {
		p.win = newWindow(l.PerSecond, margin)
	}
	return p
}

// Rate is how many units a second this dispatcher may send now: its share
// of the channel's rate (0: no limit).
func (p *Pacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.win == nil {
		return 0
	}
	return p.win.rate
}

// Share gives this dispatcher its part of the channel's rate: 1/replicas.
// It says whether the number of replicas changed.
func (p *Pacer) Share(replicas int) bool {
	replicas = max(1, replicas)
	p.mu.Lock()
	defer p.mu.Unlock()
	if replicas == p.replicas {
		return false
	}
	p.replicas = replicas
	if p.win != nil {
		p.win.setRate(p.limits.PerSecond / float64(replicas))
	}
	return true
}

// PausedUntil is when a provider's pause of the whole channel ends (zero: none).
func (p *Pacer) PausedUntil() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// HoldLimit is the longest a claimed message may wait for its turn before
// it is better given back to the database: horizon, or two sends' spacing
// on a slow channel.
func (p *Pacer) HoldLimit(horizon time.Duration) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.win != nil {
		return max(horizon, 2*p.win.spacing)
	}
	return horizon
}

// ChannelWait says how long the channel must wait before a message of
// units may be picked, for reasons that hold for every recipient: a pause,
// the rate's window and spacing (0: now). A pick may come up to Lookahead
// early; its request then waits in Send.TryDepart.
func (p *Pacer) ChannelWait(now time.Time, units int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.channelWait(now, units)
}

func (p *Pacer) channelWait(now time.Time, units int) time.Duration {
	if now.Before(p.paused) {
		return p.paused.Sub(now)
	}
	if p.win == nil {
		return 0
	}
	return p.win.pickWait(now, units)
}

// RecipientWait says whether a message to recipient is under way (busy:
// the next waits until it is Done) and how long until the recipient may
// get another (0: now).
func (p *Pacer) RecipientWait(now time.Time, recipient string) (busy bool, wait time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy[recipient], p.recipientWait(now, recipient)
}

func (p *Pacer) recipientWait(now time.Time, recipient string) time.Duration {
	r := p.recipients[recipient]
	if r == nil {
		return 0
	}
	at := r.paused
	if l := p.limits.PerRecipient; l > 0 {
		// A burst of b one-unit messages may go at once (GCRA's tolerance).
		tolerance := time.Duration(max(p.limits.RecipientBurst, 1)-1) * (l + p.margin)
		at = later(at, r.due.Add(-tolerance))
	}
	return max(0, at.Sub(now))
}

// Reserve picks a message of units to recipient at now, if it may go:
// nothing waits for the channel or the recipient, and no other message to
// the recipient is under way. The recipient is then busy and the units
// reserved until the Send is Done. nil: it may not go now (ChannelWait and
// RecipientWait say until when).
func (p *Pacer) Reserve(now time.Time, recipient string, units int) *Send {
	units = max(1, units)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	if p.busy[recipient] || p.channelWait(now, units) > 0 || p.recipientWait(now, recipient) > 0 {
		return nil
	}
	s := &Send{p: p, recipient: recipient, units: units, slot: now}
	if p.win != nil {
		s.slot, s.seq = p.win.reserve(now, units)
	}
	if r := p.recipients[recipient]; r != nil {
		s.before = r.lastSent
	}
	p.busy[recipient] = true
	return s
}

// sweep forgets, now and then, recipients whose waits are over.
func (p *Pacer) sweep(now time.Time) {
	if len(p.recipients) < p.sweepAt {
		return
	}
	recent := recentWindow * p.limits.PerRecipient
	for name, r := range p.recipients {
		if !r.due.After(now) && !r.paused.After(now) && now.Sub(r.lastSent) > recent {
			delete(p.recipients, name)
		}
	}
	p.sweepAt = max(10_000, 2*len(p.recipients))
}

func (p *Pacer) recipient(name string) *recipient {
	r := p.recipients[name]
	if r == nil {
		r = &recipient{}
		p.recipients[name] = r
	}
	return r
}

// Send is one picked message on its way: from Reserve to Done.
type Send struct {
	p         *Pacer
	recipient string
	units     int
	slot      time.Time // when the spacing's schedule lets its request leave
	seq       uint64    // its pick's number in the window
	before    time.Time // when the recipient's previous message left (zero: none known)
	// Guarded by p.mu:
	departed    bool
	answered    int       // units dated by an answer
	first, last time.Time // its first request left; its last answer came back
}

// TryDepart lets the message's request leave if its slot has come and the
// window has room for all its units, and then puts them in flight (0). Else
// it says how long to wait; the wait is short (the pick came up to
// Lookahead early), to be slept on the wall clock, as the provider counts.
func (s *Send) TryDepart(now time.Time) time.Duration {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.departed {
		return 0
	}
	if p.win != nil {
		if w := max(s.slot.Sub(now), p.win.departWait(now, s.units, s.seq)); w > 0 {
			return w
		}
	}
	s.depart(now)
	return 0
}

// Depart puts the message's units in flight now, whatever the window says
// (a clock that stands still would otherwise wait for ever).
func (s *Send) Depart(now time.Time) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if !s.departed {
		s.depart(now)
	}
}

func (s *Send) depart(now time.Time) {
	s.departed, s.first = true, now
	if s.p.win != nil {
		s.p.win.depart(s.units, s.seq)
	}
}

// Answered dates one of the message's units at now, when an answer to one
// of its requests came back (after the provider counted it).
func (s *Send) Answered(now time.Time) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	s.last = now
	if s.answered < s.units {
		if p.win != nil {
			p.win.answered(now, 1, s.units)
		}
		s.answered++
	}
}

// SlowDown is a provider's "too many requests": wait After (0: it did not
// ask to wait), for whom Scope says (bot.ScopeUnknown: it did not say).
type SlowDown struct {
	After time.Duration
	Scope bot.Scope
}

// Done ends the message at now. called says whether its request was made
// (false: it never reached the provider, and its units are given back).
// Units still in flight or never answered (a sender that does not report,
// the segments of an SMS beyond its one request, parts not sent) are dated
// now, the safe side. Each unit spends one of the recipient's intervals.
// A slow-down pauses whom it concerns until now+After: the scope the
// provider said, or when it did not say, the recipient if a message went
// to them within the last three of their intervals (a chat's own flood
// limit), else the whole channel. Done returns the scope it paused
// (bot.ScopeUnknown: none).
func (s *Send) Done(now time.Time, called bool, slow SlowDown) bot.Scope {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, s.recipient)
	if !called {
		if p.win != nil && !s.departed {
			p.win.cancel(s.units, s.seq)
		}
		return bot.ScopeUnknown
	}
	if !s.departed {
		s.depart(now)
	}
	if left := s.units - s.answered; left > 0 && p.win != nil {
		from := now
		if s.answered > 0 && s.units > p.win.n {
			from = s.last.Add(p.win.spacing) // the rest of a message larger than a window
		}
		if from.Before(now) {
			from = now
		}
		p.win.answered(from, left, s.units)
	}
	if s.last.IsZero() {
		s.last = now
	}
	if l := p.limits.PerRecipient; l > 0 {
		r := p.recipient(s.recipient)
		r.lastSent = s.last
		// Each unit spends one of the recipient's intervals, the margin once a message.
		r.due = later(r.due, s.first).Add(time.Duration(s.units)*l + p.margin)
	}
	if slow.After <= 0 {
		return bot.ScopeUnknown
	}
	scope := p.scope(slow.Scope, s.before, now)
	until := now.Add(slow.After)
	if scope == bot.ScopeChannel {
		p.paused = later(p.paused, until)
	} else {
		r := p.recipient(s.recipient)
		r.paused = later(r.paused, until)
	}
	return scope
}

// scope reads a provider's 429: the scope it said, or when it did not say,
// the recipient's own limit if we sent to the recipient just before (and
// the channel has per-recipient limits), else the channel's. before is when
// the previous message to the recipient left (zero: none known).
func (p *Pacer) scope(said bot.Scope, before, now time.Time) bot.Scope {
	if said != bot.ScopeUnknown {
		return said
	}
	if l := p.limits.PerRecipient; !before.IsZero() && l > 0 && now.Sub(before) < recentWindow*l {
		return bot.ScopeRecipient
	}
	return bot.ScopeChannel
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
