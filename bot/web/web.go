// Package web is the browser channel behind the staff console's bot
// simulator: staff type or tap as a beneficiary would, their input goes
// through the same inbox and flows, the dispatcher "sends" the replies on the
// channel "web" (the outbox row is the record), and the conversation is read
// back from those rows and rendered like any other channel's.
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Channel is the name of the browser channel on outbox rows and inputs.
const Channel = vocab.Web

// UserPrefix starts the console-user address of every simulator contact.
const UserPrefix = store.WebUserPrefix

// MaxTextRunes bounds one typed message; the rest is dropped.
const MaxTextRunes = 4096

// historyLimit is how many of the latest messages a conversation shows.
const historyLimit = 200

// Sender accepts messages for the web channel: the browser reads them back
// from the outbox, so sending only confirms.
type Sender struct{}

// NewSender returns the web channel's sender.
func NewSender() *Sender { return &Sender{} }

// Channel is "web".
func (*Sender) Channel() string { return Channel }

// Send accepts m; its outbox row, marked sent, is what the browser shows.
func (*Sender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	return "web:" + strconv.FormatInt(m.ID, 10), nil
}

// Handler takes an input; inbox.Inbox fits.
type Handler interface {
	Handle(ctx context.Context, in bot.Input) (inbox.Outcome, error)
}

// Simulator is the web channel's inbound side and its conversation view.
type Simulator struct {
	store    *store.Store
	inbox    Handler
	renderer *bot.Renderer
	freed    func() // a reset gave up places: promote the people waiting
}

// OnPlacesFreed sets what to call after a reset freed the places the
// simulated person held (the waitlist promotion); nil for nothing.
func (s *Simulator) OnPlacesFreed(fn func()) *Simulator {
	s.freed = fn
	return s
}

// NewSimulator returns a simulator handing inputs to h and rendering with r.
func NewSimulator(s *store.Store, h Handler, r *bot.Renderer) *Simulator {
	return &Simulator{store: s, inbox: h, renderer: r}
}

// Address is where the simulator session id lives as a contact.
func Address(id string) vocab.Address { return vocab.Address{ConsoleUser: UserPrefix + id} }

// Say hands one message from simulator session id to the inbox: typed text,
// or the payload of a tapped option. An empty text opens the conversation as
// a first message does.
func (s *Simulator) Say(ctx context.Context, id, text, payload string) error {
	if id == "" {
		return fmt.Errorf("web: empty simulator id")
	}
	text = clean(text)
	payload = clean(payload)
	if _, err := s.inbox.Handle(ctx, bot.Input{Channel: Channel, From: Address(id), Text: text, Payload: payload}); err != nil {
		return fmt.Errorf("web: %w", err)
	}
	return nil
}

// Message is one message the bot sent, rendered.
type Message struct {
	ID      int64
	Text    string
	Options []bot.Option
}

// Conversation renders the messages sent to simulator session id, oldest first.
func (s *Simulator) Conversation(ctx context.Context, id string) ([]Message, error) {
	rows, err := s.store.ConversationMessages(ctx, Channel, UserPrefix+id, historyLimit)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	out := make([]Message, 0, len(rows))
	for _, row := range rows {
		m := Message{ID: row.ID, Text: row.Body}
		if row.Payload != "" {
			var r vocab.Reply
			if err := json.Unmarshal([]byte(row.Payload), &r); err != nil {
				return nil, fmt.Errorf("web: message %d: %w", row.ID, err)
			}
			msg, err := s.renderer.Render(row.Language, r, false)
			if err != nil {
				return nil, fmt.Errorf("web: message %d: %w", row.ID, err)
			}
			m.Text, m.Options = msg.Text, msg.Options
		}
		out = append(out, m)
	}
	return out, nil
}

// Reset forgets simulator session id's contact, as "delete my data" would,
// and frees any place it held; the next id starts a new person.
func (s *Simulator) Reset(ctx context.Context, id string) error {
	found, err := s.store.EraseConsoleUser(ctx, UserPrefix+id)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	if found && s.freed != nil {
		s.freed()
	}
	return nil
}

// clean trims text and bounds its length, keeping whole characters.
func clean(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) <= MaxTextRunes {
		return s
	}
	return string([]rune(s)[:MaxTextRunes])
}
