package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/vocab"
)

// WhatsApp knows a person by their business-scoped user id ("BSUID"), by
// their number (wa_id), or by both. A number is the same person as that
// number's SMS contact; a user id alone is a WhatsApp-only person until
// their number shows (WhatsApp's webhook carries it, or they share it),
// and then they are one person with their SMS record.

// joinWhatsApp makes one person of what a WhatsApp message says about its
// sender when it names both their user id and their number, each found
// (or not) in out: the number's contact learns the user id, the user id's
// contact learns the number, or, when the two are different people so far
// (someone known only by user id now shows the number of an SMS contact),
// they become one, as when a Telegram chat shares its number (LinkPhone).
// A number that already belongs to another WhatsApp user id stays with
// it; the new user id then gets a contact of its own.
func (tx *Tx) joinWhatsApp(addrs []vocab.Address, langs []string, out map[string]*Contact) error {
	for i, a := range addrs {
		if a.TelegramChatID != 0 || a.WhatsAppID == "" || a.Phone == "" {
			continue
		}
		idKey, phoneKey := vocab.Address{WhatsAppID: a.WhatsAppID}.Key(), vocab.Address{Phone: a.Phone}.Key()
		byID, byPhone := out[idKey], out[phoneKey]
		switch {
		case byID == byPhone: // both nil (new), or one person already
			continue
		case byID == nil:
			if byPhone.WhatsAppID != nil {
				continue
			}
			err := tx.db.Exec("UPDATE contacts SET whatsapp_id = ?, updated_at = ? WHERE id = ?", a.WhatsAppID, tx.store.now(), byPhone.ID).Error
			if err != nil {
				return fmt.Errorf("store: give contact %d its whatsapp user id: %w", byPhone.ID, err)
			}
			id := a.WhatsAppID
			byPhone.WhatsAppID = &id
			out[idKey] = byPhone
		case byID.Phone != nil:
			// The user id's contact has a number already (it changed): it keeps it.
			continue
		default:
			c, linked, err := tx.LinkPhone(vocab.Address{WhatsAppID: a.WhatsAppID}, a.Phone, langs[i])
			if err != nil {
				return err
			}
			if linked == LinkConflict {
				continue
			}
			for _, k := range c.addressKeys() {
				out[k] = c
			}
		}
	}
	return nil
}

// SetWhatsAppInbound records when people last wrote on WhatsApp (by contact
// id): the 24-hour window of free messages opens then. A time earlier than
// the one recorded changes nothing (a webhook delivered late). Writing
// proves WhatsApp reaches them: they are reachable again and their failure
// count restarts. One statement per distinct time (WhatsApp dates messages
// to the second, so a batch has few).
func (tx *Tx) SetWhatsAppInbound(at map[int64]time.Time) error {
	byTime := map[time.Time][]int64{}
	for id, t := range at {
		t = t.UTC()
		byTime[t] = append(byTime[t], id)
	}
	now := tx.store.now()
	for _, t := range slices.SortedFunc(maps.Keys(byTime), time.Time.Compare) {
		ids := byTime[t]
		slices.Sort(ids)
		err := tx.db.Exec(`UPDATE contacts SET whatsapp_last_inbound_at = ?, whatsapp_unreachable = FALSE, whatsapp_failures = 0, updated_at = ?
			WHERE id IN ? AND (whatsapp_last_inbound_at IS NULL OR whatsapp_last_inbound_at < ?)`, t, now, ids, t).Error
		if err != nil {
			return fmt.Errorf("store: record whatsapp inbound: %w", err)
		}
		// Their window is open again: what waited for it goes now. Found
		// through these people's rows (outbox_contact): SQLite otherwise
		// prefers outbox_lane for status and channel and reads every
		// pending WhatsApp row, a whole broadcast's, for each batch of
		// messages. "|| ''" keeps both databases off the indexes that
		// start with status or channel.
		err = tx.db.Exec(`UPDATE outbox SET next_attempt_at = ?, updated_at = ? WHERE contact_id IN ? AND status || '' = 'pending'
			AND channel || '' = ? AND error LIKE ?`, now, now, ids, channelWhatsApp, WaitingForWindowPrefix+"%").Error
		if err != nil {
			return fmt.Errorf("store: wake messages waiting for the whatsapp window: %w", err)
		}
	}
	return nil
}

// AddWhatsAppFailure counts one more undeliverable report in a row for a
// contact on WhatsApp and returns the count.
func (s *Store) AddWhatsAppFailure(ctx context.Context, contactID int64) (int, error) {
	var n []int
	err := s.db.WithContext(ctx).Raw(`UPDATE contacts SET whatsapp_failures = whatsapp_failures + 1, updated_at = ?
		WHERE id = ? RETURNING whatsapp_failures`, s.now(), contactID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count whatsapp failure of contact %d: %w", contactID, err)
	}
	if len(n) != 1 {
		return 0, fmt.Errorf("store: count whatsapp failure: no contact %d", contactID)
	}
	return n[0], nil
}

// ResetWhatsAppFailures restarts a contact's WhatsApp failure count (a message was delivered).
func (s *Store) ResetWhatsAppFailures(ctx context.Context, contactID int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE contacts SET whatsapp_failures = 0, updated_at = ? WHERE id = ? AND whatsapp_failures <> 0`,
		s.now(), contactID).Error
	if err != nil {
		return fmt.Errorf("store: reset whatsapp failures of contact %d: %w", contactID, err)
	}
	return nil
}
