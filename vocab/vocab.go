// Package vocab is the shared vocabulary of Tamkeen: the few types and names
// that the conversation, the store, the channels and the senders all speak,
// so that none of them has to import another to agree. It holds who a person
// is on a channel (Address), the outbound reply format that flows writes, the
// outbox carries and every channel renders (Reply, Option and the typed
// values inside Reply.Data), the channel names stored on outbox rows, and
// the few step names read outside the conversation.
//
// It is called vocab, not msg, because it holds more than messages: an
// address and a channel name are words every part shares, not messages. It
// depends on nothing of ours, and must stay that way: a channel package
// imports vocab and never needs the store or the conversation rules.
package vocab

import "strconv"

// Channel names, as stored on outbox rows and inbound records.
const (
	Console  = "console"  // a local terminal session
	Telegram = "telegram" // a Telegram chat
	SMS      = "sms"      // plain SMS through Twilio
	Web      = "web"      // the web console's bot simulator
	WhatsApp = "whatsapp" // WhatsApp through Meta's Cloud API
)

// Traits are what the conversation must know about a channel, named, so
// that no rule of the conversation is written as "if the channel is SMS".
type Traits struct {
	// Paid: every message costs money (SMS). A lesson is sent as one short
	// text rather than page by page, and a person who said STOP hears
	// nothing more, not even how to come back.
	Paid bool
	// CarrierStops: the provider itself opts a number out on everyday words
	// (Twilio on CANCEL and END) and delivers nothing after them, so those
	// words stop at once instead of asking first.
	CarrierStops bool
}

// TraitsOf returns the traits of a channel.
func TraitsOf(channel string) Traits {
	switch channel {
	case SMS:
		return Traits{Paid: true, CarrierStops: true}
	}
	return Traits{}
}

// Step names that parts other than the conversation read from a person's
// saved state. The conversation's other steps stay private to flows.
const (
	// StepAssessment: in the middle of the skills check; reminders nudge
	// those who stop there.
	StepAssessment = "assessment.question"
)

// Address says who a contact is on one channel. Exactly one field is set,
// except on WhatsApp, where a person may be known by their business-scoped
// user id (WhatsAppID), by their number (Phone, WhatsApp's wa_id) or by both.
type Address struct {
	TelegramChatID int64
	Phone          string // E.164
	ConsoleUser    string // a terminal session (tamkeen chat)
	WebSession     string // a session of the web console's bot simulator
	// WhatsAppID is WhatsApp's business-scoped user id ("BSUID", such as
	// "OM.1349120865530274"): it names the person to this business even when
	// WhatsApp shows their username instead of their number.
	WhatsAppID string
}

// Key names an address uniquely across channels ("t:123", "wa:OM.1…",
// "p:+968…", "w:ab12", "c:name"). A WhatsApp address with a user id is
// keyed by it, one with only a number by the number (so it is the same
// key as that number's SMS).
func (a Address) Key() string {
	switch {
	case a.TelegramChatID != 0:
		return "t:" + strconv.FormatInt(a.TelegramChatID, 10)
	case a.WhatsAppID != "":
		return "wa:" + a.WhatsAppID
	case a.Phone != "":
		return "p:" + a.Phone
	case a.WebSession != "":
		return "w:" + a.WebSession
	}
	return "c:" + a.ConsoleUser
}
