// Package flows is the conversation: language, consent, registration,
// awareness, assessment, opportunities, producer corner, help, stop and
// delete-my-data. It is pure: given a contact's saved snapshot, one input and
// the time, it returns the replies to send and the records to save. It does
// no I/O and holds no words: replies are message keys resolved by locales.
package flows

import (
	"time"

	"github.com/tamkeen/tamkeen/vocab"
)

// Sign-up statuses.
const (
	SignupRegistered = "registered"
	SignupWaitlisted = "waitlisted"
	SignupCancelled  = "cancelled"
)

// Opportunity kinds.
const (
	KindTraining = "training"
	KindJob      = "job"
	KindEvent    = "event"
)

// Input is one thing a person sent: typed text, the payload of a button
// they tapped, or one of the few other things a channel can report.
type Input struct {
	Text    string
	Payload string
	// Unreadable: something the channel cannot read as text (a photo, a voice note).
	Unreadable bool
	// Edited: an edit of an earlier message (edits are not read).
	Edited bool
	// Contact: a contact card the person shared, and what became of it.
	Contact *SharedContact
}

// SharedContact is a contact card a person shared, as the inbox took it.
type SharedContact struct {
	Outcome ContactOutcome
	Name    string // the name on the card ("" for none)
}

// ContactOutcome is what became of a shared contact card's number.
type ContactOutcome string

// What a shared card's number led to.
const (
	ContactLinked   ContactOutcome = "linked"   // the number is now the person's
	ContactMerged   ContactOutcome = "merged"   // an earlier profile with this number joined this one
	ContactConflict ContactOutcome = "conflict" // the number belongs to another account: nothing changed
	ContactNotOwn   ContactOutcome = "not_own"  // someone else's card: nothing changed
	ContactInvalid  ContactOutcome = "invalid"  // no phone number could be read from it
)

// Profile is what the conversation knows about a person and may change.
type Profile struct {
	Language    string
	Name        string
	Governorate string
	ConsentAt   time.Time // zero: no consent given
	DeclinedAt  time.Time // when the privacy notice was last declined (zero: not since agreeing, or never)
	OptedOut    bool
	Track       string // the track the person works towards (her stated goal, else the one recommended)
}

// State is where a person is in the conversation; it survives restarts.
type State struct {
	Step    string            `json:"step,omitempty"`
	Args    map[string]string `json:"args,omitempty"`
	Answers map[string]string `json:"answers,omitempty"` // assessment in progress: question → option
	// Misses counts the person's latest answers in a row the bot did not
	// understand: at two it offers a person.
	Misses int `json:"misses,omitempty"`
}

// Opportunity is a training, job or event a person may sign up for.
type Opportunity struct {
	ID             int64
	Kind           string
	Track          string
	Governorate    string // "" means everywhere
	Title          map[string]string
	Description    map[string]string
	StartsAt       time.Time
	SignupDeadline time.Time // zero: until it starts
	Capacity       int       // 0: unlimited
	Registered     int       // current registered sign-ups
	Waiting        int       // current waitlisted sign-ups
}

// Open reports whether people may still sign up at now.
func (o Opportunity) Open(now time.Time) bool {
	deadline := o.SignupDeadline
	if deadline.IsZero() {
		deadline = o.StartsAt
	}
	return now.Before(deadline)
}

// Full reports whether every place is taken, or promised: a place freed
// while people wait goes to the first of them, never to a newcomer.
func (o Opportunity) Full() bool {
	return o.Capacity > 0 && (o.Registered >= o.Capacity || o.Waiting > 0)
}

// Signup is a person's sign-up for one opportunity.
type Signup struct {
	OpportunityID int64
	Status        string
	Position      int // on the waiting list: 1 is next; 0 when not waiting or not known
}

// Snapshot is everything the conversation may read for one turn.
type Snapshot struct {
	Channel       string // the channel the input came on: console, telegram, sms
	Profile       Profile
	State         State
	Opportunities []Opportunity // open ones, plus any the person has signed up for
	Signups       []Signup
	Orders        []Order // a producer's latest marketplace orders, latest first
	// Staff: a conversation with staff is open; free text goes to them.
	Staff bool
}

// Reply is one message to send; the format lives in package vocab, which
// the outbox and the channels read without importing the conversation.
type Reply = vocab.Reply

// Option is a choice offered with a reply (see vocab.Option).
type Option = vocab.Option

// AssessmentResult is a finished skills self-assessment.
type AssessmentResult struct {
	Answers   map[string]string
	Scores    map[string]int
	Strengths []string
	Track     string
}

// SignupChange sets the status of the person's sign-up for an opportunity.
type SignupChange struct {
	OpportunityID int64
	Status        string
	// ExpectRegistered is the registered count the decision was based on; the
	// store refuses the change when another sign-up got in first.
	ExpectRegistered int
}

// Result is what one turn produced.
type Result struct {
	Profile    Profile
	State      State
	Replies    []Reply
	Assessment *AssessmentResult
	Signups    []SignupChange
	Erase      bool // forget the person's personal data
	// OpenConversation: the person asked for staff; open a conversation
	// (unless one is open).
	OpenConversation bool
	// ForStaff: the input is a message for the open conversation's staff.
	ForStaff bool
}

// Values inside Reply.Data that the renderer resolves per language; the
// markers are defined in package vocab, these are shorthands for the flows.

// T is a catalog text used as a value.
func T(key string) map[string]any { return vocab.T(key) }

// L is a text stored per language (a title written by staff).
func L(byLang map[string]string) map[string]any { return vocab.L(byLang) }

// List is catalog texts joined the language's way.
func List(keys ...string) map[string]any { return vocab.List(keys...) }

// Date is a moment shown in the person's language and the service's time zone.
func Date(t time.Time) map[string]any { return vocab.Date(t) }

// TD is a catalog text with its own data (for example a plural count).
func TD(key string, data map[string]any) map[string]any { return vocab.TD(key, data) }

// Money is an amount in a currency, shown the way the language writes money.
func Money(amount, currency string) map[string]any { return vocab.Money(amount, currency) }
