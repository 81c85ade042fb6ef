package telegram

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
)

// classify turns what the library returned into the decision the dispatcher
// reads: Telegram's code says it, never a guess from the wording alone.
func classify(err error) error {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		// Network trouble, a timeout, or a body that is not Telegram's JSON (a proxy's 502 page).
		return &bot.SendError{Kind: bot.RetryLater, Err: fmt.Errorf("telegram: %w", err)}
	}
	e := fmt.Errorf("telegram: %d %s", te.Code, te.Message)
	switch {
	case te.Code == 429 || te.RetryAfter > 0:
		// Telegram does not say whether one chat or the whole bot went too
		// fast: the dispatcher reads it from what it sent to the chat just before.
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: time.Duration(te.RetryAfter) * time.Second, Scope: bot.ScopeUnknown, Err: e}
	case te.Code == 403:
		// Blocked by the user, user deactivated, kicked, or cannot initiate a conversation.
		return &bot.SendError{Kind: bot.Unreachable, Err: e}
	case te.Code == 401 || te.Code == 404:
		// A wrong token (401) or a wrong endpoint (404 for every method).
		return &bot.SendError{Kind: bot.BadConfig, Err: e}
	case te.Code == 400 && strings.Contains(strings.ToLower(te.Message), "chat not found"):
		return &bot.SendError{Kind: bot.Permanent, Err: e}
	case te.Code >= 400 && te.Code < 500:
		// Any other refused request (too long, bad markup) will be refused again.
		return &bot.SendError{Kind: bot.Permanent, Err: e}
	}
	return &bot.SendError{Kind: bot.RetryLater, Err: e}
}
