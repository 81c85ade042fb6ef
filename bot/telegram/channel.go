package telegram

import (
	"context"

	"github.com/tamkeen/tamkeen/bot"
)

var _ bot.Channel = (*Bot)(nil)

// Routes is the webhook in webhook mode; polling needs none.
func (c *Bot) Routes() []bot.Route {
	if c.cfg.Mode != ModeWebhook {
		return nil
	}
	return []bot.Route{{Pattern: "POST " + WebhookPath, Name: "telegram-webhook", Handler: c.WebhookHandler()}}
}

// Jobs set the bot's command menu, then either register the webhook or
// poll for updates. A menu that cannot be set is only logged: the bot works
// without it.
func (c *Bot) Jobs() []bot.Job {
	jobs := []bot.Job{{Name: "telegram-commands", Run: func(ctx context.Context) error {
		if err := c.SetCommands(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("telegram: command menu not set", "err", err)
		}
		return nil
	}}}
	if c.cfg.Mode == ModeWebhook {
		return append(jobs, bot.Job{Name: "telegram-webhook", Run: func(ctx context.Context) error {
			if err := c.SetWebhook(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		}})
	}
	return append(jobs, bot.Job{Name: "telegram-polling", Run: c.Poll})
}
