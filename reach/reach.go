// Package reach is the one rule for how a message reaches a person and at
// what cost: WhatsApp's 24-hour window (when it closes, and closed early
// when WhatsApp said so with 131047), and, from a person's addresses and
// the message's kind, which way it goes (Telegram, WhatsApp inside the
// window, an approved WhatsApp template, SMS) and what that costs. Pure
// functions of their inputs and the time they are given; the dispatcher,
// broadcast expansion, the composer's cost and the inbox's reply box all
// ask it.
package reach

import (
	"strings"
	"time"
)

// Window is how long after a person's last message WhatsApp takes free
// (non-template) messages to them.
const Window = 24 * time.Hour

// WhatsAppWindow says whether free messages may go to a person on WhatsApp
// at now, and when the window closes (or closed). lastInbound is when they
// last wrote there (nil: never); closedAt is when WhatsApp refused a free
// message to them with 131047 (nil: never), which closes the window early
// unless they wrote after it.
func WhatsAppWindow(lastInbound, closedAt *time.Time, now time.Time) (open bool, closes time.Time) {
	if lastInbound == nil {
		return false, time.Time{}
	}
	closes = lastInbound.Add(Window)
	if closedAt != nil && !closedAt.Before(*lastInbound) && closedAt.Before(closes) {
		closes = *closedAt
	}
	return now.Before(closes), closes
}

// Kind is what a message is, which decides the template it goes as
// outside the window.
type Kind string

// The kinds of outgoing messages.
const (
	Reply     Kind = "reply"     // an answer to someone who just wrote
	Staff     Kind = "staff"     // a caseworker's answer in a conversation
	Broadcast Kind = "broadcast" // a staff announcement
	Reminder  Kind = "reminder"  // before a training, job or event
	Waitlist  Kind = "waitlist"  // a place freed for someone waiting
	Order     Kind = "order"     // a marketplace order notice
	Nudge     Kind = "nudge"     // finish the skills check
	Digest    Kind = "digest"    // the weekly opportunities
	Notice    Kind = "notice"    // any other notice (a sign-up staff cancelled)
)

// Kinds lists every kind, in the order settings and the README list them.
func Kinds() []Kind {
	return []Kind{Reply, Staff, Broadcast, Reminder, Waitlist, Order, Nudge, Digest, Notice}
}

// KindOfKey is the kind of an outbox row from its dedupe key's first word
// (reply:…, broadcast:…, reminder:…); a key it does not know is a Notice.
func KindOfKey(key string) Kind {
	word, _, _ := strings.Cut(key, ":")
	switch word {
	case "reply":
		return Reply
	case "staff":
		return Staff
	case "broadcast":
		return Broadcast
	case "reminder":
		return Reminder
	case "waitlist":
		return Waitlist
	case "order":
		return Order
	case "nudge":
		return Nudge
	case "digest":
		return Digest
	}
	return Notice
}

// Way is how a message reaches a person.
type Way string

// The ways, cheapest first where they cost nothing.
const (
	None             Way = ""
	Telegram         Way = "telegram"          // free
	WhatsApp         Way = "whatsapp"          // a free message inside the window
	WhatsAppTemplate Way = "whatsapp_template" // an approved template, paid per message
	SMS              Way = "sms"               // paid per segment
	Web              Way = "web"               // the web console's simulator (tests, demos)
	Console          Way = "console"           // a terminal session
)

// Ways lists the ways a composer shows, in the rule's order of preference
// when costs are equal.
func Ways() []Way { return []Way{Telegram, WhatsApp, WhatsAppTemplate, SMS, Web, Console} }

// Channel is the channel a way goes on ("whatsapp" for both WhatsApp ways).
func (w Way) Channel() string {
	if w == WhatsAppTemplate {
		return string(WhatsApp)
	}
	return string(w)
}

// Person is what the rule needs to know of someone: where they can be
// reached (an address not known to be dead), and their WhatsApp window.
type Person struct {
	Telegram bool // a chat that has not blocked the bot
	WhatsApp bool // WhatsApp knows them (they wrote there) and has not said they cannot be reached
	SMS      bool // a phone number not known to be dead
	Web      bool
	Console  bool
	// LastInbound and ClosedAt: see WhatsAppWindow.
	LastInbound, ClosedAt *time.Time
}

// Prices are what the paid ways cost, in the program's currency (0: not
// set, counted as free: the rule then keeps its order of preference).
type Prices struct {
	Template   float64 // one WhatsApp template message (TAMKEEN_WHATSAPP_TEMPLATE_PRICE)
	SMSSegment float64 // one SMS segment (TAMKEEN_SMS_SEGMENT_PRICE)
}

// Options are what the service can send on, and what it costs.
type Options struct {
	// Channels are those the message may go on: configured on this server
	// and, for a broadcast, chosen by staff. Empty: none.
	Channels []string
	// Template tells whether a kind has an approved template configured
	// (nil: none has).
	Template func(Kind) bool
	Prices   Prices
	// Segments is how many SMS segments the message takes (at least 1).
	Segments int
}

func (o Options) allows(channel string) bool {
	for _, c := range o.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Choice is a way and what one message that way costs.
type Choice struct {
	Way  Way
	Cost float64
}

// Cost is what one message costs by way under o.
func (o Options) Cost(way Way) float64 {
	switch way {
	case WhatsAppTemplate:
		return o.Prices.Template
	case SMS:
		return float64(max(1, o.Segments)) * o.Prices.SMSSegment
	}
	return 0
}

// Choose is the cheapest way that reaches p with a message of kind at now:
// Telegram and WhatsApp inside the window cost nothing; then an approved
// template (only for a kind that has one: a reply never goes as one) or
// SMS, whichever costs less, the template when they cost the same; the
// web and console sessions last. ok is false when no way reaches them.
// Opt-out and consent are not judged here.
func Choose(p Person, kind Kind, now time.Time, o Options) (c Choice, ok bool) {
	best := Choice{}
	found := false
	consider := func(w Way) {
		cost := o.Cost(w)
		if !found || cost < best.Cost {
			best, found = Choice{Way: w, Cost: cost}, true
		}
	}
	if p.Telegram && o.allows(string(Telegram)) {
		return Choice{Way: Telegram}, true
	}
	if p.WhatsApp && o.allows(string(WhatsApp)) {
		if open, _ := WhatsAppWindow(p.LastInbound, p.ClosedAt, now); open {
			return Choice{Way: WhatsApp}, true
		}
		if kind != Reply && o.Template != nil && o.Template(kind) {
			consider(WhatsAppTemplate)
		}
	}
	if p.SMS && o.allows(string(SMS)) {
		consider(SMS)
	}
	if found {
		return best, true
	}
	if p.Web && o.allows(string(Web)) {
		return Choice{Way: Web}, true
	}
	if p.Console && o.allows(string(Console)) {
		return Choice{Way: Console}, true
	}
	return Choice{}, false
}
