package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Enqueue adds messages to the outbox. A message whose dedupe key is already
// there is left out silently (it was enqueued before); the count of new rows
// is returned.
func (tx *Tx) Enqueue(msgs ...*OutboxMessage) (int, error) {
	return enqueue(tx.db, tx.store.now(), msgs)
}

// Enqueue adds messages outside any other transaction; see Tx.Enqueue.
func (s *Store) Enqueue(ctx context.Context, msgs ...*OutboxMessage) (int, error) {
	return enqueue(s.db.WithContext(ctx), s.now(), msgs)
}

func enqueue(db *gorm.DB, now time.Time, msgs []*OutboxMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	for _, m := range msgs {
		if m.Status == "" {
			m.Status = OutboxPending
		}
		if m.NextAttemptAt.IsZero() {
			m.NextAttemptAt = now
		}
	}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(msgs, 500)
	if res.Error != nil {
		return 0, fmt.Errorf("store: enqueue: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// Claim takes up to limit due messages on the given channels for sending,
// leasing them for lease. A message waits while an earlier message of the
// same contact and priority is still unsent, so the parts of one reply go out
// in order. Rows whose lease ran out (their sender died) are taken again.
// Several processes may claim at once; none gets a row another holds.
func (s *Store) Claim(ctx context.Context, channels []string, limit int, lease time.Duration) ([]OutboxMessage, error) {
	if len(channels) == 0 || limit <= 0 {
		return nil, nil
	}
	now := s.now()
	due := `(o.status = 'pending' AND o.next_attempt_at <= @now OR o.status = 'sending' AND o.lease_until < @now)
	AND o.channel IN @channels
	AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.contact_id = o.contact_id AND p.priority = o.priority
		AND p.id < o.id AND p.status IN ('pending', 'sending'))`
	args := map[string]any{"now": now, "channels": channels, "limit": limit, "lease": now.Add(lease)}
	var sql string
	if s.dialect == "postgres" {
		sql = `WITH c AS (SELECT o.id FROM outbox o WHERE ` + due + `
			ORDER BY o.priority, o.id LIMIT @limit FOR UPDATE SKIP LOCKED)
		UPDATE outbox SET status = 'sending', lease_until = @lease, attempts = attempts + 1, updated_at = @now
		FROM c WHERE outbox.id = c.id RETURNING outbox.*`
	} else {
		sql = `UPDATE outbox SET status = 'sending', lease_until = @lease, attempts = attempts + 1, updated_at = @now
		WHERE id IN (SELECT o.id FROM outbox o WHERE ` + due + ` ORDER BY o.priority, o.id LIMIT @limit)
		RETURNING *`
	}
	var rows []OutboxMessage
	if err := s.db.WithContext(ctx).Raw(sql, args).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	sortByPriorityID(rows)
	return rows, nil
}

func sortByPriorityID(rows []OutboxMessage) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && (rows[j].Priority < rows[j-1].Priority ||
			rows[j].Priority == rows[j-1].Priority && rows[j].ID < rows[j-1].ID); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// ClaimedContacts loads the contacts of claimed messages, to re-check consent at send time.
func (s *Store) ClaimedContacts(ctx context.Context, rows []OutboxMessage) (map[int64]*Contact, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ContactID)
	}
	return contactsByID(s.db.WithContext(ctx), ids)
}

// MarkSent records a successful hand-over to the provider.
func (s *Store) MarkSent(ctx context.Context, id int64, providerID string) error {
	now := s.now()
	return s.finish(ctx, id, map[string]any{"status": OutboxSent, "provider_id": providerID, "sent_at": now, "error": ""})
}

// MarkRetry puts a message back to wait until at, noting why.
func (s *Store) MarkRetry(ctx context.Context, id int64, at time.Time, reason string) error {
	return s.finish(ctx, id, map[string]any{"status": OutboxPending, "next_attempt_at": at.UTC(), "error": truncate(reason)})
}

// MarkFailed records that a message will never be sent.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string) error {
	return s.finish(ctx, id, map[string]any{"status": OutboxFailed, "error": truncate(reason)})
}

// MarkSkipped records that a message was not sent on purpose (reason: opted_out, erased, unreachable).
func (s *Store) MarkSkipped(ctx context.Context, id int64, reason string) error {
	return s.finish(ctx, id, map[string]any{"status": OutboxSkipped, "error": reason})
}

func (s *Store) finish(ctx context.Context, id int64, fields map[string]any) error {
	fields["lease_until"] = nil
	fields["updated_at"] = s.now()
	if err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ?", id).Updates(fields).Error; err != nil {
		return fmt.Errorf("store: update outbox %d: %w", id, err)
	}
	return nil
}

// OutboxCounts counts messages by status (for tests, metrics and staff).
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: count outbox: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

func truncate(s string) string {
	const max = 500
	s = strings.ToValidUTF8(s, "")
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "")
	}
	return s
}
