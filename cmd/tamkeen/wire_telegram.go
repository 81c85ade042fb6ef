package main

import (
	"context"

	"github.com/tamkeen/tamkeen/bot/telegram"
)

// webhookPath is where Telegram posts updates in webhook mode.
const webhookPath = "/webhooks/telegram"

// wireTelegram switches the Telegram channel on when its token is set: its
// sender joins the dispatcher, and updates come by long polling (one
// process) or by webhook (any number of replicas behind a load balancer).
func wireTelegram(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	if !cfg.Telegram.Enabled() {
		w.app.log.Info("channel off: telegram", "why", "TELEGRAM_BOT_TOKEN is not set")
		return nil
	}
	tg := telegram.New(telegram.Config{
		Token:         cfg.Telegram.Token,
		APIEndpoint:   cfg.Telegram.APIEndpoint,
		Rate:          cfg.Telegram.Rate,
		WebhookURL:    cfg.PublicURL + webhookPath,
		WebhookSecret: cfg.Telegram.WebhookSecret,
		DefaultRegion: cfg.DefaultRegion,
	}, w.app.renderer, w.inbox, w.app.clock, w.app.log)
	w.senders = append(w.senders, tg)
	w.addJob("telegram-commands", func(ctx context.Context) error {
		if err := tg.SetCommands(ctx); err != nil && ctx.Err() == nil {
			w.app.log.Warn("telegram: command menu not set", "err", err)
		}
		return nil
	})
	switch cfg.Telegram.Mode {
	case "webhook":
		w.server.Handle("POST "+webhookPath, "telegram-webhook", tg.WebhookHandler())
		w.addJob("telegram-webhook", func(ctx context.Context) error {
			if err := tg.SetWebhook(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		})
	default:
		w.addJob("telegram-polling", tg.Poll)
	}
	w.app.log.Info("channel on: telegram", "mode", cfg.Telegram.Mode, "rate", cfg.Telegram.Rate)
	return nil
}
