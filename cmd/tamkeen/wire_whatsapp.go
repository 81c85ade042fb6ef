package main

import (
	"context"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
)

// wireWhatsApp switches the WhatsApp channel on when its four credentials
// are set: Meta verifies and then posts, signed, to /webhooks/whatsapp;
// replies, notices and broadcasts go through the Cloud API, as the
// approved templates of WHATSAPP_TEMPLATE_<KIND> outside the 24 hours
// after a person wrote.
func wireWhatsApp(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	if !cfg.WhatsApp.Enabled() {
		w.app.log.Info("channel off: whatsapp", "why", "WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN are not set")
		return nil
	}
	ch, err := whatsapp.New(cfg.WhatsApp, whatsapp.Options{Renderer: w.app.renderer, Log: w.app.log},
		whatsapp.WebhookOptions{Region: cfg.DefaultRegion, Inbox: w.inbox, Receipts: w.inbox, Log: w.app.log})
	if err != nil {
		return err
	}
	w.addChannel(ch)
	webhook := whatsapp.WebhookPath
	if cfg.PublicURL != "" {
		webhook = cfg.PublicURL + webhook
	}
	w.app.log.Info("channel on: whatsapp", "phone_number_id", cfg.WhatsApp.PhoneNumberID, "rate", cfg.WhatsApp.Rate,
		"webhook", webhook, "api", cfg.WhatsApp.APIBaseURL)
	return nil
}
