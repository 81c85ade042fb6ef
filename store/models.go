package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/vocab"
)

// Contact is one person, whichever channels they use.
type Contact struct {
	ID             int64
	TelegramChatID *int64
	Phone          *string // E.164
	ConsoleUser    *string // a terminal session
	WebSession     *string // a session of the web console's bot simulator
	Language       string
	Name           string
	Governorate    string
	Track          string
	ConsentAt      *time.Time
	// ConsentDeclinedAt is when the person said no to the privacy notice
	// (nil: never, or they agreed since): a list that brought them in is no
	// longer a reason to write to them.
	ConsentDeclinedAt *time.Time
	OptedOutAt        *time.Time
	TelegramBlocked   bool
	SMSUnreachable    bool
	// WhatsAppID is WhatsApp's business-scoped user id ("BSUID"), when the
	// person wrote on WhatsApp with one; their number, when WhatsApp shows
	// it, is Phone.
	WhatsAppID *string `gorm:"column:whatsapp_id"`
	// WhatsAppLastInboundAt is when the person last wrote on WhatsApp: free
	// text may go to them for 24 hours after it (nil: never wrote there).
	WhatsAppLastInboundAt *time.Time `gorm:"column:whatsapp_last_inbound_at"`
	// WhatsAppUnreachable: WhatsApp said it cannot deliver to them.
	WhatsAppUnreachable bool `gorm:"column:whatsapp_unreachable"`
	// WhatsAppFailures counts undeliverable reports (131026) in a row.
	WhatsAppFailures int `gorm:"column:whatsapp_failures"`
	// WhatsAppWindowClosedAt is when WhatsApp refused a free message to
	// them with 131047: their window closed then, until they write again
	// (reach.WhatsAppWindow).
	WhatsAppWindowClosedAt *time.Time `gorm:"column:whatsapp_window_closed_at"`
	ErasedAt               *time.Time
	// ImportSource and ImportedAt name the list that last set this contact
	// and when (tamkeen contacts import --source); ImportCreated is true
	// when an import created it, before the person ever wrote.
	ImportSource  string
	ImportedAt    *time.Time
	ImportCreated bool
	CreatedAt     time.Time
	UpdatedAt     time.Time

	created bool // inserted by this transaction (ContactsByAddresses): no state, sign-ups or orders yet
}

// New reports whether c was created by the transaction that loaded it
// (with ContactsByAddresses): it has no conversation, sign-ups or orders yet.
func (c *Contact) New() bool { return c.created }

// ConversationState is where a contact is in the conversation (flows.State as JSON).
type ConversationState struct {
	ContactID int64  `gorm:"primaryKey;autoIncrement:false"`
	Step      string // the step of Data, stored on its own so that queries need not read the JSON
	Data      string
	UpdatedAt time.Time
}

// SavedState is a conversation state as saved: the step it rests at, and
// the whole state (flows.State as JSON) that holds it.
type SavedState struct {
	Step string
	Data string
	// Staff: a conversation with staff is open (read by States, not saved).
	Staff bool
}

// Assessment is one finished skills self-assessment.
type Assessment struct {
	ID          int64
	ContactID   int64
	Answers     map[string]string `gorm:"serializer:json"`
	Scores      map[string]int    `gorm:"serializer:json"`
	Strengths   []string          `gorm:"serializer:json"`
	Track       string
	CompletedAt time.Time
}

// Opportunity is a training, job or event people sign up for.
type Opportunity struct {
	ID             int64
	Key            *string // stable id for demo and imported rows
	Kind           string
	Track          string
	Governorate    string
	Title          map[string]string `gorm:"serializer:json"`
	Description    map[string]string `gorm:"serializer:json"`
	StartsAt       time.Time
	SignupDeadline *time.Time
	Capacity       int
	Demo           bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Signup is a contact's place (or waitlist place) for an opportunity.
type Signup struct {
	ID            int64
	ContactID     int64
	OpportunityID int64
	Status        string
	CreatedAt     time.Time
	UpdatedAt     time.Time // when the status last changed: the waiting list's order
	// Position is the place on the waiting list (1 is next), filled by
	// ConversationData for waitlisted sign-ups; not stored.
	Position int `gorm:"-"`
}

// Outbox statuses.
const (
	OutboxPending   = "pending"
	OutboxSending   = "sending"
	OutboxSent      = "sent"
	OutboxDelivered = "delivered"
	OutboxFailed    = "failed"
	OutboxSkipped   = "skipped"
	OutboxCancelled = "cancelled"
)

// Outbox priorities: lower goes first.
const (
	PriorityReply  = 0  // a person is chatting right now
	PriorityNotice = 10 // transactional: orders, reminders
	PriorityBulk   = 20 // broadcasts
)

// OutboxMessage is one message waiting to be sent, or its record once sent.
type OutboxMessage struct {
	ID            int64
	ContactID     int64
	Channel       string
	Recipient     string
	Language      string
	Priority      int
	Payload       string // a vocab.Reply as JSON, or "" when Body is set
	Body          string // a ready text (broadcasts written by staff)
	Always        bool   // send even after opt-out or erasure (the confirmation of that act)
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    *time.Time
	ClaimedBy     *string // the dispatcher instance holding the row while it is being sent
	ProviderID    string
	Error         string
	DedupeKey     string
	BroadcastID   *int64 // the staff broadcast this row belongs to, if any
	// Kind is what the message is (reach.Kind: reply, broadcast, reminder…),
	// which decides its WhatsApp template outside the window; set from the
	// dedupe key when enqueued without one (MessageKind reads old rows so).
	Kind string
	// Template is the WhatsApp template the message last went as ("": free-form).
	Template  string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    *time.Time
}

// TableName keeps the table's name short.
func (OutboxMessage) TableName() string { return "outbox" }

// MessageKind is the row's kind: its own, or for a row queued before kinds
// were kept, the one its dedupe key names.
func (m OutboxMessage) MessageKind() reach.Kind {
	if m.Kind != "" {
		return reach.Kind(m.Kind)
	}
	return reach.KindOfKey(m.DedupeKey)
}

// Reply decodes the conversation reply the message carries; nil when it
// carries a ready text (Body) instead.
func (m OutboxMessage) Reply() (*vocab.Reply, error) {
	if m.Payload == "" {
		return nil, nil
	}
	var r vocab.Reply
	if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
		return nil, fmt.Errorf("store: outbox message %d: unreadable reply: %w", m.ID, err)
	}
	return &r, nil
}

// InboundMessage records a provider message id already handled, with what
// the person wrote (kept TAMKEEN_MESSAGE_RETENTION, blanked on erasure).
type InboundMessage struct {
	ID         int64
	Channel    string
	ExternalID string
	ContactID  int64
	ReceivedAt time.Time
	Kind       string  // InboundText, InboundButton…, or what could not be read (bot.Media*)
	Text       *string // what was typed (a tapped button's payload); nil once forgotten
}

// What an inbound message was, beside the media kinds of unreadable ones.
const (
	InboundText    = "text"    // typed
	InboundButton  = "button"  // a tapped button; Text is its payload
	InboundEdited  = "edited"  // an edit of an earlier message; Text is the new text
	InboundCard    = "card"    // a contact card the person shared (its number is not kept here)
	InboundUnknown = "unknown" // anything else
)

// MaxInboundText bounds the characters kept of one message (Telegram's and
// WhatsApp's own limit is 4,096).
const MaxInboundText = 4096
