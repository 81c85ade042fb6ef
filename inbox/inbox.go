// Package inbox handles inbound messages from every channel: it drops
// duplicates, loads each contact's conversation, runs the flows engine and
// saves everything the turn produced (contact, state, records and the outbox
// rows of the replies). Messages that arrive together are handled together,
// in one transaction (group commit); Handle returns once its own message is
// committed.
package inbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
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

	mu         sync.Mutex
	queue      []*pending      // waiting for a batch, in arrival order
	busy       map[string]bool // addresses in a batch being handled
	writers    int             // batches being handled now
	maxWriters int             // SQLite: 1 (one writer at a time anyway); PostgreSQL: a few
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
	writers := 1
	if s.Dialect() == "postgres" {
		writers = postgresWriters
	}
	return &Inbox{store: s, engine: e, clock: clk, log: log, notify: notify, busy: map[string]bool{}, maxWriters: writers}
}

// Handle processes one input. It returns once what the input produced is
// committed (or failed); a cancelled ctx returns at once with its error,
// and the input may or may not be stored (a repeat is then a duplicate).
//
// Messages, unreadable and edited ones and shared contact cards go through
// the conversation; "blocked" and "unblocked" only change whether the
// channel reaches the person; "more please" sends the next waiting page,
// or is an ordinary message when none waits.
func (ib *Inbox) Handle(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	if in.ExternalID == "" {
		// A channel without provider ids (the console): a random id of our
		// own keeps each input's replies apart in the outbox.
		in.ExternalID = "local-" + rand.Text()
	}
	if in.From.Phone != "" && in.Channel != bot.WhatsApp {
		// A text from a number proves it works; the pages of a long message
		// are dropped unless the person asks for them. (WhatsApp, which
		// names people by number too, keeps its own bookkeeping: the batch
		// records when they wrote.)
		if err := ib.store.SMSHeardFrom(ctx, in.From.Phone, in.Kind != bot.KindMorePlease); err != nil {
			return bot.Outcome{}, fmt.Errorf("inbox: %s message: %w", in.Channel, err)
		}
	}
	var card *flows.SharedContact
	switch in.Kind {
	case bot.KindBlocked, bot.KindUnblocked:
		return ib.reachability(ctx, in)
	case bot.KindMorePlease:
		if out, sent, err := ib.nextPage(ctx, in); err != nil || sent {
			return out, err
		}
	case bot.KindSharedContact:
		var err error
		if card, err = ib.linkContact(ctx, in); err != nil {
			return bot.Outcome{}, fmt.Errorf("inbox: %s contact card: %w", in.Channel, err)
		}
	}
	p := &pending{in: in, card: card, key: in.From.Key(), done: make(chan struct{})}
	ib.submit(p)
	select {
	case <-p.done:
	case <-ctx.Done():
		if ib.withdraw(p) {
			return bot.Outcome{}, fmt.Errorf("inbox: %s message: %w", in.Channel, ctx.Err())
		}
		select {
		case <-p.done: // already committed: report it as it is
		default:
			return bot.Outcome{}, fmt.Errorf("inbox: %s message: not confirmed: %w", in.Channel, ctx.Err())
		}
	}
	if p.err != nil {
		return bot.Outcome{}, fmt.Errorf("inbox: %s message: %w", in.Channel, p.err)
	}
	return p.out, nil
}

// flowsInput is what the conversation reads of an input.
func flowsInput(in bot.Input, card *flows.SharedContact) flows.Input {
	return flows.Input{
		Text: in.Text, Payload: in.Payload,
		Unreadable: in.Kind == bot.KindUnreadable, Edited: in.Kind == bot.KindEdited,
		Contact: card,
	}
}

func profileOf(c *store.Contact) flows.Profile {
	p := flows.Profile{
		Language: c.Language, Name: c.Name, Governorate: c.Governorate,
		OptedOut: c.OptedOutAt != nil, Track: c.Track,
	}
	if c.ConsentAt != nil {
		p.ConsentAt = *c.ConsentAt
	}
	if c.ConsentDeclinedAt != nil {
		p.DeclinedAt = *c.ConsentDeclinedAt
	}
	return p
}

// recipientOf is how a channel addresses the person who wrote.
func recipientOf(a vocab.Address) string {
	switch {
	case a.TelegramChatID != 0:
		return strconv.FormatInt(a.TelegramChatID, 10)
	case a.Phone != "":
		return a.Phone // on WhatsApp too: Meta advises numbers where known
	case a.WhatsAppID != "":
		return a.WhatsAppID
	case a.WebSession != "":
		return a.WebSession
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
