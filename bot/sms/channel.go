package sms

import (
	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/config"
)

// Channel is the SMS channel whole: the sender and Twilio's two signed webhooks.
type Channel struct {
	*Sender
	hooks *Webhooks
}

var _ bot.Channel = (*Channel)(nil)

// New returns the SMS channel for the Twilio account in cfg.
func New(cfg config.Twilio, so Options, wo WebhookOptions) (*Channel, error) {
	s, err := NewSender(cfg, so)
	if err != nil {
		return nil, err
	}
	wh, err := NewWebhooks(wo)
	if err != nil {
		return nil, err
	}
	return &Channel{Sender: s, hooks: wh}, nil
}

// Routes are the inbound texts and the delivery reports, both signed by Twilio.
func (c *Channel) Routes() []bot.Route {
	return []bot.Route{
		{Pattern: "POST " + InboundPath, Name: "twilio-sms", Handler: c.hooks.Inbound()},
		{Pattern: "POST " + StatusPath, Name: "twilio-status", Handler: c.hooks.Status()},
	}
}

// Jobs: none; Twilio calls us.
func (c *Channel) Jobs() []bot.Job { return nil }
