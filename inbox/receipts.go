package inbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/store"
)

// UnreachableAfter is how many failed deliveries in a row that say no
// handset answers (a dead, unknown or landline number; WhatsApp's 131026)
// mark a person unreachable on that channel.
const UnreachableAfter = 3

// HandleReceipt records a provider's report on a message we sent. Each
// message's outcome counts once: a report repeated by the provider, or
// replayed by anyone who captured it, finds the message no longer "sent"
// and changes nothing (three copies of one failure are one failure; an old
// opt-out does not opt out again someone who came back with START).
func (ib *Inbox) HandleReceipt(ctx context.Context, r bot.Receipt) error {
	row, err := ib.store.OutboxByProvider(ctx, r.Channel, r.ProviderID)
	if errors.Is(err, store.ErrNotFound) {
		ib.log.Debug("inbox: delivery report for a message we do not know", "channel", r.Channel, "provider_id", r.ProviderID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("inbox: delivery report: %w", err)
	}
	log := ib.log.With("channel", r.Channel, "provider_id", r.ProviderID, "outbox_id", row.ID, "contact", row.ContactID)
	switch r.Status {
	case bot.Delivered:
		changed, err := ib.store.MarkDelivered(ctx, row.ID)
		if err != nil || !changed {
			return err
		}
		if r.Channel == bot.WhatsApp {
			return ib.store.ResetWhatsAppFailures(ctx, row.ContactID)
		}
		return ib.store.ResetSMSFailures(ctx, row.ContactID)
	case bot.Undelivered:
	default: // still on its way: nothing to record beyond "sent"
		return nil
	}
	if r.Failure == bot.FailureWindowClosed && row.Template == "" {
		return ib.windowClosed(ctx, row, r)
	}
	changed, err := ib.store.MarkUndelivered(ctx, row.ID, r.Detail)
	if err != nil {
		return err
	}
	if !changed {
		log.Debug("inbox: repeated delivery report ignored", "detail", r.Detail)
		return nil
	}
	switch r.Failure {
	case bot.FailureOptedOut:
		log.Info("inbox: the carrier reports the number unsubscribed; opted out")
		return ib.store.MarkOptedOut(ctx, row.ContactID)
	case bot.FailureNoHandset:
		add := ib.store.AddSMSFailure
		if r.Channel == bot.WhatsApp {
			add = ib.store.AddWhatsAppFailure
		}
		n, err := add(ctx, row.ContactID)
		if err != nil {
			return err
		}
		if n >= UnreachableAfter {
			log.Info("inbox: unreachable after repeated failures", "failures", n, "detail", r.Detail)
			return ib.store.MarkUnreachable(ctx, row.ContactID, r.Channel, true)
		}
		log.Info("inbox: delivery failed", "failures", n, "detail", r.Detail)
		return nil
	case bot.FailureWindowClosed:
		// Refused for the window although it went as a template: nothing
		// else can carry it. Recorded as undelivered with its reason.
		log.Warn("inbox: a template refused for the 24-hour window", "detail", r.Detail)
		return nil
	}
	log.Info("inbox: delivery failed", "detail", r.Detail)
	return nil
}

// windowClosed handles a free message WhatsApp accepted and then refused
// with 131047: the person's window had closed when it was sent (recorded on
// them: later messages go as templates until they write), and the same
// message is queued again at once, to go as its template. A repeated status
// finds the row no longer sent under that id and changes nothing.
func (ib *Inbox) windowClosed(ctx context.Context, row *store.OutboxMessage, r bot.Receipt) error {
	sentAt := ib.clock.Now()
	if row.SentAt != nil {
		sentAt = *row.SentAt
	}
	// The mark first, so that the dispatcher never takes the row again as free.
	if err := ib.store.CloseWhatsAppWindow(ctx, row.ContactID, sentAt); err != nil {
		return err
	}
	queued, err := ib.store.ResendAfterWindowClosed(ctx, row.ID)
	if err != nil || !queued {
		return err
	}
	ib.log.Info("inbox: the 24-hour window had closed (131047); the message goes again as its template",
		"outbox_id", row.ID, "contact", row.ContactID, "detail", r.Detail)
	ib.notify()
	return nil
}
