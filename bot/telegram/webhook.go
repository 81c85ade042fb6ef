package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// SecretHeader carries the webhook's secret_token on every update Telegram posts.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// SetWebhook tells Telegram where to post updates, with the secret it must
// send back. It retries until it succeeds or ctx ends.
func (c *Bot) SetWebhook(ctx context.Context) error {
	params := tgbotapi.Params{"url": c.cfg.WebhookURL, "secret_token": c.cfg.WebhookSecret}
	if err := params.AddInterface("allowed_updates", allowedUpdates); err != nil {
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	// The library's WebhookConfig has no secret_token: the call is made by hand.
	err := c.retry(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := c.client(ctx).MakeRequest("setWebhook", params)
		return err
	})
	if err != nil {
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	c.log.Info("telegram: webhook set", "url", c.cfg.WebhookURL)
	return nil
}

// WebhookHandler receives updates Telegram posts. A request without the
// secret gets 401, a wrong one 403, and nothing is stored. An update is
// stored before 200 is answered (a few milliseconds); if storing fails the
// answer is 500 and Telegram posts the update again later.
func (c *Bot) WebhookHandler() http.Handler {
	secret := []byte(c.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := r.Header[http.CanonicalHeaderKey(SecretHeader)]
		switch {
		case !ok || len(got) == 0 || len(secret) == 0:
			http.Error(w, "missing secret token", http.StatusUnauthorized)
			return
		case subtle.ConstantTimeCompare([]byte(got[0]), secret) != 1:
			http.Error(w, "wrong secret token", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil {
			var id struct {
				UpdateID *int `json:"update_id"`
			}
			if json.Unmarshal(body, &id) == nil && id.UpdateID != nil {
				// Telegram's own update that the library cannot read: it will
				// never read better, so take it (200) rather than have it resent.
				c.log.Error("telegram: update skipped: it cannot be read", "update_id", *id.UpdateID, "err", err)
				w.WriteHeader(http.StatusOK)
				return
			}
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		if err := c.HandleUpdate(r.Context(), u); err != nil {
			c.log.Error("telegram: webhook update not stored", "update_id", u.UpdateID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
