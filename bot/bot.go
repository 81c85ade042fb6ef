// Package bot holds what every channel shares: the inbound message type
// channels turn provider payloads into, the outbound message and Sender
// interface the dispatcher calls, typed send errors that say what to do
// next, and the renderer that turns a channel-neutral reply into words.
// Each channel lives in its own sub-package; nothing else knows a provider.
package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tamkeen/tamkeen/vocab"
)

// Channel names, as stored on outbox rows and inbound records: the shared
// words of package vocab, repeated here so a channel reads bot.SMS.
const (
	Console  = vocab.Console
	Telegram = vocab.Telegram
	SMS      = vocab.SMS
	Web      = vocab.Web
	WhatsApp = vocab.WhatsApp
)

// Kind says what an input is. A channel only says what arrived; the inbox
// and the conversation decide what it means and what to answer.
type Kind int

// The kinds of input a channel hands to the inbox.
const (
	// KindMessage: text the person typed, or the payload of a button they tapped.
	KindMessage Kind = iota
	// KindUnreadable: something the channel cannot read as text (a photo, a
	// voice note, a sticker, a location).
	KindUnreadable
	// KindEdited: the person edited a message they had sent.
	KindEdited
	// KindSharedContact: the person shared a contact card (Contact is set).
	KindSharedContact
	// KindBlocked: the person blocked the bot or left the chat; nothing can reach them there.
	KindBlocked
	// KindUnblocked: the person allowed the bot again.
	KindUnblocked
	// KindMorePlease: the person asked for the rest of a long message (an SMS
	// "9"); Text keeps what they typed, for when nothing is waiting.
	KindMorePlease
)

var kindNames = [...]string{"message", "unreadable", "edited", "shared_contact", "blocked", "unblocked", "more_please"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Input is one thing that arrived on a channel, whatever channel it came on.
type Input struct {
	Kind       Kind
	Channel    string
	ExternalID string        // the provider's unique id: update_id, MessageSid, …
	From       vocab.Address // who sent it
	Text       string
	Payload    string   // a tapped button's payload
	Language   string   // a hint for a new contact ("" for none)
	Contact    *Contact // for KindSharedContact
	// Media says what an unreadable input was (MediaPhoto, MediaVoice…;
	// "" for text): kept with the person's messages for staff to see.
	Media string
	// At is when the provider says the person sent it (zero: unknown). A
	// webhook delivered late still dates the message when it was written
	// (WhatsApp's 24-hour window counts from then).
	At time.Time
}

// What an unreadable input was, as far as the channel can tell.
const (
	MediaPhoto    = "photo"
	MediaVoice    = "voice" // a voice note or other audio
	MediaVideo    = "video"
	MediaDocument = "document"
	MediaLocation = "location"
	MediaSticker  = "sticker"
	MediaContact  = "contact" // someone else's contact card
	MediaOther    = "other"
)

// Contact is a contact card a person shared.
type Contact struct {
	// Phone is the card's number in E.164; "" when the channel could not read one.
	Phone string
	// Name is the name on the card ("" for none).
	Name string
	// Own says the provider vouches the card is the sender's own (Telegram
	// checks the number of the account that shares it).
	Own bool
}

// Outcome says what the inbox did with an input.
type Outcome struct {
	Duplicate bool  // the input was handled before; nothing was done
	ContactID int64 // the contact it belongs to (0 when none was found or made)
	Replies   int   // outbox rows added
	Cancelled bool  // a sign-up was cancelled: a place may be free
}

// Handler takes inputs: the inbox. Each channel hands what arrives to one
// and answers its provider only after Handle returned nil (the input and
// whatever it produced are then stored).
type Handler interface {
	Handle(ctx context.Context, in Input) (Outcome, error)
}

// Receipt is a provider's report on a message we sent (Twilio's status callback).
type Receipt struct {
	Channel    string
	ProviderID string // the id the provider gave the message when it was sent
	Status     DeliveryStatus
	Failure    Failure // for Undelivered: what the failure says about the recipient
	Detail     string  // the provider's words, kept on the message ("twilio undelivered, error 30003")
}

// DeliveryStatus is what became of a sent message.
type DeliveryStatus int

// Delivery statuses.
const (
	InTransit   DeliveryStatus = iota // accepted, queued, sent: nothing new to record
	Delivered                         // the handset has it
	Undelivered                       // it will not arrive
)

// Failure says what an undelivered message tells about its recipient.
type Failure int

// Failures.
const (
	FailureOther     Failure = iota // nothing about the recipient (a carrier fault, a filter)
	FailureNoHandset                // no handset answers at that address (dead, unknown or landline number)
	FailureOptedOut                 // the recipient unsubscribed at the carrier
	// FailureWindowClosed: the provider accepted the message, then refused
	// it because the person last wrote too long ago (WhatsApp's 131047 after
	// 24 hours): it must go again as an approved template.
	FailureWindowClosed
)

// ReceiptHandler takes providers' delivery reports: the inbox.
type ReceiptHandler interface {
	HandleReceipt(ctx context.Context, r Receipt) error
}

// Outgoing is one message for a channel to deliver.
type Outgoing struct {
	ID        int64
	ContactID int64
	Recipient string // chat id, E.164 phone or console user
	Language  string
	Reply     *vocab.Reply // a conversation reply to render, or nil
	Body      string       // ready text (a staff broadcast) when Reply is nil
	// Template, when set, is the approved template the message goes as, its
	// text in the template's parameter (WhatsApp outside the 24-hour window).
	Template string
}

// Templater is a sender that can send a message as an approved template
// when a free one may not go (WhatsApp): Template names the template a
// kind of message (reach.Kind) goes as, ok false when it has none.
type Templater interface {
	Template(kind string) (name string, ok bool)
}

// Sender delivers messages on one channel.
type Sender interface {
	// Channel names the channel this sender serves.
	Channel() string
	// Send delivers m and returns the provider's id for it. Errors should be *SendError.
	Send(ctx context.Context, m Outgoing) (providerID string, err error)
}

// ErrorKind says what the dispatcher should do after a failed send.
type ErrorKind int

// What a failed send means.
const (
	RetryLater  ErrorKind = iota // temporary: try again after a while (RetryAfter if known)
	Unreachable                  // this contact cannot be reached on this channel (blocked bot, dead number)
	OptedOut                     // the provider says this contact opted out
	Permanent                    // this message will never go (bad number, bad request)
	BadConfig                    // the channel itself is misconfigured (bad token): stop and say so
	// WindowClosed: the provider takes only approved templates for this
	// recipient now (WhatsApp's 131047: they last wrote more than 24 hours
	// ago); the same message may go as a template.
	WindowClosed
)

func (k ErrorKind) String() string {
	switch k {
	case RetryLater:
		return "retry_later"
	case Unreachable:
		return "unreachable"
	case OptedOut:
		return "opted_out"
	case Permanent:
		return "permanent"
	case BadConfig:
		return "bad_config"
	case WindowClosed:
		return "window_closed"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Scope says who a provider's "too many requests" is about.
type Scope int

// The scopes of a slowdown.
const (
	// ScopeUnknown: the provider did not say (Telegram answers the same 429
	// for one chat's flood limit and for the whole bot's); the dispatcher
	// decides from what it sent to the recipient just before.
	ScopeUnknown   Scope = iota
	ScopeRecipient       // only this recipient must wait
	ScopeChannel         // the whole channel must slow down (Twilio's 20429)
)

func (s Scope) String() string {
	switch s {
	case ScopeRecipient:
		return "recipient"
	case ScopeChannel:
		return "channel"
	}
	return "unknown"
}

// SendError is a failed send with the decision it implies.
type SendError struct {
	Kind       ErrorKind
	RetryAfter time.Duration // for RetryLater: how long the provider asked us to wait (0: unknown)
	Scope      Scope         // for RetryLater with RetryAfter: who must wait
	Err        error
}

func (e *SendError) Error() string { return e.Kind.String() + ": " + e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// KindOf reads the decision from any error: untyped errors are temporary.
func KindOf(err error) (ErrorKind, time.Duration) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Kind, se.RetryAfter
	}
	return RetryLater, 0
}

type sendingKey struct{}

// WithSending returns a context through which a send reports its requests:
// depart is called right before each request that delivers (part of) a
// message leaves, and the func it returns when the provider's answer is
// back. The dispatcher's pacer dates the units of a provider's rate by
// these answers, which come after the provider counted them.
func WithSending(ctx context.Context, depart func() (arrived func())) context.Context {
	return context.WithValue(ctx, sendingKey{}, depart)
}

// Sending is called by a channel right before each request that delivers
// (part of) a message (a Telegram sendMessage, a Twilio message create); it
// returns the func to call once the answer is back.
func Sending(ctx context.Context) (answered func()) {
	if depart, ok := ctx.Value(sendingKey{}).(func() func()); ok {
		return depart()
	}
	return func() {}
}

// Limits are a channel's sending limits, declared as data: a Sender that
// also implements Limiter returns them, and the dispatcher's pacer
// (notifier/pacing) keeps to them; a sender never sleeps. They count in the
// channel's units: what Coster says a message costs (Telegram: the parts a
// long text is split into; SMS: segments), else one a message. What each
// channel declares:
//
//	Telegram  Limits{PerSecond: 30, PerRecipient: time.Second}   // TELEGRAM_RATE parts/s per bot; a part a second per chat
//	SMS       Limits{PerSecond: 20}                              // TWILIO_RATE segments/s per sender
//	WhatsApp  Limits{PerSecond: 80, PerRecipient: 6 * time.Second, RecipientBurst: n}
//	          // messages/s per phone number; Meta's pair rate (a message every 6 s to one person, after a burst)
//
// The rate is kept in every rolling second as the provider measures it,
// shared equally among the dispatchers running (replicas). A 429 is read
// from the send error (SendError.RetryAfter and Scope), not declared here.
type Limits struct {
	// PerSecond is how many units a second the provider accepts over the
	// whole channel, in any rolling second (0: no limit).
	PerSecond float64
	// PerRecipient is the least time one unit to one recipient spends of
	// that recipient's allowance (0: no per-recipient limit): a message of
	// 3 parts at a second each keeps the chat's next message 3 s behind.
	PerRecipient time.Duration
	// RecipientBurst is how many units a recipient may get at once before
	// PerRecipient spaces the rest (0 or 1: no burst, every unit spaced).
	RecipientBurst int
}

// Limiter is implemented by senders with limits.
type Limiter interface {
	Limits() Limits
}

// Coster is implemented by senders whose rate counts units other than
// messages (SMS: segments). The dispatcher spends Cost(m) of the channel's
// PerSecond on m; a message costs 1 otherwise.
type Coster interface {
	Cost(m Outgoing) int
}
