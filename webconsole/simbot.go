package webconsole

import (
	"context"
	"fmt"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/web"
	"github.com/tamkeen/tamkeen/store"
)

// historyLimit is how many of the latest messages the simulator shows.
const historyLimit = 200

// Simulator is the bot simulator's person: what staff say goes through the
// web channel to the inbox, and the conversation is read back from the
// messages the dispatcher "sent" on that channel.
type Simulator struct {
	store    *store.Store
	inbox    bot.Handler
	renderer *bot.Renderer
	freed    func() // a reset gave up places: promote the people waiting
}

// NewSimulator returns a simulator handing inputs to h and rendering with r.
func NewSimulator(s *store.Store, h bot.Handler, r *bot.Renderer) *Simulator {
	return &Simulator{store: s, inbox: h, renderer: r}
}

// OnPlacesFreed sets what to call after a reset freed the places the
// simulated person held (the waitlist promotion); nil for nothing.
func (s *Simulator) OnPlacesFreed(fn func()) *Simulator {
	s.freed = fn
	return s
}

// Say hands one message from simulator session id to the inbox: typed text,
// or the payload of a tapped option.
func (s *Simulator) Say(ctx context.Context, id, text, payload string) error {
	in, err := web.Input(id, text, payload)
	if err != nil {
		return err
	}
	if _, err := s.inbox.Handle(ctx, in); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	return nil
}

// SimMessage is one message the bot sent, rendered.
type SimMessage struct {
	ID      int64
	Text    string
	Options []bot.Option
}

// Conversation renders the messages sent to simulator session id, oldest first.
func (s *Simulator) Conversation(ctx context.Context, id string) ([]SimMessage, error) {
	rows, err := s.store.ConversationMessages(ctx, web.Channel, web.Address(id), historyLimit)
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	out := make([]SimMessage, 0, len(rows))
	for _, row := range rows {
		m := SimMessage{ID: row.ID, Text: row.Body}
		r, err := row.Reply()
		if err != nil {
			return nil, fmt.Errorf("simulator: %w", err)
		}
		if r != nil {
			msg, err := s.renderer.Render(row.Language, *r, false)
			if err != nil {
				return nil, fmt.Errorf("simulator: message %d: %w", row.ID, err)
			}
			m.Text, m.Options = msg.Text, msg.Options
		}
		out = append(out, m)
	}
	return out, nil
}

// Reset forgets simulator session id's person, as "delete my data" would,
// and frees any place it held; the next id starts a new person.
func (s *Simulator) Reset(ctx context.Context, id string) error {
	found, err := s.store.EraseWebSession(ctx, id)
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	if found && s.freed != nil {
		s.freed()
	}
	return nil
}
