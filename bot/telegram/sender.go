package telegram

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/vocab"
)

// Telegram's limits on what one message may carry.
const (
	MaxTextUnits        = 4096 // UTF-16 code units of text, after HTML parsing
	MaxCallbackDataByte = 64
)

// sendTimeout bounds one call to Telegram.
const sendTimeout = 15 * time.Second

// keyShareContact labels the button that shares the person's own contact card.
const keyShareContact = "telegram.share_contact"

// Channel is "telegram".
func (c *Bot) Channel() string { return bot.Telegram }

// Limits are Telegram's: the configured rate overall and about one message a
// second to one chat. The dispatcher enforces them.
func (c *Bot) Limits() bot.Limits {
	return bot.Limits{PerSecond: c.cfg.Rate, PerRecipient: time.Second}
}

// Send delivers one message: its text in HTML mode (escaped), split on
// paragraph or line boundaries when it is too long, with the options as
// inline buttons under the last part. The id returned is "chat:message" of
// the last part. Errors are *bot.SendError.
func (c *Bot) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	chat, err := strconv.ParseInt(m.Recipient, 10, 64)
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("telegram: recipient is not a chat id: %w", err)}
	}
	text, markup, err := c.render(m)
	if err != nil {
		return "", &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("telegram: render: %w", err)}
	}
	parts := bot.Split(text, MaxTextUnits)
	id := ""
	for i, part := range parts {
		cfg := tgbotapi.NewMessage(chat, tgbotapi.EscapeText(tgbotapi.ModeHTML, part))
		cfg.ParseMode = tgbotapi.ModeHTML
		cfg.DisableWebPagePreview = true
		if i == len(parts)-1 && markup != nil {
			cfg.ReplyMarkup = markup
		}
		if id, err = c.sendPart(ctx, cfg); err != nil {
			return "", err
		}
	}
	return strconv.FormatInt(chat, 10) + ":" + id, nil
}

// sendPart sends one message and returns its message id. A 2xx answer whose
// body cannot be read is a send whose id is unknown (""): Telegram has the
// message, and sending it again would show it twice.
func (c *Bot) sendPart(ctx context.Context, cfg tgbotapi.MessageConfig) (string, error) {
	callCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	status := 0
	api := *c.client(callCtx)
	api.Client = sendDoer{ctxDoer: api.Client.(ctxDoer), status: &status}
	msg, err := api.Send(cfg)
	if err == nil {
		return strconv.Itoa(msg.MessageID), nil
	}
	if status >= 200 && status < 300 {
		c.log.Warn("telegram: message accepted but the answer was unreadable; recorded as sent without its id", "err", redact(err, c.cfg.Token))
		return "", nil
	}
	return "", classify(err)
}

// Cost is what m spends of TELEGRAM_RATE: one per message it is split into.
func (c *Bot) Cost(m bot.Outgoing) int {
	text, _, err := c.render(m)
	if err != nil {
		return 1
	}
	return len(bot.Split(text, MaxTextUnits))
}

// render returns the text to send and the keyboard to attach (nil for none).
func (c *Bot) render(m bot.Outgoing) (string, any, error) {
	if m.Reply == nil {
		return m.Body, nil, nil
	}
	msg, err := c.renderer.Render(m.Language, *m.Reply, false)
	if err != nil {
		return "", nil, err
	}
	switch {
	case len(msg.Options) > 0:
		if kb, ok := inlineKeyboard(msg.Options); ok {
			return msg.Text, kb, nil
		}
		// A payload too long for a button: offer numbered lines the person can type.
		c.log.Warn("telegram: option payload over 64 bytes, sending numbered lines", "key", m.Reply.Key)
		return bot.Lines(msg), nil, nil
	case m.Reply.Asks == vocab.AskContact:
		label, err := c.renderer.Text(m.Language, keyShareContact, nil)
		if err != nil {
			return "", nil, err
		}
		kb := tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact(label)))
		kb.OneTimeKeyboard = true
		return msg.Text, kb, nil
	case m.Reply.Settles:
		return msg.Text, tgbotapi.NewRemoveKeyboard(false), nil
	}
	return msg.Text, nil, nil
}

// inlineKeyboard lays options out as buttons carrying their payloads: two a
// row when every label is short, else one a row. false when a payload does
// not fit Telegram's 64 bytes.
func inlineKeyboard(opts []bot.Option) (tgbotapi.InlineKeyboardMarkup, bool) {
	perRow := 1
	if len(opts) > 3 {
		perRow = 2
		for _, o := range opts {
			if utf8.RuneCountInString(o.Label) > 16 {
				perRow = 1
				break
			}
		}
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for i, o := range opts {
		if o.Payload == "" || len(o.Payload) > MaxCallbackDataByte {
			return tgbotapi.InlineKeyboardMarkup{}, false
		}
		b := tgbotapi.NewInlineKeyboardButtonData(o.Label, o.Payload)
		if i%perRow == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], b)
	}
	return tgbotapi.NewInlineKeyboardMarkup(rows...), true
}
