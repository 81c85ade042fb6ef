package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SMSContact is the SMS channel's bookkeeping for one contact: delivery
// failures in a row (a dead number is marked unreachable after a few) and the
// pages of a long message still waiting for the person to ask for more.
type SMSContact struct {
	ContactID int64 `gorm:"primaryKey;autoIncrement:false"`
	Failures  int
	More      string // JSON list of ready page texts, "" for none
	UpdatedAt time.Time
}

// TableName is the table of SMSContact.
func (SMSContact) TableName() string { return "sms_contacts" }

// SetSMSMore keeps the pages of a long message still to send to a contact,
// replacing any earlier ones (nil pages clears them).
func (s *Store) SetSMSMore(ctx context.Context, contactID int64, pages []string) error {
	more := ""
	if len(pages) > 0 {
		b, err := json.Marshal(pages)
		if err != nil {
			return fmt.Errorf("store: encode sms pages: %w", err)
		}
		more = string(b)
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "contact_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"more", "updated_at"}),
	}).Create(&SMSContact{ContactID: contactID, More: more, UpdatedAt: s.now()}).Error
	if err != nil {
		return fmt.Errorf("store: save sms pages of contact %d: %w", contactID, err)
	}
	return nil
}

// SMSHeardFrom records that the number phone just wrote to us: it works, so
// it is reachable again and its failure count restarts. clearMore also drops
// pages waiting for "more" (the person moved on).
func (s *Store) SMSHeardFrom(ctx context.Context, phone string, clearMore bool) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		now := s.now()
		if err := db.Model(&Contact{}).Where("phone = ? AND sms_unreachable", phone).
			Updates(map[string]any{"sms_unreachable": false, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("store: sms reachable: %w", err)
		}
		fields := map[string]any{"failures": 0, "updated_at": now}
		if clearMore {
			fields["more"] = ""
		}
		if err := db.Model(&SMSContact{}).
			Where("contact_id IN (SELECT id FROM contacts WHERE phone = ?) AND (failures <> 0 OR more <> '')", phone).
			Updates(fields).Error; err != nil {
			return fmt.Errorf("store: sms heard from: %w", err)
		}
		return nil
	})
}

// MoreOutcome says what TakeSMSMore did.
type MoreOutcome int

// What asking for more led to.
const (
	MoreNone      MoreOutcome = iota // nothing was waiting: the message is an ordinary input
	MoreDuplicate                    // this inbound message was handled before
	MoreQueued                       // the next page was put in the outbox
)

// TakeSMSMore handles a request for the next page from the number phone, as
// inbound message externalID on channel: in one transaction it records the
// message id, takes the first waiting page and enqueues it as a reply. When
// no page waits nothing is recorded, and MoreNone is returned.
func (s *Store) TakeSMSMore(ctx context.Context, channel, phone, externalID string) (MoreOutcome, error) {
	out := MoreNone
	err := s.InTx(ctx, func(tx *Tx) error {
		c := &Contact{}
		q := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("phone = ?", phone).Limit(1).Find(c)
		if q.Error != nil {
			return fmt.Errorf("store: find contact: %w", q.Error)
		}
		if q.RowsAffected == 0 {
			return nil
		}
		var sc SMSContact
		q = tx.db.Where("contact_id = ?", c.ID).Limit(1).Find(&sc)
		if q.Error != nil {
			return fmt.Errorf("store: load sms pages: %w", q.Error)
		}
		var pages []string
		if sc.More != "" {
			if err := json.Unmarshal([]byte(sc.More), &pages); err != nil {
				pages = nil // unreadable: treat as nothing waiting
			}
		}
		if len(pages) == 0 {
			return nil
		}
		fresh, err := tx.ClaimInbound(channel, externalID, c.ID)
		if err != nil {
			return err
		}
		if !fresh {
			out = MoreDuplicate
			return nil
		}
		rest := ""
		if len(pages) > 1 {
			b, err := json.Marshal(pages[1:])
			if err != nil {
				return fmt.Errorf("store: encode sms pages: %w", err)
			}
			rest = string(b)
		}
		if err := tx.db.Model(&SMSContact{}).Where("contact_id = ?", c.ID).
			Updates(map[string]any{"more": rest, "updated_at": tx.store.now()}).Error; err != nil {
			return fmt.Errorf("store: save sms pages: %w", err)
		}
		if _, err := tx.Enqueue(&OutboxMessage{
			ContactID: c.ID, Channel: channel, Recipient: phone, Language: c.Language,
			Priority: PriorityReply, Body: pages[0], DedupeKey: "reply:" + channel + ":" + externalID + ":0",
		}); err != nil {
			return err
		}
		out = MoreQueued
		return nil
	})
	if err != nil {
		return MoreNone, fmt.Errorf("store: sms more: %w", err)
	}
	return out, nil
}

// OutboxByProvider finds the message a provider knows as providerID on channel.
func (s *Store) OutboxByProvider(ctx context.Context, channel, providerID string) (*OutboxMessage, error) {
	if providerID == "" {
		return nil, ErrNotFound
	}
	var m OutboxMessage
	q := s.db.WithContext(ctx).Where("channel = ? AND provider_id = ?", channel, providerID).Limit(1).Find(&m)
	if q.Error != nil {
		return nil, fmt.Errorf("store: outbox by provider id: %w", q.Error)
	}
	if q.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &m, nil
}

// MarkDelivered records the provider's report that a sent message arrived.
// It only moves a message forward: a late report never undoes a later one.
func (s *Store) MarkDelivered(ctx context.Context, id int64) (bool, error) {
	return s.report(ctx, id, map[string]any{"status": OutboxDelivered})
}

// MarkUndelivered records the provider's report that a sent message never
// arrived, with why.
func (s *Store) MarkUndelivered(ctx context.Context, id int64, reason string) (bool, error) {
	return s.report(ctx, id, map[string]any{"status": OutboxFailed, "error": truncate(reason)})
}

func (s *Store) report(ctx context.Context, id int64, fields map[string]any) (bool, error) {
	fields["updated_at"] = s.now()
	res := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxSent).Updates(fields)
	if res.Error != nil {
		return false, fmt.Errorf("store: delivery report for outbox %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// AddSMSFailure counts one more failed delivery to a contact's number in a
// row and returns the count.
func (s *Store) AddSMSFailure(ctx context.Context, contactID int64) (int, error) {
	var n []int
	err := s.db.WithContext(ctx).Raw(`INSERT INTO sms_contacts (contact_id, failures, more, updated_at) VALUES (?, 1, '', ?)
		ON CONFLICT (contact_id) DO UPDATE SET failures = sms_contacts.failures + 1, updated_at = excluded.updated_at
		RETURNING failures`, contactID, s.now()).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count sms failure of contact %d: %w", contactID, err)
	}
	if len(n) != 1 {
		return 0, errors.New("store: count sms failure: no row returned")
	}
	return n[0], nil
}

// ResetSMSFailures restarts the failure count of a contact's number (a message arrived).
func (s *Store) ResetSMSFailures(ctx context.Context, contactID int64) error {
	err := s.db.WithContext(ctx).Model(&SMSContact{}).Where("contact_id = ? AND failures <> 0", contactID).
		Updates(map[string]any{"failures": 0, "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("store: reset sms failures of contact %d: %w", contactID, err)
	}
	return nil
}
