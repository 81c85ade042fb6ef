package telegram

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/vocab"
)

// answerTimeout bounds answerCallbackQuery: the spinner on the person's
// button stops when it is answered.
const answerTimeout = 5 * time.Second

// commands map the bot's menu commands to the words flows understands.
var commands = map[string]string{
	"start": "/start", "menu": "menu", "help": "/help", "language": "/language", "stop": "/stop",
}

// HandleUpdate handles one update completely: when it returns nil, what the
// update asks for is stored (and its replies are in the outbox), so its
// update_id may be confirmed to Telegram. Updates of one chat are handled
// one at a time. Handling the same update again does nothing new.
//
// An update whose handling panics (a malformed update the code or a library
// cannot read) is an error, logged with its id; after maxUpdatePanics
// attempts it is skipped (nil), so neither the poller nor Telegram's webhook
// retries are stuck behind it for ever.
func (c *Bot) HandleUpdate(ctx context.Context, u tgbotapi.Update) error {
	err := c.handleRecovering(ctx, u)
	var pe *panicError
	if !errors.As(err, &pe) {
		return err
	}
	n := c.panics.add(u.UpdateID)
	if n >= maxUpdatePanics {
		c.panics.forget(u.UpdateID)
		c.log.Error("telegram: update skipped: it failed every time", "update_id", u.UpdateID, "attempts", n, "panic", pe.value)
		return nil
	}
	c.log.Error("telegram: update panicked", "update_id", u.UpdateID, "attempt", n, "panic", pe.value, "stack", pe.stack)
	return err
}

// maxUpdatePanics is how many times an update may panic before it is skipped.
const maxUpdatePanics = 3

// panicError is a panic met while handling one update.
type panicError struct {
	value any
	stack string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("telegram: update handling panicked: %v", e.value)
}

func (c *Bot) handleRecovering(ctx context.Context, u tgbotapi.Update) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: string(debug.Stack())}
		}
	}()
	return c.handleUpdate(ctx, u)
}

// panicCounts counts panics per update id; it forgets the oldest when full.
type panicCounts struct {
	mu    sync.Mutex
	count map[int]int
	order []int
}

func (p *panicCounts) add(id int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count == nil {
		p.count = map[int]int{}
	}
	if _, ok := p.count[id]; !ok {
		if len(p.order) >= 1000 {
			delete(p.count, p.order[0])
			p.order = p.order[1:]
		}
		p.order = append(p.order, id)
	}
	p.count[id]++
	return p.count[id]
}

func (p *panicCounts) forget(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.count, id)
	for i, o := range p.order {
		if o == id {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

func (c *Bot) handleUpdate(ctx context.Context, u tgbotapi.Update) error {
	chat := chatOf(u)
	if chat == 0 {
		c.log.Debug("telegram: update ignored (not from a private chat)", "update_id", u.UpdateID)
		if u.CallbackQuery != nil {
			c.answer(ctx, u.CallbackQuery.ID)
		}
		return nil
	}
	if u.CallbackQuery != nil {
		// Stop the spinner first, whatever the button (stale and unknown ones
		// too), before waiting for the chat's turn.
		c.answer(ctx, u.CallbackQuery.ID)
	}
	in, ok := c.inputOf(u, chat)
	if !ok {
		return nil
	}
	unlock, err := c.lockChat(ctx, chat)
	if err != nil {
		return err
	}
	defer unlock()
	// No language hint from the Telegram app: many Arabic speakers run their
	// phone in English, so the person chooses on the first screen.
	if _, err := c.inbox.Handle(ctx, in); err != nil {
		return fmt.Errorf("telegram: update %s: %w", in.ExternalID, err)
	}
	return nil
}

// inputOf turns an update from a private chat into what the inbox takes;
// false for an update that means nothing (a chat member status other than
// member, kicked or left).
func (c *Bot) inputOf(u tgbotapi.Update, chat int64) (bot.Input, bool) {
	in := bot.Input{Channel: bot.Telegram, ExternalID: strconv.Itoa(u.UpdateID), From: vocab.Address{TelegramChatID: chat}}
	switch {
	case u.CallbackQuery != nil:
		in.Payload = u.CallbackQuery.Data
	case u.MyChatMember != nil:
		switch u.MyChatMember.NewChatMember.Status {
		case "kicked", "left":
			in.Kind = bot.KindBlocked
		case "member":
			in.Kind = bot.KindUnblocked
		default:
			return in, false
		}
	case u.EditedMessage != nil:
		in.Kind = bot.KindEdited
		in.Text = u.EditedMessage.Text // not read as an answer; kept for staff
	case u.Message != nil && u.Message.Contact != nil:
		in.Kind = bot.KindSharedContact
		in.Contact = c.card(u.Message)
	case u.Message != nil && u.Message.Text != "":
		in.Text = commandText(u.Message)
	case u.Message != nil:
		// A photo, sticker, voice note, location, file…
		in.Kind, in.Media = bot.KindUnreadable, mediaOf(u.Message)
	default:
		return in, false
	}
	return in, true
}

// chatOf is the private chat an update belongs to (0 for none).
func chatOf(u tgbotapi.Update) int64 {
	var ch *tgbotapi.Chat
	switch {
	case u.Message != nil:
		ch = u.Message.Chat
	case u.EditedMessage != nil:
		ch = u.EditedMessage.Chat
	case u.CallbackQuery != nil:
		if u.CallbackQuery.Message != nil {
			ch = u.CallbackQuery.Message.Chat
		} else if u.CallbackQuery.From != nil {
			return u.CallbackQuery.From.ID // a button under an inline-mode message: the person's own chat
		}
	case u.MyChatMember != nil:
		ch = &u.MyChatMember.Chat
	}
	if ch == nil || ch.Type != "private" {
		return 0
	}
	return ch.ID
}

// commandText turns "/start payload" or "/help@bot" into the words flows
// knows; other text passes as it is. The command is read from the text
// itself, not with the library's Message.Command, which slices the text by
// the entity's length and panics when a sender makes that length 0 or too long.
func commandText(m *tgbotapi.Message) string {
	if len(m.Entities) == 0 || m.Entities[0].Type != "bot_command" || m.Entities[0].Offset != 0 || !strings.HasPrefix(m.Text, "/") {
		return m.Text
	}
	name, _, _ := strings.Cut(m.Text[1:], " ")
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, "\n")
	if w, ok := commands[name]; ok {
		return w // a deep-link payload after /start is not used yet
	}
	return m.Text
}

// answer acknowledges a tapped button. A failure is only logged: Telegram
// refuses a second answer to the same query (after a re-read), and the tap
// itself is handled anyway.
func (c *Bot) answer(ctx context.Context, queryID string) {
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	if _, err := c.client(ctx).Request(tgbotapi.NewCallback(queryID, "")); err != nil {
		c.log.Debug("telegram: answerCallbackQuery failed", "err", err)
	}
}

// card reads a shared contact card. Telegram vouches for the number only
// when the card is the sender's own account; Telegram sends it as digits
// that may lack the "+" of the country code.
func (c *Bot) card(m *tgbotapi.Message) *bot.Contact {
	ct := m.Contact
	card := &bot.Contact{Name: strings.TrimSpace(ct.FirstName + " " + ct.LastName)}
	card.Own = m.From != nil && ct.UserID != 0 && ct.UserID == m.From.ID
	e164, err := phone.Normalize(ct.PhoneNumber, c.cfg.DefaultRegion)
	if err != nil && !strings.HasPrefix(ct.PhoneNumber, "+") {
		e164, err = phone.Normalize("+"+ct.PhoneNumber, c.cfg.DefaultRegion)
	}
	if err == nil {
		card.Phone = e164
	}
	return card
}

// mediaOf names what an unreadable message carries.
func mediaOf(m *tgbotapi.Message) string {
	switch {
	case len(m.Photo) > 0:
		return bot.MediaPhoto
	case m.Voice != nil, m.Audio != nil:
		return bot.MediaVoice
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		return bot.MediaVideo
	case m.Document != nil:
		return bot.MediaDocument
	case m.Location != nil, m.Venue != nil:
		return bot.MediaLocation
	case m.Sticker != nil:
		return bot.MediaSticker
	}
	return bot.MediaOther
}
