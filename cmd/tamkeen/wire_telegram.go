package main

import "context"

// wireTelegram switches the Telegram channel on when its token is set.
func wireTelegram(ctx context.Context, w *wiring) error {
	if !w.app.cfg.Telegram.Enabled() {
		w.app.log.Info("channel off: telegram", "why", "TELEGRAM_BOT_TOKEN is not set")
		return nil
	}
	w.app.log.Warn("channel off: telegram", "why", "this build has no Telegram channel yet")
	return nil
}
