package main

import (
	"context"

	"github.com/tamkeen/tamkeen/bot/telegram"
)

// wireTelegram switches the Telegram channel on when its token is set:
// updates come by long polling (one process) or by webhook (any number of
// replicas behind a load balancer).
func wireTelegram(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	if !cfg.Telegram.Enabled() {
		w.app.log.Info("channel off: telegram", "why", "TELEGRAM_BOT_TOKEN is not set")
		return nil
	}
	w.addChannel(telegram.New(telegram.Config{
		Token:         cfg.Telegram.Token,
		APIEndpoint:   cfg.Telegram.APIEndpoint,
		Rate:          cfg.Telegram.Rate,
		Mode:          cfg.Telegram.Mode,
		WebhookURL:    cfg.PublicURL + telegram.WebhookPath,
		WebhookSecret: cfg.Telegram.WebhookSecret,
		DefaultRegion: cfg.DefaultRegion,
	}, w.app.renderer, w.inbox, w.app.clock, w.app.log))
	w.app.log.Info("channel on: telegram", "mode", cfg.Telegram.Mode, "rate", cfg.Telegram.Rate)
	return nil
}
