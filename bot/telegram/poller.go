package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Poll reads updates by long polling until ctx ends. Each update is handled
// (stored) before its id is confirmed to Telegram by the next call's offset,
// so a crash re-reads what was in flight rather than losing it; re-read
// updates are recognised by their update_id. Failures back off, doubling up
// to MaxBackoff. Only one process may poll one bot.
func (c *Bot) Poll(ctx context.Context) error {
	if err := c.retry(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := c.client(ctx).Request(tgbotapi.DeleteWebhookConfig{})
		return err
	}); err != nil {
		return nil // ctx ended
	}
	c.log.Info("telegram: long polling started")
	offset := 0
	fails := 0
	for ctx.Err() == nil {
		updates, err := c.getUpdates(ctx, offset)
		if err == nil {
			for _, u := range updates {
				if u.unreadable != nil {
					// It will never read better: record it and move past it.
					c.log.Error("telegram: update skipped: it cannot be read", "update_id", u.UpdateID, "err", u.unreadable)
					offset = u.UpdateID + 1
					continue
				}
				if err = c.HandleUpdate(ctx, u.Update); err != nil {
					break // read it again after a pause; the offset stays before it
				}
				offset = u.UpdateID + 1
			}
		}
		if err == nil {
			fails = 0
			continue
		}
		if ctx.Err() != nil {
			break
		}
		fails++
		wait := c.backoff(fails)
		c.log.Warn("telegram: polling failed, waiting", "in", wait, "failures", fails, "err", err)
		if !sleep(ctx, wait) {
			break
		}
	}
	c.log.Info("telegram: long polling stopped")
	return nil
}

// polledUpdate is one update as read from getUpdates; unreadable says why
// it could not be decoded (only UpdateID is known then).
type polledUpdate struct {
	tgbotapi.Update
	unreadable error
}

// getUpdates reads the next updates. Each is decoded on its own (the
// library decodes the whole batch, so one update it cannot read would stop
// polling for good).
func (c *Bot) getUpdates(ctx context.Context, offset int) ([]polledUpdate, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PollTimeout+10*time.Second)
	defer cancel()
	resp, err := c.client(ctx).Request(tgbotapi.UpdateConfig{
		Offset: offset, Limit: 100, Timeout: int(c.cfg.PollTimeout / time.Second), AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: %w", err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: result is not a list: %w", err)
	}
	out := make([]polledUpdate, 0, len(raws))
	for _, raw := range raws {
		var p polledUpdate
		if err := json.Unmarshal(raw, &p.Update); err != nil {
			var id struct {
				UpdateID *int `json:"update_id"`
			}
			if json.Unmarshal(raw, &id) != nil || id.UpdateID == nil {
				return nil, fmt.Errorf("telegram: getUpdates: an update without an update_id: %w", err)
			}
			p = polledUpdate{Update: tgbotapi.Update{UpdateID: *id.UpdateID}, unreadable: err}
		}
		out = append(out, p)
	}
	return out, nil
}

// retry calls fn until it succeeds, backing off between failures; it fails
// only when ctx ends.
func (c *Bot) retry(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	for fails := 1; ; fails++ {
		callCtx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := fn(callCtx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := c.backoff(fails)
		var te *tgbotapi.Error
		if errors.As(err, &te) && te.RetryAfter > 0 {
			wait = max(wait, time.Duration(te.RetryAfter)*time.Second)
		}
		c.log.Warn("telegram: call failed, waiting", "call", what, "in", wait, "err", err)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

func (c *Bot) backoff(fails int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 1; i < fails && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.cfg.MaxBackoff)
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
