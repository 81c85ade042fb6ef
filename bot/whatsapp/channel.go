// Package whatsapp is the WhatsApp channel over Meta's Cloud API: a small
// client on net/http (no SDK) that renders replies as reply buttons, lists
// or numbered lines within WhatsApp's limits and builds template messages;
// the webhook that Meta verifies and signs, turning messages into inputs
// (a tap carries its option's payload) and statuses into receipts; and the
// mapping of WhatsApp's error codes to what the dispatcher should do.
// whatsapptest is a strict fake Cloud API for tests and local runs.
package whatsapp

import (
	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/config"
)

// Channel is the WhatsApp channel whole: the sender and Meta's webhook.
type Channel struct {
	*Sender
	hooks *Webhooks
}

var _ bot.Channel = (*Channel)(nil)

// New returns the WhatsApp channel for the number in cfg. wo's secrets
// and number come from cfg.
func New(cfg config.WhatsApp, so Options, wo WebhookOptions) (*Channel, error) {
	s, err := NewSender(cfg, so)
	if err != nil {
		return nil, err
	}
	wo.AppSecret, wo.VerifyToken, wo.PhoneNumberID = cfg.AppSecret, cfg.VerifyToken, cfg.PhoneNumberID
	wh, err := NewWebhooks(wo)
	if err != nil {
		return nil, err
	}
	return &Channel{Sender: s, hooks: wh}, nil
}

// Routes are Meta's subscription check and its signed notifications.
func (c *Channel) Routes() []bot.Route {
	return []bot.Route{
		{Pattern: "GET " + WebhookPath, Name: "whatsapp-verify", Handler: c.hooks.Verify()},
		{Pattern: "POST " + WebhookPath, Name: "whatsapp-webhook", Handler: c.hooks.Receive()},
	}
}

// Jobs: none; Meta calls us.
func (c *Channel) Jobs() []bot.Job { return nil }
