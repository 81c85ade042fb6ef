package store

import (
	"context"
	"fmt"
	"github.com/tamkeen/tamkeen/vocab"
	"time"

	"gorm.io/gorm/clause"
)

// LinkOutcome says what linking a phone number to a chat did.
type LinkOutcome int

// What LinkPhone did.
const (
	LinkAlready  LinkOutcome = iota // the chat's contact already had this number: nothing changed
	LinkAdded                       // the number was written on the chat's contact
	LinkMerged                      // another contact (SMS) had the number: the two are now one
	LinkConflict                    // the number belongs to another chat of the same channel: nothing changed
)

// LinkTelegramPhone is LinkPhone for a Telegram chat.
func (tx *Tx) LinkTelegramPhone(chatID int64, phone, lang string) (*Contact, LinkOutcome, error) {
	return tx.LinkPhone(vocab.Address{TelegramChatID: chatID}, phone, lang)
}

// LinkPhone records that the person at addr (a Telegram chat, or a WhatsApp
// user id) owns phone (E.164, as the provider vouches: Telegram's own
// contact card, WhatsApp's webhook or its contact request). When another
// contact already has that number (the person wrote before by SMS), the two
// become one: the contact with the number keeps its id and takes the chat,
// the chat's conversation state, sign-ups, assessments, outbox and inbound
// records; the chat's old contact is left as an empty record pointing to it
// (merged_into). A number held by another chat of the same kind (another
// Telegram chat, another WhatsApp user id) is never taken over. lang is the
// language of a contact created for a new chat. The returned contact is the
// one the chat belongs to afterwards.
func (tx *Tx) LinkPhone(addr vocab.Address, phone, lang string) (*Contact, LinkOutcome, error) {
	if addr.TelegramChatID == 0 && addr.WhatsAppID == "" {
		return nil, 0, fmt.Errorf("store: link phone: %s is not a chat", addr.Key()[:1])
	}
	addr.Phone = "" // the chat alone: the number is what is being linked
	me, _, err := tx.ContactByAddress(addr, lang)
	if err != nil {
		return nil, 0, err
	}
	if me.Phone != nil && *me.Phone == phone {
		return me, LinkAlready, nil
	}
	other := &Contact{}
	q := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("phone = ?", phone).Limit(1).Find(other)
	if q.Error != nil {
		return nil, 0, fmt.Errorf("store: find contact by phone: %w", q.Error)
	}
	if q.RowsAffected == 0 {
		me.Phone = &phone
		if err := tx.SaveContact(me); err != nil {
			return nil, 0, err
		}
		return me, LinkAdded, nil
	}
	if (me.TelegramChatID != nil && other.TelegramChatID != nil) || (me.WhatsAppID != nil && other.WhatsAppID != nil) {
		return me, LinkConflict, nil
	}
	if err := tx.merge(me, other); err != nil {
		return nil, 0, fmt.Errorf("store: merge contact %d into %d: %w", me.ID, other.ID, err)
	}
	return other, LinkMerged, nil
}

// merge moves everything of from into into and leaves from empty. into
// takes the chats from has (the caller made sure into has none of the same kind).
func (tx *Tx) merge(from, into *Contact) error {
	now := tx.store.now()
	// Chat ids are unique: free them before giving them to the survivor.
	if err := tx.db.Exec(`UPDATE contacts SET telegram_chat_id = NULL, phone = NULL, console_user = NULL, web_session = NULL,
		whatsapp_id = NULL, whatsapp_last_inbound_at = NULL, name = '', consent_at = NULL, erased_at = ?, merged_into = ?, updated_at = ? WHERE id = ?`,
		now, into.ID, now, from.ID).Error; err != nil {
		return fmt.Errorf("empty old contact: %w", err)
	}
	if err := setNameWords(tx.db, from.ID, ""); err != nil {
		return err
	}
	if from.TelegramChatID != nil {
		into.TelegramChatID = from.TelegramChatID
		into.TelegramBlocked = from.TelegramBlocked
	}
	if from.WhatsAppID != nil {
		into.WhatsAppID = from.WhatsAppID
		into.WhatsAppUnreachable, into.WhatsAppFailures = from.WhatsAppUnreachable, from.WhatsAppFailures
	}
	into.WhatsAppLastInboundAt = latest(into.WhatsAppLastInboundAt, from.WhatsAppLastInboundAt)
	if from.Language != "" { // chosen just now, in the chat the person is using
		into.Language = from.Language
	}
	if into.Name == "" {
		into.Name = from.Name
	}
	if into.Governorate == "" {
		into.Governorate = from.Governorate
	}
	if into.Track == "" {
		into.Track = from.Track
	}
	into.ConsentAt = earliest(into.ConsentAt, from.ConsentAt)
	if into.OptedOutAt == nil { // a STOP said on either channel still holds
		into.OptedOutAt = from.OptedOutAt
	}
	if err := tx.SaveContact(into); err != nil {
		return err
	}
	if err := tx.mergeSignups(from.ID, into.ID, now); err != nil {
		return err
	}
	for _, table := range []string{"assessments", "outbox", "inbound_messages", "orders"} {
		if err := tx.db.Exec("UPDATE "+table+" SET contact_id = ? WHERE contact_id = ?", into.ID, from.ID).Error; err != nil {
			return fmt.Errorf("move %s: %w", table, err)
		}
	}
	if err := tx.mergeConversations(from.ID, into.ID); err != nil {
		return err
	}
	// The live conversation is the chat's: it replaces the older one.
	var st ConversationState
	q := tx.db.Where("contact_id = ?", from.ID).Limit(1).Find(&st)
	if q.Error != nil {
		return fmt.Errorf("load state: %w", q.Error)
	}
	if q.RowsAffected == 1 {
		if err := tx.SaveState(into.ID, SavedState{Step: st.Step, Data: st.Data}); err != nil {
			return err
		}
		if err := tx.db.Where("contact_id = ?", from.ID).Delete(&ConversationState{}).Error; err != nil {
			return fmt.Errorf("drop old state: %w", err)
		}
	}
	return nil
}

// mergeSignups moves sign-ups; where both had one for the same opportunity,
// the survivor keeps one row: an active status wins over a cancelled one.
func (tx *Tx) mergeSignups(from, into int64, now time.Time) error {
	var theirs, ours []Signup
	if err := tx.db.Where("contact_id = ?", from).Find(&theirs).Error; err != nil {
		return fmt.Errorf("load sign-ups: %w", err)
	}
	if len(theirs) == 0 {
		return nil
	}
	if err := tx.db.Where("contact_id = ?", into).Find(&ours).Error; err != nil {
		return fmt.Errorf("load sign-ups: %w", err)
	}
	have := map[int64]Signup{}
	for _, s := range ours {
		have[s.OpportunityID] = s
	}
	for _, s := range theirs {
		mine, dup := have[s.OpportunityID]
		if !dup {
			if err := tx.db.Exec("UPDATE signups SET contact_id = ?, updated_at = ? WHERE id = ?", into, now, s.ID).Error; err != nil {
				return fmt.Errorf("move sign-up: %w", err)
			}
			continue
		}
		if mine.Status == "cancelled" && s.Status != "cancelled" {
			if err := tx.db.Exec("UPDATE signups SET status = ?, updated_at = ? WHERE id = ?", s.Status, now, mine.ID).Error; err != nil {
				return fmt.Errorf("merge sign-up: %w", err)
			}
		}
		if err := tx.db.Exec("DELETE FROM signups WHERE id = ?", s.ID).Error; err != nil {
			return fmt.Errorf("drop duplicate sign-up: %w", err)
		}
	}
	return nil
}

func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.After(*b):
		return a
	}
	return b
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

// SetTelegramBlocked records that the person blocked (true) or unblocked the
// bot in a chat; false is returned when no contact has that chat.
func (s *Store) SetTelegramBlocked(ctx context.Context, chatID int64, blocked bool) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Contact{}).Where("telegram_chat_id = ?", chatID).
		Updates(map[string]any{"telegram_blocked": blocked, "updated_at": s.now()})
	if res.Error != nil {
		return false, fmt.Errorf("store: mark telegram chat blocked=%v: %w", blocked, res.Error)
	}
	return res.RowsAffected > 0, nil
}
