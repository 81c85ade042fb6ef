package store

import (
	"context"
	"fmt"
	"time"
)

// WindowClosedError is the outbox error of a WhatsApp message sent again as
// its template because WhatsApp said the person's window had closed.
const WindowClosedError = "whatsapp: the 24-hour window had closed (131047): goes again as its template"

// WaitingForWindowPrefix starts the error of a WhatsApp message that waits
// because the person's window is closed and its kind has no template and
// no SMS reaches them: it goes when they write again.
const WaitingForWindowPrefix = "waiting: whatsapp window closed"

// CloseWhatsAppWindow records that WhatsApp refused a free message to a
// contact with 131047 for a message sent at at: their window closed then,
// until they write again (reach.WhatsAppWindow). A later mark is kept.
func (s *Store) CloseWhatsAppWindow(ctx context.Context, contactID int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Exec(`UPDATE contacts SET whatsapp_window_closed_at = ?, updated_at = ?
		WHERE id = ? AND (whatsapp_window_closed_at IS NULL OR whatsapp_window_closed_at < ?)`, at, s.now(), contactID, at).Error
	if err != nil {
		return fmt.Errorf("store: close the whatsapp window of contact %d: %w", contactID, err)
	}
	return nil
}

// ResendAfterWindowClosed queues again, at once, a WhatsApp message that
// WhatsApp accepted and then refused with 131047 (a failed status): the
// dispatcher then sends it as its template. Only a message sent free-form
// and still recorded as sent goes again, so a repeated status, or one
// about a template, changes nothing; it returns whether the row was queued.
func (s *Store) ResendAfterWindowClosed(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Exec(`UPDATE outbox SET status = 'pending', provider_id = '', next_attempt_at = ?,
		error = ?, lease_until = NULL, claimed_by = NULL, updated_at = ?
		WHERE id = ? AND status = 'sent' AND template = ''`, now, WindowClosedError, now, id)
	if res.Error != nil {
		return false, fmt.Errorf("store: queue outbox %d again as a template: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// WaitingForWindow counts the WhatsApp messages waiting for people's
// windows to open (no template for their kind, no SMS that reaches them),
// by contact when contactID is not 0.
func (s *Store) WaitingForWindow(ctx context.Context, contactID int64) (int, error) {
	q := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("status = 'pending' AND channel = ? AND error LIKE ?", channelWhatsApp, WaitingForWindowPrefix+"%")
	if contactID != 0 {
		q = q.Where("contact_id = ?", contactID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count messages waiting for a whatsapp window: %w", err)
	}
	return int(n), nil
}

// BroadcastWays counts a broadcast's messages by the way they went or
// will go: "telegram", "whatsapp" (free), "whatsapp_template", "sms",
// "waiting" (for a person's WhatsApp window), and other channels by name.
// Cancelled and skipped messages are not counted.
func (s *Store) BroadcastWays(ctx context.Context, id int64) (map[string]int, error) {
	var rows []struct {
		Way string
		N   int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT CASE
			WHEN status = 'pending' AND channel = ? AND error LIKE ? THEN 'waiting'
			WHEN channel = ? AND template <> '' THEN 'whatsapp_template'
			ELSE channel END AS way, COUNT(*) AS n
		FROM outbox WHERE broadcast_id = ? AND status NOT IN ('cancelled', 'skipped') GROUP BY 1`,
		channelWhatsApp, WaitingForWindowPrefix+"%", channelWhatsApp, id).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: broadcast %d by way: %w", id, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Way] += r.N
	}
	return out, nil
}
