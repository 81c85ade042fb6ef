package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/reach"
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
		if m.Kind == "" {
			m.Kind = string(reach.KindOfKey(m.DedupeKey))
		}
	}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(msgs, 500)
	if res.Error != nil {
		return 0, fmt.Errorf("store: enqueue: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// ClaimedContacts loads the contacts of claimed messages, to re-check consent at send time.
func (s *Store) ClaimedContacts(ctx context.Context, rows []OutboxMessage) (map[int64]*Contact, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ContactID)
	}
	return contactsByID(s.db.WithContext(ctx), ids)
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

// sortByPriorityID orders claimed rows as they should be sent: priority, then age.
func sortByPriorityID(rows []OutboxMessage) {
	slices.SortFunc(rows, func(a, b OutboxMessage) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return int(a.ID - b.ID)
	})
}
