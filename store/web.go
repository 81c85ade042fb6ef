package store

import (
	"context"
	"fmt"
	"github.com/tamkeen/tamkeen/vocab"
	"slices"
)

// ConversationMessages returns the last limit messages sent on channel to
// the contact at addr (the web simulator's session, a console user), oldest
// first. Pending and failed rows are left out: this is what the person saw.
func (s *Store) ConversationMessages(ctx context.Context, channel string, addr vocab.Address, limit int) ([]OutboxMessage, error) {
	cond, arg, err := addressWhere(addr)
	if err != nil {
		return nil, err
	}
	var out []OutboxMessage
	err = s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("contact_id = (SELECT id FROM contacts WHERE "+cond+")", arg).
		Where("channel = ? AND status IN ?", channel, []string{OutboxSent, OutboxDelivered}).
		Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: conversation messages: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// EraseWebSession forgets the contact of web simulator session, as "delete
// my data" does (Erase), after cancelling their sign-ups so that a test
// conversation holds no place. found is false when there is no such contact.
func (s *Store) EraseWebSession(ctx context.Context, session string) (found bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		var c Contact
		q := tx.db.Where("web_session = ?", session).Limit(1).Find(&c)
		if q.Error != nil || q.RowsAffected == 0 {
			return q.Error
		}
		found = true
		err := tx.db.Model(&Signup{}).Where("contact_id = ? AND status <> ?", c.ID, SignupCancelled).
			Updates(map[string]any{"status": SignupCancelled, "updated_at": s.now()}).Error
		if err != nil {
			return err
		}
		return tx.Erase(c.ID)
	})
	if err != nil {
		return false, fmt.Errorf("store: erase web session: %w", err)
	}
	return found, nil
}
