package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/clock"
)

// Poll reads updates by long polling until ctx ends. Each update is handled
// (stored) before its id is confirmed to Telegram by the next call's offset,
// so a crash re-reads what was in flight rather than losing it; re-read
// updates are recognised by their update_id. Failures back off, doubling up
// to MaxBackoff; the waits are on the Bot's clock. Only one process may
// poll one bot.
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
			var next int
			next, err = c.handleAll(ctx, updates)
			if next > offset {
				offset = next
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
		if clock.Sleep(ctx, c.clock, wait) != nil {
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
		if err := clock.Sleep(ctx, c.clock, wait); err != nil {
			return err
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

// handleAll handles the updates of one poll: each chat's in order, different
// chats at the same time (so that the inbox handles them together). It
// returns the offset to confirm: past every update handled, but not past
// the first one that failed (it and those after it are read again; those
// handled already are duplicates then).
func (c *Bot) handleAll(ctx context.Context, updates []polledUpdate) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	var chats []int64
	byChat := map[int64][]int{} // chat → indexes into updates, in order
	for i, u := range updates {
		chat := chatOf(u.Update)
		if _, ok := byChat[chat]; !ok {
			chats = append(chats, chat)
		}
		byChat[chat] = append(byChat[chat], i)
	}
	errs := make([]error, len(updates))
	var wg sync.WaitGroup
	for _, chat := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range byChat[chat] {
				if u := updates[i]; u.unreadable != nil {
					// It will never read better: record it and move past it.
					c.log.Error("telegram: update skipped: it cannot be read", "update_id", u.UpdateID, "err", u.unreadable)
					continue
				}
				if errs[i] = ctx.Err(); errs[i] != nil {
					return // stopping: what is not started is read again by the next poller
				}
				if errs[i] = c.HandleUpdate(ctx, updates[i].Update); errs[i] != nil {
					return // this chat's later updates wait for the next read
				}
			}
		}()
	}
	wg.Wait()
	// Confirm up to the first failure. An update left untried comes after a
	// failed one of its chat, so it is never confirmed either.
	offset := 0
	for i, u := range updates {
		if errs[i] != nil {
			return offset, errs[i]
		}
		if u.UpdateID+1 > offset {
			offset = u.UpdateID + 1
		}
	}
	return offset, nil
}
