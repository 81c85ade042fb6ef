package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Group commit. Handle puts its input in a queue and waits. A writer takes
// what is waiting (up to maxBatch inputs, at most one per address, so one
// person's messages are handled in the order they came) and handles it all
// in one transaction, with a few statements for the whole batch; then it
// wakes the waiting Handles. While a batch is being handled the next one
// gathers, so the busier the service, the bigger the batches and the less
// each message costs. A writer ends when the queue is empty: nothing runs
// in the background between bursts.
//
// If a batch fails, each of its inputs is handled again on its own, so that
// one bad message fails alone and its batch-mates are stored.

const (
	// maxBatch bounds the inputs of one transaction (and so the wait of the first).
	maxBatch = 128
	// postgresWriters is how many batches one process runs at once on
	// PostgreSQL (SQLite takes one writer at a time, so one batch).
	postgresWriters = 4
	// batchTimeout bounds one batch's transaction.
	batchTimeout = 30 * time.Second
)

// pending is one input waiting for its batch.
type pending struct {
	in   bot.Input
	card *flows.SharedContact // a shared contact card, as linked before the turn
	key  string               // in.From.Key(): one batch holds one input per address
	done chan struct{}
	out  bot.Outcome
	err  error
	// taken is set (under Inbox.mu) when a writer took the input into a batch.
	taken bool
}

// submit queues p and starts a writer if one may start.
func (ib *Inbox) submit(p *pending) {
	ib.mu.Lock()
	ib.queue = append(ib.queue, p)
	start := ib.writers < ib.maxWriters
	if start {
		ib.writers++
	}
	ib.mu.Unlock()
	if start {
		go ib.write()
	}
}

// withdraw takes p out of the queue if no writer took it yet; it reports
// whether it did (then p will not be stored).
func (ib *Inbox) withdraw(p *pending) bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if p.taken {
		return false
	}
	if i := slices.Index(ib.queue, p); i >= 0 {
		ib.queue = slices.Delete(ib.queue, i, i+1)
	}
	return true
}

// write handles batches until the queue has nothing it may take.
func (ib *Inbox) write() {
	for {
		batch := ib.take()
		if len(batch) == 0 {
			return
		}
		ib.handle(batch)
		ib.mu.Lock()
		for _, p := range batch {
			delete(ib.busy, p.key)
		}
		ib.mu.Unlock()
		for _, p := range batch {
			close(p.done)
		}
	}
}

// take removes the next batch from the queue: inputs in arrival order, one
// per address, skipping addresses another writer is handling (their later
// inputs wait for it). With nothing to take, the writer ends.
func (ib *Inbox) take() []*pending {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	var batch []*pending
	held := map[string]bool{}
	rest := ib.queue[:0]
	for _, p := range ib.queue {
		if len(batch) == maxBatch || ib.busy[p.key] || held[p.key] {
			held[p.key] = true
			rest = append(rest, p)
			continue
		}
		held[p.key] = true
		p.taken = true
		batch = append(batch, p)
	}
	clear(ib.queue[len(rest):])
	ib.queue = rest
	for _, p := range batch {
		ib.busy[p.key] = true
	}
	if len(batch) == 0 {
		ib.writers--
	}
	return batch
}

// handle runs a batch and fills in each input's outcome, then counts and
// tells the dispatcher and the waitlist what happened.
func (ib *Inbox) handle(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	outs, err := ib.handleBatch(ctx, batch)
	if err != nil && len(batch) > 1 {
		// Something in the batch failed: nothing of it was stored. Each input
		// on its own now, so that only the one at fault fails.
		ib.log.Warn("inbox: batch failed, handling its messages one by one", "messages", len(batch), "err", err)
		for _, p := range batch {
			ib.handleAlone(ctx, p)
		}
	} else if err != nil {
		ib.handleAlone(ctx, batch[0])
	} else {
		for i, p := range batch {
			p.out = outs[i]
		}
	}
	replies, cancelled := false, false
	for _, p := range batch {
		switch {
		case p.err != nil:
			ib.count(p.in.Channel, "error")
		case p.out.Duplicate:
			ib.count(p.in.Channel, "duplicate")
		default:
			ib.count(p.in.Channel, "handled")
		}
		replies = replies || p.out.Replies > 0
		cancelled = cancelled || p.out.Cancelled
	}
	if replies {
		ib.notify()
	}
	if cancelled && ib.freed != nil {
		ib.freed()
	}
}

// handleAlone handles one input in a transaction of its own, again when
// another sign-up took the last place first.
func (ib *Inbox) handleAlone(ctx context.Context, p *pending) {
	var outs []bot.Outcome
	var err error
	for attempt := 0; attempt < maxConflictRetries; attempt++ {
		outs, err = ib.handleBatch(ctx, []*pending{p})
		if !errors.Is(err, store.ErrSignupConflict) {
			break
		}
	}
	if err != nil {
		p.err = err
		return
	}
	p.out = outs[0]
}

// turn is one input of a batch on its way through.
type turn struct {
	in      bot.Input
	card    *flows.SharedContact
	contact *store.Contact
	fresh   bool
}

// handleBatch handles inputs (one per address) in one transaction.
func (ib *Inbox) handleBatch(ctx context.Context, batch []*pending) ([]bot.Outcome, error) {
	outs := make([]bot.Outcome, len(batch))
	err := ib.store.InTx(ctx, func(tx *store.Tx) (err error) {
		// A bug in one turn must not take the process (and every caller
		// waiting on this writer) down: it fails this transaction, and the
		// turn that caused it fails alone when the batch is handled again.
		defer func() {
			if r := recover(); r != nil {
				ib.log.Error("inbox: panic while handling a batch", "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		clear(outs)
		now := ib.clock.Now()
		addrs := make([]vocab.Address, len(batch))
		langs := make([]string, len(batch))
		for i, p := range batch {
			addrs[i], langs[i] = p.in.From, p.in.Language
		}
		contacts, err := tx.ContactsByAddresses(addrs, langs)
		if err != nil {
			return err
		}
		claims := make([]store.InboundClaim, len(batch))
		turns := make([]turn, len(batch))
		for i, p := range batch {
			c := contacts[p.key]
			turns[i] = turn{in: p.in, card: p.card, contact: c}
			claims[i] = store.InboundClaim{Channel: p.in.Channel, ExternalID: p.in.ExternalID, ContactID: c.ID}
			claims[i].Kind, claims[i].Text = written(p.in)
			if c.ConsentAt == nil {
				claims[i].Text = "" // words are kept only with the person's agreement to the privacy notice
			}
			outs[i].ContactID = c.ID
		}
		fresh, err := tx.ClaimInbounds(claims)
		if err != nil {
			return err
		}
		if err := ib.wroteOnWhatsApp(tx, turns, fresh, now); err != nil {
			return err
		}
		var ids []int64             // contacts with a past: a new one has no state, sign-ups or orders to read
		var unborn []*store.Contact // created for a message that is a duplicate: nobody wrote from there
		someFresh := false
		for i := range turns {
			turns[i].fresh = fresh[i]
			outs[i].Duplicate = !fresh[i]
			someFresh = someFresh || fresh[i]
			switch c := turns[i].contact; {
			case !fresh[i] && c.New():
				unborn = append(unborn, c) // one message per address in a batch: this was its only one
				outs[i].ContactID = 0
			case fresh[i] && !c.New():
				ids = append(ids, c.ID)
			}
		}
		if err := tx.DropNewContacts(unborn); err != nil {
			return err
		}
		if !someFresh {
			return nil
		}
		data, err := ib.loadBatch(tx, ids)
		if err != nil {
			return err
		}
		var msgs []*store.OutboxMessage
		for i := range turns {
			t := &turns[i]
			if !t.fresh {
				continue
			}
			snap, err := ib.snapshot(tx, data, t.contact, t.in.Channel, now)
			if err != nil {
				return err
			}
			res := ib.engine.Handle(now, snap, flowsInput(t.in, t.card))
			for _, sc := range res.Signups {
				outs[i].Cancelled = outs[i].Cancelled || sc.Status == flows.SignupCancelled
			}
			rows, err := ib.save(tx, data, t.contact, t.in, res, now)
			if err != nil {
				return err
			}
			outs[i].Replies = len(rows)
			msgs = append(msgs, rows...)
		}
		if err := tx.SaveStates(data.states); err != nil {
			return err
		}
		_, err = tx.EnqueueReplies(msgs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// wroteOnWhatsApp records, for the new WhatsApp messages of a batch, when
// each person wrote: WhatsApp's 24-hour window of free messages opens then.
// The time is the message's own (a webhook may come late), never later
// than now. The turns' contacts learn it too, so saving one writes it back.
func (ib *Inbox) wroteOnWhatsApp(tx *store.Tx, turns []turn, fresh []bool, now time.Time) error {
	at := map[int64]time.Time{}
	for i, t := range turns {
		if !fresh[i] || t.in.Channel != bot.WhatsApp {
			continue
		}
		when := now
		if !t.in.At.IsZero() && t.in.At.Before(now) {
			when = t.in.At
		}
		if when.After(at[t.contact.ID]) {
			at[t.contact.ID] = when
		}
	}
	if len(at) == 0 {
		return nil
	}
	if err := tx.SetWhatsAppInbound(at); err != nil {
		return err
	}
	for _, t := range turns {
		when, ok := at[t.contact.ID]
		if c := t.contact; ok && (c.WhatsAppLastInboundAt == nil || c.WhatsAppLastInboundAt.Before(when)) {
			w := when.UTC()
			c.WhatsAppLastInboundAt, c.WhatsAppUnreachable, c.WhatsAppFailures = &w, false, 0
		}
	}
	return nil
}

// batchData is what the conversations of one batch read, loaded once.
type batchData struct {
	states  map[int64]store.SavedState // in: saved states; out: the states to save
	signups map[int64][]store.Signup
	orders  map[int64][]store.Order
	// open are the opportunities open to sign-ups with their counts, the same
	// for everyone; nil after a sign-up changed a count (read again when needed).
	open []store.OpportunityView
}

func (ib *Inbox) loadBatch(tx *store.Tx, ids []int64) (*batchData, error) {
	d := &batchData{states: map[int64]store.SavedState{}, signups: map[int64][]store.Signup{}}
	if len(ids) == 0 {
		return d, nil
	}
	var err error
	if d.states, err = tx.States(ids); err != nil {
		return nil, err
	}
	if d.signups, err = tx.SignupsOf(ids); err != nil {
		return nil, err
	}
	if d.orders, err = tx.RecentOrdersOf(ids, 5); err != nil { // "my orders" shows the latest five
		return nil, err
	}
	return d, nil
}

func (ib *Inbox) snapshot(tx *store.Tx, d *batchData, c *store.Contact, channel string, now time.Time) (flows.Snapshot, error) {
	snap := flows.Snapshot{Channel: channel, Profile: profileOf(c), Staff: d.states[c.ID].Staff}
	if raw := d.states[c.ID].Data; raw != "" {
		if err := json.Unmarshal([]byte(raw), &snap.State); err != nil {
			// A state this version cannot read: start the conversation over rather than fail forever.
			ib.log.Warn("inbox: unreadable conversation state, starting over", "contact", c.ID, "err", err)
			snap.State = flows.State{}
		}
	}
	if d.open == nil {
		open, err := tx.OpenOpportunities(now)
		if err != nil {
			return snap, err
		}
		d.open = open
		if d.open == nil {
			d.open = []store.OpportunityView{}
		}
	}
	opps := d.open
	signups := d.signups[c.ID]
	// Opportunities closed to sign-ups still show to the people signed up for them.
	var closed []int64
	for _, s := range signups {
		if !slices.ContainsFunc(opps, func(o store.OpportunityView) bool { return o.ID == s.OpportunityID }) {
			closed = append(closed, s.OpportunityID)
		}
	}
	if len(closed) > 0 {
		more, err := tx.OpportunitiesByID(closed)
		if err != nil {
			return snap, err
		}
		opps = slices.Concat(opps, more)
		slices.SortStableFunc(opps, func(a, b store.OpportunityView) int {
			if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
	}
	for _, o := range opps {
		fo := flows.Opportunity{
			ID: o.ID, Kind: o.Kind, Track: o.Track, Governorate: o.Governorate,
			Title: o.Title, Description: o.Description, StartsAt: o.StartsAt,
			Capacity: o.Capacity, Registered: o.Registered, Waiting: o.Waitlisted,
		}
		if o.SignupDeadline != nil {
			fo.SignupDeadline = *o.SignupDeadline
		}
		snap.Opportunities = append(snap.Opportunities, fo)
	}
	for _, s := range signups {
		snap.Signups = append(snap.Signups, flows.Signup{OpportunityID: s.OpportunityID, Status: s.Status, Position: s.Position})
	}
	for _, o := range d.orders[c.ID] {
		snap.Orders = append(snap.Orders, flows.Order{
			ID: o.ID, Ref: o.OrderRef, Status: o.Status, StatusAt: o.StatusAt,
			Items: o.Items, Total: o.Total, Currency: o.Currency, CustomerArea: o.CustomerArea,
		})
	}
	return snap, nil
}

// save writes what the turn produced that is its own (contact, assessment,
// sign-ups, erasure), puts its state into d.states and returns the outbox
// rows of its replies; states and rows are written for the whole batch.
func (ib *Inbox) save(tx *store.Tx, d *batchData, c *store.Contact, in bot.Input, res flows.Result, now time.Time) ([]*store.OutboxMessage, error) {
	recipient := recipientOf(in.From)
	p := res.Profile
	before := *c
	c.Language, c.Name, c.Governorate, c.Track = p.Language, p.Name, p.Governorate, p.Track
	c.ConsentAt = timePtr(p.ConsentAt)
	c.ConsentDeclinedAt = timePtr(p.DeclinedAt)
	switch {
	case p.OptedOut && c.OptedOutAt == nil:
		t := now.UTC()
		c.OptedOutAt = &t
	case !p.OptedOut:
		c.OptedOutAt = nil
	}
	if profileChanged(&before, c) {
		if err := tx.SaveContact(c); err != nil {
			return nil, err
		}
	}
	if res.Assessment != nil {
		a := res.Assessment
		if err := tx.AddAssessment(&store.Assessment{
			ContactID: c.ID, Answers: a.Answers, Scores: a.Scores, Strengths: a.Strengths,
			Track: a.Track, CompletedAt: now.UTC(),
		}); err != nil {
			return nil, err
		}
	}
	for _, s := range res.Signups {
		if err := tx.SetSignup(c.ID, s.OpportunityID, s.Status); err != nil {
			return nil, err
		}
		d.open = nil // the counts changed: the next turn reads them again
		// The same person may write on two channels in one batch: their next turn sees this one's sign-ups.
		i := slices.IndexFunc(d.signups[c.ID], func(x store.Signup) bool { return x.OpportunityID == s.OpportunityID })
		if i >= 0 {
			d.signups[c.ID][i].Status = s.Status
		} else {
			d.signups[c.ID] = append(d.signups[c.ID], store.Signup{ContactID: c.ID, OpportunityID: s.OpportunityID, Status: s.Status})
		}
	}
	if err := ib.staff(tx, c, in, res, before.ConsentAt != nil, before.Governorate); err != nil {
		return nil, err
	}
	if res.Erase {
		if err := tx.Erase(c.ID); err != nil {
			return nil, err
		}
		delete(d.states, c.ID)
	} else {
		state, err := json.Marshal(res.State)
		if err != nil {
			return nil, fmt.Errorf("encode state: %w", err)
		}
		staff := d.states[c.ID].Staff || res.OpenConversation // the same person's next turn in this batch knows
		d.states[c.ID] = store.SavedState{Step: res.State.Step, Data: string(state), Staff: staff}
	}
	msgs := make([]*store.OutboxMessage, 0, len(res.Replies))
	for i, r := range res.Replies {
		payload, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("encode reply: %w", err)
		}
		key := fmt.Sprintf("reply:%s:%s:%d", in.Channel, in.ExternalID, i)
		msgs = append(msgs, &store.OutboxMessage{
			ContactID: c.ID, Channel: in.Channel, Recipient: recipient, Language: p.Language,
			Priority: store.PriorityReply, Payload: string(payload), Always: r.Always, DedupeKey: key,
		})
	}
	return msgs, nil
}

// profileChanged tells whether a turn changed what it may change of a contact.
func profileChanged(a, b *store.Contact) bool {
	return a.Language != b.Language || a.Name != b.Name || a.Governorate != b.Governorate ||
		a.Track != b.Track || !sameTime(a.ConsentAt, b.ConsentAt) || !sameTime(a.OptedOutAt, b.OptedOutAt) ||
		!sameTime(a.ConsentDeclinedAt, b.ConsentDeclinedAt)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
