// Package web is the browser channel behind the staff console's bot
// simulator: staff type or tap as a beneficiary would, Input turns that into
// an input for the same inbox and flows, and the dispatcher "sends" the
// replies on the channel "web" (the outbox row is the record, which the
// console reads back and renders like any other channel's).
package web

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/vocab"
)

// Channel is the name of the browser channel on outbox rows and inputs.
const Channel = vocab.Web

// MaxTextRunes bounds one typed message; the rest is dropped.
const MaxTextRunes = 4096

// Sender accepts messages for the web channel: the browser reads them back
// from the outbox, so sending only confirms.
type Sender struct{}

// NewSender returns the web channel's sender.
func NewSender() *Sender { return &Sender{} }

// Channel is "web".
func (*Sender) Channel() string { return Channel }

var _ bot.Channel = (*Sender)(nil)

// Routes: none; the staff console serves the simulator's page.
func (*Sender) Routes() []bot.Route { return nil }

// Jobs: none.
func (*Sender) Jobs() []bot.Job { return nil }

// Send accepts m; its outbox row, marked sent, is what the browser shows.
func (*Sender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	return "web:" + strconv.FormatInt(m.ID, 10), nil
}

// Address is where simulator session id lives as a contact.
func Address(id string) vocab.Address { return vocab.Address{WebSession: id} }

// Input is what staff typed or tapped in simulator session id, as the inbox
// takes it: typed text, or the payload of a tapped option. An empty text
// opens the conversation as a first message does.
func Input(id, text, payload string) (bot.Input, error) {
	if id == "" {
		return bot.Input{}, errors.New("web: empty simulator id")
	}
	return bot.Input{Channel: Channel, From: Address(id), Text: clean(text), Payload: clean(payload)}, nil
}

// clean trims text and bounds its length, keeping whole characters.
func clean(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) <= MaxTextRunes {
		return s
	}
	return string([]rune(s)[:MaxTextRunes])
}
