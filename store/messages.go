package store

import (
	"context"
	"fmt"
	"time"
)

// What people write: every inbound message keeps its text (ClaimInbounds
// stores it with the provider id that claims it), for staff to read beside
// what was sent, until TAMKEEN_MESSAGE_RETENTION ends or the person erases
// their data.

// InboundOf lists a contact's messages received in [from, to), oldest
// first, at most limit (the latest limit when there are more).
func (s *Store) InboundOf(ctx context.Context, contactID int64, from, to time.Time, limit int) ([]InboundMessage, error) {
	var out []InboundMessage
	err := s.db.WithContext(ctx).Where("contact_id = ? AND received_at >= ? AND received_at < ?", contactID, from.UTC(), to.UTC()).
		Order("received_at DESC, id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: messages of contact %d: %w", contactID, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// ForgetMessagesBefore deletes the inbound messages received before cutoff,
// texts and ids together (no provider delivers a message again that late),
// at most batch rows per transaction so that replies never wait long for
// the write lock. It returns how many it deleted.
//
// Ids grow with received_at (both are given as the row is inserted), so the
// last message before cutoff is found by a binary search over the primary
// key: no index on received_at is written with every message.
func (s *Store) ForgetMessagesBefore(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 5000
	}
	last, err := s.lastInboundBefore(ctx, cutoff.UTC())
	if err != nil || last == 0 {
		return 0, err
	}
	var first int64
	if err := s.db.WithContext(ctx).Raw("SELECT COALESCE(MIN(id), 0) FROM inbound_messages").Scan(&first).Error; err != nil {
		return 0, fmt.Errorf("store: forget messages: %w", err)
	}
	deleted := 0
	for lo := first; lo <= last; lo += int64(batch) {
		hi := min(lo+int64(batch)-1, last)
		res := s.db.WithContext(ctx).Exec("DELETE FROM inbound_messages WHERE id >= ? AND id <= ? AND received_at < ?", lo, hi, cutoff.UTC())
		if res.Error != nil {
			return deleted, fmt.Errorf("store: forget messages: %w", res.Error)
		}
		deleted += int(res.RowsAffected)
	}
	return deleted, nil
}

// lastInboundBefore is the greatest id of a message received before cutoff
// (0: none), by binary search over ids.
func (s *Store) lastInboundBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	db := s.db.WithContext(ctx)
	var bounds struct{ Lo, Hi int64 }
	if err := db.Raw("SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi FROM inbound_messages").Scan(&bounds).Error; err != nil {
		return 0, fmt.Errorf("store: forget messages: %w", err)
	}
	lo, hi, found := bounds.Lo, bounds.Hi, int64(0)
	for lo <= hi && hi > 0 {
		mid := lo + (hi-lo)/2
		var row []InboundMessage
		if err := db.Select("id, received_at").Where("id >= ?", mid).Order("id").Limit(1).Find(&row).Error; err != nil {
			return 0, fmt.Errorf("store: forget messages: %w", err)
		}
		switch {
		case len(row) == 0:
			hi = mid - 1
		case row[0].ReceivedAt.Before(cutoff):
			found, lo = row[0].ID, row[0].ID+1
		default:
			hi = mid - 1
		}
	}
	return found, nil
}
