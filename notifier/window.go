package notifier

import (
	"context"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
)

// outsideWindow decides how a WhatsApp row goes when the person's 24-hour
// window is closed at now (reach.Choose): as its kind's approved template
// (the name returned), or by SMS when that reaches them for less or its
// kind has no template (the row moves there), or else it waits for them to
// write, counted and with why on the row. A row inside the window goes
// free-form: "" and nil.
func (d *Dispatcher) outsideWindow(ctx context.Context, cs *channelState, row store.OutboxMessage, c *store.Contact) (template string, res *store.OutboxResult) {
	now := d.clock.Now()
	kind := row.MessageKind()
	last := c.WhatsAppLastInboundAt
	if kind == reach.Reply && (last == nil || row.CreatedAt.After(*last)) {
		// A reply was queued when the person wrote: that opened the window,
		// even where the record no longer says so (the goodbye after "delete
		// my data", which blanks it).
		last = &row.CreatedAt
	}
	if open, _ := reach.WhatsAppWindow(last, c.WhatsAppWindowClosedAt, now); open {
		return "", nil
	}
	name, hasTemplate := "", false
	if t, ok := cs.sender.(bot.Templater); ok {
		name, hasTemplate = t.Template(string(kind))
	}
	person := reach.Person{WhatsApp: true, LastInbound: last, ClosedAt: c.WhatsAppWindowClosedAt}
	o := reach.Options{Channels: []string{bot.WhatsApp}, Template: func(reach.Kind) bool { return hasTemplate }, Prices: d.cfg.Prices}
	sms := d.byName[bot.SMS]
	if sms != nil && c.Phone != nil && *c.Phone != "" && d.smsAllowed(ctx, row) {
		if ok, _ := c.Reachable(bot.SMS, row.Always); ok {
			person.SMS = true
			o.Channels = append(o.Channels, bot.SMS)
			moved := row
			moved.Channel, moved.Recipient = bot.SMS, *c.Phone
			o.Segments = sms.cost(moved)
		}
	}
	choice, ok := reach.Choose(person, kind, now, o)
	switch {
	case ok && choice.Way == reach.WhatsAppTemplate:
		return name, nil
	case ok && choice.Way == reach.SMS:
		d.count(row.Channel, "moved_to_sms")
		d.log.Info("dispatcher: WhatsApp window closed; the message goes by SMS", "outbox_id", row.ID, "contact", row.ContactID, "kind", string(kind))
		return "", &store.OutboxResult{ID: row.ID, Status: store.OutboxPending, RetryAt: now, Released: true,
			Channel: bot.SMS, Recipient: *c.Phone, Error: "whatsapp window closed: moved to sms"}
	}
	d.count(row.Channel, "waiting_window")
	d.log.Warn("dispatcher: WhatsApp window closed, no template for this kind and no SMS: the message waits until the person writes",
		"outbox_id", row.ID, "contact", row.ContactID, "kind", string(kind))
	return "", &store.OutboxResult{ID: row.ID, Status: store.OutboxPending, RetryAt: now.Add(d.cfg.WindowWait), Released: true,
		Error: store.WaitingForWindowPrefix + ", no template for " + string(kind) + " and no sms"}
}

// smsAllowed says whether row may go by SMS instead: a broadcast only when
// staff let it use SMS.
func (d *Dispatcher) smsAllowed(ctx context.Context, row store.OutboxMessage) bool {
	if row.BroadcastID == nil {
		return true
	}
	b, err := d.store.Broadcast(ctx, *row.BroadcastID)
	if err != nil {
		d.log.Warn("dispatcher: could not read the broadcast's channels; not moving to sms", "broadcast", *row.BroadcastID, "err", err)
		return false
	}
	return slices.Contains(b.Channels, bot.SMS)
}

// windowClosed handles WhatsApp's 131047 answering a send: the person's
// window closed when we sent (recorded on them), and the same message goes
// again at once, now as its template (or as outsideWindow then decides).
func (d *Dispatcher) windowClosed(ctx context.Context, row store.OutboxMessage, sentAt time.Time, sendErr error) store.OutboxResult {
	log := d.log.With("outbox_id", row.ID, "contact", row.ContactID)
	if err := d.store.CloseWhatsAppWindow(ctx, row.ContactID, sentAt); err != nil {
		log.Error("dispatcher: could not record the closed WhatsApp window", "err", err)
	}
	log.Info("dispatcher: WhatsApp window closed (131047); sending again as a template", "err", sendErr)
	d.count(row.Channel, "window_closed")
	return store.OutboxResult{ID: row.ID, Status: store.OutboxPending, RetryAt: d.clock.Now(), Released: true, Error: store.WindowClosedError}
}
