package telegram

import (
	"context"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// menuCommands are the commands shown in Telegram's menu, in order.
var menuCommands = []string{"start", "menu", "help", "language", "stop"}

// SetCommands sets the command menu in every language: Arabic as the
// default for everyone, and each language for apps set to it.
func (c *Bot) SetCommands(ctx context.Context) error {
	for _, lang := range append([]string{""}, c.renderer.Bundle().Languages()...) {
		textLang := lang
		if textLang == "" {
			textLang = c.renderer.Bundle().Languages()[0]
		}
		cmds := make([]tgbotapi.BotCommand, 0, len(menuCommands))
		for _, name := range menuCommands {
			desc, err := c.renderer.Text(textLang, "telegram.command."+name, nil)
			if err != nil {
				return fmt.Errorf("telegram: command menu: %w", err)
			}
			cmds = append(cmds, tgbotapi.BotCommand{Command: name, Description: desc})
		}
		cfg := tgbotapi.NewSetMyCommands(cmds...)
		cfg.LanguageCode = lang
		err := c.retry(ctx, "setMyCommands", func(ctx context.Context) error {
			_, err := c.client(ctx).Request(cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("telegram: setMyCommands %q: %w", lang, err)
		}
	}
	return nil
}
