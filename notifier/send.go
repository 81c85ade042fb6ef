package notifier

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/notifier/failure"
	"github.com/tamkeen/tamkeen/notifier/pacing"
	"github.com/tamkeen/tamkeen/store"
)

// pace hands the channel's queued rows to senders, best priority first, as
// fast as its pacer allows. It never sleeps while holding a claim longer
// than the horizon: longer waits give the row back.
func (d *Dispatcher) pace(ctx context.Context, cs *channelState, results chan<- result, inflight *sync.WaitGroup) {
	timer := d.clock.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select { // a free sender first, so a picked row never waits for one
		case cs.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		it, wait, released := d.next(cs)
		for _, r := range released {
			results <- r
		}
		if it != nil {
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				defer func() { <-cs.sem }()
				// A send under way when we are told to stop is finished (each
				// channel bounds a call), so that what the provider accepted is
				// recorded as sent and nothing is sent twice.
				res := d.attempt(context.WithoutCancel(ctx), cs, it)
				results <- result{OutboxResult: res, channel: cs.name, lane: it.lane}
			}()
			continue
		}
		<-cs.sem
		if wait <= 0 {
			wait = time.Hour // nothing queued: wait to be poked
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-cs.kick:
		case <-timer.C():
		}
	}
}

// next picks the best queued row that the pacer lets go now (reserving its
// place). Otherwise it says how long until one may (0: none queued). Rows
// that would wait beyond the channel's hold limit are given back.
func (d *Dispatcher) next(cs *channelState) (*item, time.Duration, []result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	p := cs.pacer
	hold := p.HoldLimit(d.cfg.Horizon)
	var released []result
	if w := p.ChannelWait(now, 1); w > 0 {
		if w > hold {
			for cs.queue.Len() > 0 {
				released = append(released, d.release(cs, heap.Pop(&cs.queue).(*item), now.Add(w), "provider asked to slow down"))
			}
		}
		return nil, w, released
	}
	var blocked []*item
	var chosen *item
	wait := time.Duration(0)
	quietEnd := d.quietUntil(now)
	for cs.queue.Len() > 0 {
		it := heap.Pop(&cs.queue).(*item)
		if it.lane == laneBulk && quietEnd.After(now) {
			released = append(released, d.release(cs, it, quietEnd, "quiet hours"))
			continue
		}
		busy, w := p.RecipientWait(now, it.row.Recipient)
		if busy {
			blocked = append(blocked, it) // poked when that send ends
			continue
		}
		if w > 0 {
			if w > hold {
				released = append(released, d.release(cs, it, now.Add(w), "recipient rate limit"))
				continue
			}
			if wait == 0 || w < wait {
				wait = w
			}
			blocked = append(blocked, it)
			continue
		}
		chosen = it
		break
	}
	if chosen != nil {
		// A message of several units (SMS segments, Telegram parts) waits
		// until the window has room for all of them; nothing overtakes it.
		if chosen.send = p.Reserve(now, chosen.row.Recipient, chosen.cost); chosen.send == nil {
			blocked, chosen, wait = append(blocked, chosen), nil, max(p.ChannelWait(now, chosen.cost), time.Nanosecond)
		}
	}
	for _, it := range blocked {
		cs.push(it)
	}
	if chosen != nil {
		return chosen, 0, released
	}
	return nil, wait, released
}

// release gives a claimed row back to wait until at, without counting an attempt.
func (d *Dispatcher) release(cs *channelState, it *item, at time.Time, why string) result {
	return result{channel: cs.name, lane: it.lane, OutboxResult: store.OutboxResult{
		ID: it.row.ID, Status: store.OutboxPending, RetryAt: at, Error: "waiting: " + why, Released: true,
	}}
}

// sendQueued sends the rows queued on cs one after another, picked by next
// as the pacer does, until none may go now; the rest are given back until
// they may.
func (d *Dispatcher) sendQueued(ctx context.Context, cs *channelState) []result {
	var out []result
	for {
		it, wait, released := d.next(cs)
		out = append(out, released...)
		if it != nil {
			out = append(out, result{OutboxResult: d.attempt(ctx, cs, it), channel: cs.name, lane: it.lane})
			continue
		}
		d.mu.Lock()
		now := d.clock.Now()
		for cs.queue.Len() > 0 {
			it := heap.Pop(&cs.queue).(*item)
			_, rw := cs.pacer.RecipientWait(now, it.row.Recipient)
			w := max(wait, cs.pacer.ChannelWait(now, it.cost), rw)
			out = append(out, d.release(cs, it, now.Add(w), "rate limit"))
		}
		d.mu.Unlock()
		return out
	}
}

// outgoing turns an outbox row into the message a sender delivers.
func outgoing(row store.OutboxMessage) (bot.Outgoing, error) {
	out := bot.Outgoing{ID: row.ID, ContactID: row.ContactID, Recipient: row.Recipient, Language: row.Language, Body: row.Body}
	r, err := row.Reply()
	out.Reply = r
	return out, err
}

// cost is what row spends of the channel's rate.
func (cs *channelState) cost(row store.OutboxMessage) int {
	c, ok := cs.sender.(bot.Coster)
	if !ok {
		return 1
	}
	out, err := outgoing(row)
	if err != nil {
		return 1
	}
	return max(1, c.Cost(out))
}

// attempt sends one picked row (its place in the pacer reserved) and says
// what became of it.
func (d *Dispatcher) attempt(ctx context.Context, cs *channelState, it *item) store.OutboxResult {
	row, c, send := it.row, it.contact, it.send
	var decision failure.Decision
	var sendErr error
	called := false
	defer func() {
		scope := send.Done(d.clock.Now(), called, pacing.SlowDown{After: decision.Pause, Scope: saidScope(sendErr)})
		if scope != bot.ScopeUnknown {
			if d.metrics != nil {
				d.metrics.Throttled.WithLabelValues(cs.name, scope.String()).Inc()
			}
			d.log.Warn("dispatcher: provider asked to slow down", "channel", cs.name, "scope", scope.String(),
				"retry_after", decision.Pause, "outbox_id", row.ID)
		}
		cs.poke()
	}()
	skip := func(why string) store.OutboxResult {
		d.count(row.Channel, "skipped")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxSkipped, Error: why}
	}
	if c == nil {
		return skip("no_contact")
	}
	if ok, why := c.Reachable(row.Channel, row.Always); !ok {
		return skip(why)
	}
	if row.Priority >= store.PriorityBulk && !c.Consented() {
		return skip(SkipNoConsent)
	}
	out, err := outgoing(row)
	if err != nil {
		d.count(row.Channel, "failed")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxFailed, Error: err.Error()}
	}
	if row.Channel == bot.WhatsApp {
		var res *store.OutboxResult
		if out.Template, res = d.outsideWindow(ctx, cs, row, c); res != nil {
			return *res
		}
	}
	d.depart(send)
	called = true
	// The channel reports each answer as it comes back: a unit is dated
	// then, after the provider counted it.
	answered := func() { send.Answered(d.clock.Now()) }
	start := d.clock.Now()
	providerID, err := cs.sender.Send(bot.WithSending(ctx, func() func() { return answered }), out)
	if d.metrics != nil {
		d.metrics.SendSeconds.WithLabelValues(row.Channel).Observe(d.clock.Now().Sub(start).Seconds())
	}
	if err == nil {
		d.count(row.Channel, "sent")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxSent, ProviderID: providerID, Template: out.Template}
	}
	sendErr = err
	kind, after := bot.KindOf(err)
	if kind == bot.WindowClosed && out.Template == "" {
		return d.windowClosed(ctx, row, start, err)
	}
	decision = d.policy.Decide(kind, after, row.Attempts, d.clock.Now(), rand.Float64())
	return d.failed(ctx, row, err, kind, decision)
}

// saidScope is whom a send error's slow-down concerns, as the provider said.
func saidScope(err error) bot.Scope {
	var se *bot.SendError
	if errors.As(err, &se) {
		return se.Scope
	}
	return bot.ScopeUnknown
}

// depart waits the few milliseconds until a message picked a little early
// reaches its slot in the pacer's schedule and the provider's window has
// room for all its units, then puts them in flight. It sleeps on the wall
// clock: the provider counts in real time.
func (d *Dispatcher) depart(send *pacing.Send) {
	var was time.Time
	for {
		now := d.clock.Now()
		if now.Equal(was) { // a clock that does not move (tests) would wait for ever
			send.Depart(now)
			return
		}
		w := send.TryDepart(now)
		if w <= 0 {
			return
		}
		was = now
		time.Sleep(min(w, pacing.Lookahead))
	}
}

// failed carries out the failure policy's decision for a row whose send failed.
func (d *Dispatcher) failed(ctx context.Context, row store.OutboxMessage, sendErr error, kind bot.ErrorKind, dec failure.Decision) store.OutboxResult {
	log := d.log.With("outbox_id", row.ID, "channel", row.Channel, "contact", row.ContactID, "attempt", row.Attempts, "kind", kind.String())
	fail := func(reason string) store.OutboxResult {
		d.count(row.Channel, "failed")
		return store.OutboxResult{ID: row.ID, Status: store.OutboxFailed, Error: reason}
	}
	switch dec.Action {
	case failure.MarkUnreachable:
		log.Info("dispatcher: contact unreachable on channel", "err", sendErr)
		if err := d.store.MarkUnreachable(ctx, row.ContactID, row.Channel, true); err != nil {
			log.Error("dispatcher: could not record unreachable contact", "err", err)
		}
		return fail(sendErr.Error())
	case failure.MarkOptedOut:
		log.Info("dispatcher: provider reports opt-out", "err", sendErr)
		if err := d.store.MarkOptedOut(ctx, row.ContactID); err != nil {
			log.Error("dispatcher: could not record opt-out", "err", err)
		}
		return fail(sendErr.Error())
	case failure.Refused:
		log.Warn("dispatcher: message refused for good", "err", sendErr)
		return fail(sendErr.Error())
	case failure.GiveUp:
		log.Warn("dispatcher: giving up after repeated failures", "err", sendErr)
		return fail(fmt.Sprintf("after %d attempts: %v", row.Attempts, sendErr))
	}
	switch in := dec.At.Sub(d.clock.Now()); {
	case kind == bot.BadConfig:
		log.Error("dispatcher: CHANNEL MISCONFIGURED, messages wait until it is fixed", "err", sendErr)
	case dec.Released:
		// The provider's rate limit: a fact to respect, not the message's fault.
		log.Debug("dispatcher: provider asked to wait", "for", in)
	default:
		log.Info("dispatcher: will retry", "in", in, "err", sendErr)
	}
	d.count(row.Channel, "retry")
	return store.OutboxResult{ID: row.ID, Status: store.OutboxPending, RetryAt: dec.At, Error: sendErr.Error(), Released: dec.Released}
}

func (d *Dispatcher) count(channel, result string) {
	if d.metrics != nil {
		d.metrics.Outbound.WithLabelValues(channel, result).Inc()
	}
}
