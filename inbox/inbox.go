// Package inbox handles one inbound message from any channel: it drops
// duplicates, loads the contact's conversation, runs the flows engine and
// saves everything the turn produced (contact, state, records and the outbox
// rows of the replies) in one transaction.
package inbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
)

// maxConflictRetries bounds how often a turn is replayed after another
// sign-up took the last place first.
const maxConflictRetries = 3

// Inbox handles inbound messages.
type Inbox struct {
	store  *store.Store
	engine *flows.Engine
	clock  clock.Clock
	log    *slog.Logger
	// Notify is called after replies were committed to the outbox (wakes the dispatcher).
	notify  func()
	metrics *metrics.Metrics
	freed   func() // a sign-up was cancelled: a waitlisted person may get the place
}

// OnPlacesFreed sets what to call after a turn cancelled a sign-up (the
// waitlist promotion sweep); nil for nothing.
func (ib *Inbox) OnPlacesFreed(fn func()) *Inbox {
	ib.freed = fn
	return ib
}

// Instrument makes the inbox count inputs by channel and result in m.
func (ib *Inbox) Instrument(m *metrics.Metrics) *Inbox {
	ib.metrics = m
	return ib
}

func (ib *Inbox) count(channel, result string) {
	if ib.metrics != nil {
		ib.metrics.Inbound.WithLabelValues(channel, result).Inc()
	}
}

// New returns an inbox. notify may be nil.
func New(s *store.Store, e *flows.Engine, clk clock.Clock, log *slog.Logger, notify func()) *Inbox {
	if notify == nil {
		notify = func() {}
	}
	return &Inbox{store: s, engine: e, clock: clk, log: log, notify: notify}
}

// Outcome says what happened to an input.
type Outcome struct {
	Duplicate bool  // the input was handled before; nothing was done
	ContactID int64 // the contact it belongs to
	Replies   int   // outbox rows added
	Cancelled bool  // a sign-up was cancelled: a place may be free
}

// Handle processes one input.
func (ib *Inbox) Handle(ctx context.Context, in bot.Input) (Outcome, error) {
	if in.ExternalID == "" {
		// A channel without provider ids (the console): a random id of our
		// own keeps each input's replies apart in the outbox.
		in.ExternalID = "local-" + rand.Text()
	}
	var out Outcome
	var err error
	for attempt := 0; attempt < maxConflictRetries; attempt++ {
		out, err = ib.handleOnce(ctx, in)
		if !errors.Is(err, store.ErrSignupConflict) {
			break
		}
	}
	if err != nil {
		ib.count(in.Channel, "error")
		return Outcome{}, fmt.Errorf("inbox: %s message: %w", in.Channel, err)
	}
	if out.Duplicate {
		ib.count(in.Channel, "duplicate")
	} else {
		ib.count(in.Channel, "handled")
	}
	if out.Replies > 0 {
		ib.notify()
	}
	if out.Cancelled && ib.freed != nil {
		ib.freed()
	}
	return out, nil
}

func (ib *Inbox) handleOnce(ctx context.Context, in bot.Input) (Outcome, error) {
	var out Outcome
	err := ib.store.InTx(ctx, func(tx *store.Tx) error {
		now := ib.clock.Now()
		c, _, err := tx.ContactByAddress(in.From, in.Language)
		if err != nil {
			return err
		}
		out.ContactID = c.ID
		fresh, err := tx.ClaimInbound(in.Channel, in.ExternalID, c.ID)
		if err != nil {
			return err
		}
		if !fresh {
			out.Duplicate = true
			return nil
		}
		snap, err := ib.snapshot(tx, c, in.Channel, now)
		if err != nil {
			return err
		}
		res := ib.engine.Handle(now, snap, flows.Input{Text: in.Text, Payload: in.Payload})
		for _, sc := range res.Signups {
			out.Cancelled = out.Cancelled || sc.Status == flows.SignupCancelled
		}
		n, err := ib.save(tx, c, in, res, now)
		out.Replies = n
		return err
	})
	return out, err
}

func (ib *Inbox) snapshot(tx *store.Tx, c *store.Contact, channel string, now time.Time) (flows.Snapshot, error) {
	snap := flows.Snapshot{Channel: channel, Profile: profileOf(c)}
	raw, err := tx.State(c.ID)
	if err != nil {
		return snap, err
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &snap.State); err != nil {
			// A state this version cannot read: start the conversation over rather than fail forever.
			ib.log.Warn("inbox: unreadable conversation state, starting over", "contact", c.ID, "err", err)
			snap.State = flows.State{}
		}
	}
	opps, signups, err := tx.ConversationData(c.ID, now)
	if err != nil {
		return snap, err
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
	orders, err := tx.RecentOrders(c.ID, 5) // "my orders" shows the latest five
	if err != nil {
		return snap, err
	}
	for _, o := range orders {
		snap.Orders = append(snap.Orders, flows.Order{
			ID: o.ID, Ref: o.OrderRef, Status: o.Status, StatusAt: o.StatusAt,
			Items: o.Items, Total: o.Total, Currency: o.Currency, CustomerArea: o.CustomerArea,
		})
	}
	return snap, nil
}

func profileOf(c *store.Contact) flows.Profile {
	p := flows.Profile{
		Language: c.Language, Name: c.Name, Governorate: c.Governorate,
		OptedOut: c.OptedOutAt != nil, Track: c.Track,
	}
	if c.ConsentAt != nil {
		p.ConsentAt = *c.ConsentAt
	}
	return p
}

// save writes what the turn produced and enqueues its replies; it returns the number of replies.
func (ib *Inbox) save(tx *store.Tx, c *store.Contact, in bot.Input, res flows.Result, now time.Time) (int, error) {
	recipient := recipientOf(in.From)
	p := res.Profile
	c.Language, c.Name, c.Governorate, c.Track = p.Language, p.Name, p.Governorate, p.Track
	c.ConsentAt = timePtr(p.ConsentAt)
	switch {
	case p.OptedOut && c.OptedOutAt == nil:
		t := now.UTC()
		c.OptedOutAt = &t
	case !p.OptedOut:
		c.OptedOutAt = nil
	}
	if err := tx.SaveContact(c); err != nil {
		return 0, err
	}
	if res.Assessment != nil {
		a := res.Assessment
		if err := tx.AddAssessment(&store.Assessment{
			ContactID: c.ID, Answers: a.Answers, Scores: a.Scores, Strengths: a.Strengths,
			Track: a.Track, CompletedAt: now.UTC(),
		}); err != nil {
			return 0, err
		}
	}
	for _, s := range res.Signups {
		if err := tx.SetSignup(c.ID, s.OpportunityID, s.Status); err != nil {
			return 0, err
		}
	}
	if res.Erase {
		if err := tx.Erase(c.ID); err != nil {
			return 0, err
		}
	} else {
		state, err := json.Marshal(res.State)
		if err != nil {
			return 0, fmt.Errorf("encode state: %w", err)
		}
		if err := tx.SaveState(c.ID, string(state)); err != nil {
			return 0, err
		}
	}
	msgs := make([]*store.OutboxMessage, 0, len(res.Replies))
	for i, r := range res.Replies {
		payload, err := json.Marshal(r)
		if err != nil {
			return 0, fmt.Errorf("encode reply: %w", err)
		}
		key := fmt.Sprintf("reply:%s:%s:%d", in.Channel, in.ExternalID, i)
		msgs = append(msgs, &store.OutboxMessage{
			ContactID: c.ID, Channel: in.Channel, Recipient: recipient, Language: p.Language,
			Priority: store.PriorityReply, Payload: string(payload), Always: r.Always, DedupeKey: key,
		})
	}
	return tx.Enqueue(msgs...)
}

// recipientOf is how a channel addresses the person who wrote.
func recipientOf(a store.Address) string {
	switch {
	case a.TelegramChatID != 0:
		return strconv.FormatInt(a.TelegramChatID, 10)
	case a.Phone != "":
		return a.Phone
	}
	return a.ConsoleUser
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
