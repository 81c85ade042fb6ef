package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tamkeen/tamkeen/vocab"
)

// addressWhere returns the condition that finds the contact at a.
func addressWhere(a vocab.Address) (string, any, error) {
	switch {
	case a.TelegramChatID != 0:
		return "telegram_chat_id = ?", a.TelegramChatID, nil
	case a.WhatsAppID != "":
		return "whatsapp_id = ?", a.WhatsAppID, nil
	case a.Phone != "":
		return "phone = ?", a.Phone, nil
	case a.WebSession != "":
		return "web_session = ?", a.WebSession, nil
	case a.ConsoleUser != "":
		return "console_user = ?", a.ConsoleUser, nil
	}
	return "", nil, errors.New("store: empty address")
}

// ContactByAddress finds the contact at addr, creating it (with language
// lang) when there is none. created tells which happened. On PostgreSQL the
// row stays locked until the transaction ends, so one contact's messages are
// handled one at a time.
func (tx *Tx) ContactByAddress(addr vocab.Address, lang string) (c *Contact, created bool, err error) {
	cond, arg, err := addressWhere(addr)
	if err != nil {
		return nil, false, err
	}
	if addr.WhatsAppID != "" && addr.Phone != "" {
		// A user id with a number: the batch path joins the two.
		found, err := tx.ContactsByAddresses([]vocab.Address{addr}, []string{lang})
		if err != nil {
			return nil, false, err
		}
		c = found[addr.Key()]
		return c, c.New(), nil
	}
	c = &Contact{}
	q := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where(cond, arg).Limit(1).Find(c)
	if q.Error != nil {
		return nil, false, fmt.Errorf("store: find contact: %w", q.Error)
	}
	if q.RowsAffected == 1 {
		return c, false, nil
	}
	c = &Contact{Language: lang}
	switch {
	case addr.TelegramChatID != 0:
		c.TelegramChatID = &addr.TelegramChatID
	case addr.WhatsAppID != "":
		c.WhatsAppID = &addr.WhatsAppID
	case addr.Phone != "":
		c.Phone = &addr.Phone
	case addr.WebSession != "":
		c.WebSession = &addr.WebSession
	default:
		c.ConsoleUser = &addr.ConsoleUser
	}
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(c)
	if res.Error != nil {
		return nil, false, fmt.Errorf("store: create contact: %w", res.Error)
	}
	if res.RowsAffected == 0 { // created by a concurrent message a moment ago
		c = &Contact{}
		if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).Where(cond, arg).First(c).Error; err != nil {
			return nil, false, fmt.Errorf("store: find contact: %w", err)
		}
		return c, false, nil
	}
	return c, true, nil
}

// SaveContact writes every field of c, and the words its name is found by.
func (tx *Tx) SaveContact(c *Contact) error {
	if err := tx.db.Save(c).Error; err != nil {
		return fmt.Errorf("store: save contact %d: %w", c.ID, err)
	}
	name := c.Name
	if c.ErasedAt != nil {
		name = ""
	}
	return setNameWords(tx.db, c.ID, name)
}

// ClaimInbound records a provider message id; false means it was handled before.
func (tx *Tx) ClaimInbound(channel, externalID string, contactID int64) (bool, error) {
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&InboundMessage{
		Channel: channel, ExternalID: externalID, ContactID: contactID, ReceivedAt: tx.store.now(),
	})
	if res.Error != nil {
		return false, fmt.Errorf("store: record inbound: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// State returns the saved conversation state of a contact ("" for none).
func (tx *Tx) State(contactID int64) (string, error) {
	var st ConversationState
	q := tx.db.Where("contact_id = ?", contactID).Limit(1).Find(&st)
	if q.Error != nil {
		return "", fmt.Errorf("store: load state: %w", q.Error)
	}
	return st.Data, nil
}

// SaveState replaces the conversation state of a contact, as SaveStates does.
func (tx *Tx) SaveState(contactID int64, st SavedState) error {
	if err := tx.SaveStates(map[int64]SavedState{contactID: st}); err != nil {
		return fmt.Errorf("store: save state: %w", err)
	}
	return nil
}

// AddAssessment stores a finished assessment. Its JSON columns are NOT NULL:
// no answers, scores or strengths are stored as empty, never as null.
func (tx *Tx) AddAssessment(a *Assessment) error {
	if a.Answers == nil {
		a.Answers = map[string]string{}
	}
	if a.Scores == nil {
		a.Scores = map[string]int{}
	}
	if a.Strengths == nil {
		a.Strengths = []string{}
	}
	if err := tx.db.Create(a).Error; err != nil {
		return fmt.Errorf("store: add assessment: %w", err)
	}
	return nil
}

// Erase forgets a contact's personal data: name, phone, chat ids, answers,
// conversation state, and the addresses and words of their messages. What
// stays is anonymous: language, governorate, track and the sign-up and
// assessment counts.
//
// A digest of the phone number is kept (erased_phones), only so that a
// marketplace order event for that number sends nothing until the person
// writes again.
func (tx *Tx) Erase(contactID int64) error {
	now := tx.store.now()
	var phones []sql.NullString
	if err := tx.db.Model(&Contact{}).Where("id = ?", contactID).Pluck("phone", &phones).Error; err != nil {
		return fmt.Errorf("store: erase contact: %w", err)
	}
	if len(phones) == 1 && phones[0].Valid {
		err := tx.db.Exec(`INSERT INTO erased_phones (phone_hash, contact_id, erased_at) VALUES (?, ?, ?)
			ON CONFLICT (phone_hash) DO UPDATE SET contact_id = excluded.contact_id, erased_at = excluded.erased_at`,
			phoneHash(phones[0].String), contactID, now).Error
		if err != nil {
			return fmt.Errorf("store: remember erased number: %w", err)
		}
	}
	err := tx.db.Model(&Contact{}).Where("id = ?", contactID).Updates(map[string]any{
		"name": "", "phone": nil, "telegram_chat_id": nil, "console_user": nil, "web_session": nil,
		"whatsapp_id": nil, "whatsapp_last_inbound_at": nil,
		"consent_at": nil, "erased_at": now, "updated_at": now,
	}).Error
	if err != nil {
		return fmt.Errorf("store: erase contact: %w", err)
	}
	if err := setNameWords(tx.db, contactID, ""); err != nil {
		return err
	}
	if err := tx.db.Where("contact_id = ?", contactID).Delete(&ConversationState{}).Error; err != nil {
		return fmt.Errorf("store: erase state: %w", err)
	}
	scrub := []struct{ what, sql string }{
		{"answers", "UPDATE assessments SET answers = '{}' WHERE contact_id = ?"},
		{"order details", "UPDATE orders SET customer_area = '' WHERE contact_id = ?"},
		{"waiting SMS pages", "DELETE FROM sms_contacts WHERE contact_id = ?"},
		{"fields", "DELETE FROM contact_fields WHERE contact_id = ?"},
		// What the person wrote goes; the ids stay, so a late repeat is still a duplicate.
		{"texts", "UPDATE inbound_messages SET text = NULL WHERE contact_id = ? AND text IS NOT NULL"},
		// Messages keep no address or words of the person; those not yet sent never will be.
		{"messages", `UPDATE outbox SET recipient = '', payload = '', body = '',
			error = CASE WHEN status = 'pending' THEN 'erased' ELSE error END,
			status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END
			WHERE contact_id = ?`},
	}
	for _, q := range scrub {
		if err := tx.db.Exec(q.sql, contactID).Error; err != nil {
			return fmt.Errorf("store: erase %s: %w", q.what, err)
		}
	}
	return tx.eraseConversations(contactID) // staff's answers and notes about the person go too
}

// phoneHash is the digest erased_phones keeps instead of a number.
func phoneHash(e164 string) string {
	sum := sha256.Sum256([]byte("tamkeen erased phone\x00" + e164))
	return hex.EncodeToString(sum[:])
}

// contactsByID loads contacts by id.
func contactsByID(db *gorm.DB, ids []int64) (map[int64]*Contact, error) {
	var list []*Contact
	if err := db.Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("store: load contacts: %w", err)
	}
	out := make(map[int64]*Contact, len(list))
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// Reachable reports whether messages may go to c on channel, and if not why:
// "opted_out", "erased" or "unreachable". always skips the opt-out and
// erasure checks (the confirmation of that very act).
func (c *Contact) Reachable(channel string, always bool) (bool, string) {
	switch {
	case !always && c.ErasedAt != nil:
		return false, "erased"
	case !always && c.OptedOutAt != nil:
		return false, "opted_out"
	case channel == channelTelegram && c.TelegramBlocked:
		return false, "unreachable"
	case channel == channelSMS && c.SMSUnreachable:
		return false, "unreachable"
	case channel == channelWhatsApp && c.WhatsAppUnreachable:
		return false, "unreachable"
	}
	return true, ""
}

// MarkUnreachable records that a contact cannot be reached on channel
// (Telegram: the bot was blocked; SMS: the number is dead; WhatsApp: it
// cannot deliver to them). Reachable clears it.
func (s *Store) MarkUnreachable(ctx context.Context, contactID int64, channel string, unreachable bool) error {
	col := ""
	switch channel {
	case channelTelegram:
		col = "telegram_blocked"
	case channelSMS:
		col = "sms_unreachable"
	case channelWhatsApp:
		col = "whatsapp_unreachable"
	default:
		return nil
	}
	err := s.db.WithContext(ctx).Model(&Contact{}).Where("id = ?", contactID).
		Updates(map[string]any{col: unreachable, "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("store: mark contact %d on %s: %w", contactID, channel, err)
	}
	return nil
}

// MarkOptedOut records that a contact opted out (for example through the SMS provider).
func (s *Store) MarkOptedOut(ctx context.Context, contactID int64) error {
	now := s.now()
	err := s.db.WithContext(ctx).Model(&Contact{}).Where("id = ? AND opted_out_at IS NULL", contactID).
		Updates(map[string]any{"opted_out_at": now, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("store: opt out contact %d: %w", contactID, err)
	}
	return nil
}

// Contact loads one contact by id.
func (s *Store) Contact(ctx context.Context, id int64) (*Contact, error) {
	var c Contact
	if err := s.db.WithContext(ctx).First(&c, id).Error; err != nil {
		return nil, fmt.Errorf("store: contact %d: %w", id, notFound(err))
	}
	return &c, nil
}

// ScrubErased blanks the address and words of finished messages to people who
// erased their data (the goodbye sent after the erasure keeps its address
// only until it is sent). It returns how many messages it blanked.
func (s *Store) ScrubErased(ctx context.Context) (int, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE outbox SET recipient = '', payload = '', body = ''
		WHERE status NOT IN ('pending', 'sending') AND recipient <> ''
		AND contact_id IN (SELECT id FROM contacts WHERE erased_at IS NOT NULL)`)
	if res.Error != nil {
		return 0, fmt.Errorf("store: scrub erased contacts' messages: %w", res.Error)
	}
	// A text that reached an erased person's record after the erasure (a
	// merge, a message in flight) goes too.
	texts := s.db.WithContext(ctx).Exec(`UPDATE inbound_messages SET text = NULL
		WHERE text IS NOT NULL AND contact_id IN (SELECT id FROM contacts WHERE erased_at IS NOT NULL)`)
	if texts.Error != nil {
		return 0, fmt.Errorf("store: scrub erased contacts' texts: %w", texts.Error)
	}
	return int(res.RowsAffected + texts.RowsAffected), nil
}
