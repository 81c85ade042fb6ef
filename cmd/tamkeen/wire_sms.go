package main

import (
	"context"

	"github.com/tamkeen/tamkeen/bot/sms"
)

// wireSMS switches the SMS channel on when the Twilio credentials are set;
// Twilio's signed webhooks bring inbound texts and delivery reports.
func wireSMS(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	if !cfg.Twilio.Enabled() {
		w.app.log.Info("channel off: sms", "why", "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID) are not set")
		return nil
	}
	ch, err := sms.New(cfg.Twilio, sms.Options{
		PublicURL: cfg.PublicURL, Renderer: w.app.renderer, Pages: w.app.store, Log: w.app.log,
	}, sms.WebhookOptions{
		AuthToken: cfg.Twilio.AuthToken, PublicURL: cfg.PublicURL, Region: cfg.DefaultRegion,
		Inbox: w.inbox, Receipts: w.inbox, Log: w.app.log,
	})
	if err != nil {
		return err
	}
	w.addChannel(ch)
	from := cfg.Twilio.From
	if cfg.Twilio.MessagingServiceSID != "" {
		from = cfg.Twilio.MessagingServiceSID
	}
	w.app.log.Info("channel on: sms", "from", from, "rate_segments_per_second", cfg.Twilio.Rate,
		"inbound", cfg.PublicURL+sms.InboundPath, "status", cfg.PublicURL+sms.StatusPath, "api", cfg.Twilio.APIBaseURL)
	return nil
}
