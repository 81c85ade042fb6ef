package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/tamkeen/tamkeen/vocab"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OrderStatuses are the statuses a marketplace may report for an order.
var OrderStatuses = []string{"placed", "accepted", "ready", "shipped", "delivered", "cancelled", "returned"}

// ValidOrderStatus reports whether s is one of OrderStatuses.
func ValidOrderStatus(s string) bool { return slices.Contains(OrderStatuses, s) }

// Order is a marketplace order of a producer family, at its latest known status.
type Order struct {
	ID           int64
	OrderRef     string // the marketplace's order id
	ContactID    int64  // the producer
	Status       string
	StatusAt     time.Time // when the marketplace says the status began
	Items        int
	Total        string // a decimal as the marketplace wrote it
	Currency     string
	CustomerArea string
	NoticeID     *int64 // the last notice queued for it
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// OrderEvent is one status event received for an order (kept for idempotency and audit).
type OrderEvent struct {
	ID         int64
	EventID    string
	OrderID    int64
	Status     string
	OccurredAt time.Time
	Outcome    string
	ReceivedAt time.Time
	// Fingerprint is a digest of what the event said, so that a reused
	// event id carrying something else is told apart from a repeat.
	Fingerprint string
}

// What an order event led to.
const (
	OrderNotified    = "notified"    // a notice was queued
	OrderMerged      = "merged"      // the order's notice, still waiting, now shows this status
	OrderStale       = "stale"       // older than the order's current status: recorded only
	OrderUnchanged   = "unchanged"   // the status the order already had
	OrderOptedOut    = "opted_out"   // the producer opted out or erased their data: recorded, not sent
	OrderUnreachable = "unreachable" // no channel reaches the producer
)

// OrderEventInput is a validated order event.
type OrderEventInput struct {
	EventID      string
	OrderRef     string
	Phone        string // E.164
	Status       string
	OccurredAt   time.Time
	Items        int // 0: not given
	Total        string
	Currency     string
	CustomerArea string
	Language     string // language of a producer met for the first time
}

// OrderEventResult says what recording an event did.
type OrderEventResult struct {
	Duplicate bool // the event id was seen before: nothing was done
	Conflict  bool // the event id was seen before with different content: nothing was done
	Created   bool // the producer was unknown and is now a contact
	ContactID int64
	Order     Order
	Outcome   string
	NoticeID  int64 // the outbox row queued or updated, when any
}

var errDuplicateEvent = errors.New("store: duplicate order event")

// RecordOrderEvent stores one order event and, when it moves the order
// forward, queues (or updates, while still waiting) the producer's notice on
// their preferred channel, all in one transaction. payload builds the
// notice (a vocab.Reply as JSON) from the contact and the order as they are
// after the event. A repeated event id changes nothing.
func (s *Store) RecordOrderEvent(ctx context.Context, ev OrderEventInput, payload func(c *Contact, o *Order) (string, error)) (OrderEventResult, error) {
	// A repeat of an event already stored is told at once, without the
	// write lock; an id not seen yet is decided again inside the
	// transaction, where a concurrent use of the same id is met.
	seen, ok, err := seenOrderEvent(s.db.WithContext(ctx), ev)
	if err != nil || ok {
		return seen, err
	}
	var res OrderEventResult
	err = s.InTx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.recordOrderEvent(ev, payload)
		if !errors.Is(err, errDuplicateEvent) {
			return err
		}
		// Another request stored this id while this one was under way
		// (PostgreSQL's insert waited for it to commit): a repeat, or the
		// same id for another event. Nothing of this one is kept.
		if seen, ok, err = seenOrderEvent(tx.db, ev); err == nil && !ok {
			err = errors.New("store: order event vanished")
		}
		if err != nil {
			return err
		}
		return errDuplicateEvent
	})
	if errors.Is(err, errDuplicateEvent) {
		return seen, nil
	}
	if err != nil {
		return OrderEventResult{}, fmt.Errorf("store: order event: %w", err)
	}
	return res, nil
}

// seenOrderEvent reads what was stored under ev's id: nothing (ok false), the
// same event (Duplicate), or another event (Conflict).
func seenOrderEvent(db *gorm.DB, ev OrderEventInput) (OrderEventResult, bool, error) {
	var seen []string
	if err := db.Model(&OrderEvent{}).Where("event_id = ?", ev.EventID).Pluck("fingerprint", &seen).Error; err != nil {
		return OrderEventResult{}, false, fmt.Errorf("store: find order event: %w", err)
	}
	if len(seen) == 0 {
		return OrderEventResult{}, false, nil
	}
	// Events stored before fingerprints were kept have none: a repeat.
	if seen[0] != "" && seen[0] != ev.fingerprint() {
		return OrderEventResult{Conflict: true}, true, nil
	}
	return OrderEventResult{Duplicate: true}, true, nil
}

func (tx *Tx) recordOrderEvent(ev OrderEventInput, payload func(c *Contact, o *Order) (string, error)) (OrderEventResult, error) {
	now := tx.store.now()
	at := ev.OccurredAt.UTC().Truncate(time.Microsecond)
	c, created, err := tx.orderProducer(ev.Phone, ev.Language)
	if err != nil {
		return OrderEventResult{}, err
	}
	if c.ErasedAt != nil {
		ev.CustomerArea = "" // nothing more is kept about a person who erased their data
	}
	res := OrderEventResult{ContactID: c.ID, Created: created}

	o, isNew, err := tx.orderForUpdate(ev, c.ID, at)
	if err != nil {
		return res, err
	}
	notify := false
	switch {
	case isNew:
		res.Outcome, notify = OrderNotified, true
	case at.Before(o.StatusAt):
		res.Outcome = OrderStale
	case ev.Status == o.Status:
		res.Outcome = OrderUnchanged
	default:
		o.Status, o.StatusAt = ev.Status, at
		res.Outcome, notify = OrderNotified, true
	}
	if res.Outcome != OrderStale {
		if ev.Items > 0 {
			o.Items = ev.Items
		}
		if ev.Total != "" {
			o.Total, o.Currency = ev.Total, ev.Currency
		}
		if ev.CustomerArea != "" {
			o.CustomerArea = ev.CustomerArea
		}
	}

	if notify {
		if ok, _ := c.Reachable("", false); !ok {
			res.Outcome, notify = OrderOptedOut, false
		}
	}
	if notify {
		body, err := payload(c, o)
		if err != nil {
			return res, err
		}
		id, merged, err := tx.orderNotice(c, o, body, "order:"+strconv.FormatInt(o.ID, 10)+":"+ev.EventID, now)
		if err != nil {
			return res, err
		}
		switch {
		case id == 0:
			res.Outcome = OrderUnreachable
		case merged:
			res.Outcome, res.NoticeID = OrderMerged, id
		default:
			res.NoticeID = id
			o.NoticeID = &id
		}
	}
	if err := tx.db.Save(o).Error; err != nil {
		return res, fmt.Errorf("save order: %w", err)
	}
	ins := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&OrderEvent{
		EventID: ev.EventID, OrderID: o.ID, Status: ev.Status, OccurredAt: at, Outcome: res.Outcome, ReceivedAt: now,
		Fingerprint: ev.fingerprint(),
	})
	if ins.Error != nil {
		return res, fmt.Errorf("record event: %w", ins.Error)
	}
	if ins.RowsAffected == 0 { // the same event, recorded a moment ago by another request
		return res, errDuplicateEvent
	}
	res.Order = *o
	return res, nil
}

// fingerprint digests what the event says (not how its JSON was written).
func (ev OrderEventInput) fingerprint() string {
	h := sha256.New()
	for _, f := range []string{ev.EventID, ev.OrderRef, ev.Phone, ev.Status, ev.OccurredAt.UTC().Format(time.RFC3339Nano),
		strconv.Itoa(ev.Items), ev.Total, ev.Currency, ev.CustomerArea} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// orderProducer is the contact an order event is for: the one with the
// number; else, when the number belonged to someone who erased their data,
// that erased contact (so nothing is sent to it until the person writes
// again, which makes a new contact); else a new contact.
func (tx *Tx) orderProducer(phone, lang string) (*Contact, bool, error) {
	c := &Contact{}
	q := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("phone = ?", phone).Limit(1).Find(c)
	if q.Error != nil {
		return nil, false, fmt.Errorf("store: find contact: %w", q.Error)
	}
	if q.RowsAffected == 1 {
		return c, false, nil
	}
	var erased []int64
	if err := tx.db.Raw("SELECT contact_id FROM erased_phones WHERE phone_hash = ?", phoneHash(phone)).Scan(&erased).Error; err != nil {
		return nil, false, fmt.Errorf("store: find erased number: %w", err)
	}
	if len(erased) == 1 {
		c = &Contact{}
		if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).First(c, erased[0]).Error; err != nil {
			return nil, false, fmt.Errorf("store: erased contact %d: %w", erased[0], err)
		}
		return c, false, nil
	}
	return tx.ContactByAddress(vocab.Address{Phone: phone}, lang)
}

// orderForUpdate finds the producer's order, locked, or makes it from ev.
func (tx *Tx) orderForUpdate(ev OrderEventInput, contactID int64, at time.Time) (*Order, bool, error) {
	find := func() (*Order, bool, error) {
		o := &Order{}
		q := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("order_ref = ? AND contact_id = ?", ev.OrderRef, contactID).Limit(1).Find(o)
		if q.Error != nil {
			return nil, false, fmt.Errorf("find order: %w", q.Error)
		}
		return o, q.RowsAffected == 1, nil
	}
	o, found, err := find()
	if err != nil || found {
		return o, false, err
	}
	o = &Order{OrderRef: ev.OrderRef, ContactID: contactID, Status: ev.Status, StatusAt: at}
	ins := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(o)
	if ins.Error != nil {
		return nil, false, fmt.Errorf("create order: %w", ins.Error)
	}
	if ins.RowsAffected == 1 {
		return o, true, nil
	}
	if o, found, err = find(); err != nil || !found { // created by a concurrent event a moment ago
		return o, false, errors.Join(err, errors.New("order vanished"))
	}
	return o, false, nil
}

// orderNotice updates the order's notice while it still waits to be sent
// (several quick events become one notice with the latest status), or
// queues a new one. id 0 means no channel reaches the producer.
func (tx *Tx) orderNotice(c *Contact, o *Order, payload, key string, now time.Time) (id int64, merged bool, err error) {
	if o.NoticeID != nil {
		upd := tx.db.Model(&OutboxMessage{}).Where("id = ? AND status = ?", *o.NoticeID, OutboxPending).
			Updates(map[string]any{"payload": payload, "updated_at": now})
		if upd.Error != nil {
			return 0, false, fmt.Errorf("merge notice: %w", upd.Error)
		}
		if upd.RowsAffected == 1 {
			return *o.NoticeID, true, nil
		}
	}
	channel, recipient, ok := c.PreferredChannel()
	if !ok {
		return 0, false, nil
	}
	lang := c.Language
	if lang == "" {
		lang = "ar"
	}
	m := &OutboxMessage{
		ContactID: c.ID, Channel: channel, Recipient: recipient, Language: lang,
		Priority: PriorityNotice, Payload: payload, NextAttemptAt: now,
		DedupeKey: key,
	}
	if _, err := tx.Enqueue(m); err != nil {
		return 0, false, err
	}
	return m.ID, false, nil
}

// RecentOrders lists a producer's orders, the latest status change first.
func (tx *Tx) RecentOrders(contactID int64, limit int) ([]Order, error) {
	var out []Order
	if err := tx.db.Where("contact_id = ?", contactID).Order("status_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: recent orders: %w", err)
	}
	return out, nil
}

// OrderEvents lists the events recorded for an order, oldest first (tests, staff).
func (s *Store) OrderEvents(ctx context.Context, orderRef string) ([]OrderEvent, error) {
	var out []OrderEvent
	err := s.db.WithContext(ctx).Joins("JOIN orders ON orders.id = order_events.order_id").
		Where("orders.order_ref = ?", orderRef).Order("order_events.id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: order events: %w", err)
	}
	return out, nil
}
