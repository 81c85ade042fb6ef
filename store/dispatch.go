package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ClaimLane takes up to limit due, pending messages of one channel whose
// priority is in [minPriority, maxPriority), oldest first within each
// priority, leasing them for lease. A message waits while an earlier message
// of the same contact and priority is unsent, or while that contact's
// introduction is (see introduceClaimed, which may hand out an introduction
// in place of a claimed message), so at most one message per contact and
// priority is out at a time, the parts of a reply go in order, and nothing
// goes beside an introduction. Expired leases are not
// taken here: ReclaimExpired puts them back first. Several processes may
// claim at once; none gets a row another holds. holder names the claiming
// dispatcher (see Heartbeat and ReclaimOrphaned).
func (s *Store) ClaimLane(ctx context.Context, channel string, minPriority, maxPriority, limit int, lease time.Duration, holder string) ([]OutboxMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	now := s.now()
	args := map[string]any{"now": now, "channel": channel, "lo": minPriority, "hi": maxPriority, "limit": limit, "lease": now.Add(lease), "holder": holder}
	var q string
	if s.dialect == "postgres" {
		q = `WITH c AS (SELECT o.id FROM outbox o WHERE ` + claimableSQL + `
			ORDER BY o.priority, o.id LIMIT @limit FOR UPDATE SKIP LOCKED)
		UPDATE outbox SET status = 'sending', lease_until = @lease, claimed_by = @holder, attempts = attempts + 1, updated_at = @now
		FROM c WHERE outbox.id = c.id AND outbox.status = 'pending' RETURNING outbox.*`
	} else {
		q = `UPDATE outbox SET status = 'sending', lease_until = @lease, claimed_by = @holder, attempts = attempts + 1, updated_at = @now
		WHERE id IN (SELECT o.id FROM outbox o WHERE ` + claimableSQL + ` ORDER BY o.priority, o.id LIMIT @limit)
		RETURNING *`
	}
	var rows []OutboxMessage
	if err := s.db.WithContext(ctx).Raw(q, args).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: claim %s outbox: %w", channel, err)
	}
	rows, err := s.introduceClaimed(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("store: claim %s outbox: %w", channel, err)
	}
	sortByPriorityID(rows)
	return rows, nil
}

// claimableSQL says the outbox row o may be claimed now (@now) by the lane
// of @channel with priorities in [@lo, @hi): due, and not held back by an
// earlier unsent message of its person and priority or by its person's
// unsent introduction (an introduction itself is never held back).
const claimableSQL = `o.status = 'pending' AND o.channel = @channel AND o.priority >= @lo AND o.priority < @hi
	AND o.next_attempt_at <= @now
	AND (o.dedupe_key LIKE '` + introKeyPrefix + `%' OR (NOT EXISTS (SELECT 1 FROM outbox p
		WHERE p.contact_id = o.contact_id AND p.priority = o.priority AND p.status IN ('pending', 'sending') AND p.id < o.id)
		AND NOT EXISTS (SELECT 1 FROM outbox i WHERE i.contact_id = o.contact_id AND ` + unsentIntroSQL + `)))`

// ReclaimExpired puts back messages whose lease ran out (the process that
// claimed them died) so they are claimed again; it returns how many.
func (s *Store) ReclaimExpired(ctx context.Context) (int, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Exec(`UPDATE outbox SET status = 'pending', lease_until = NULL, claimed_by = NULL, updated_at = ?
		WHERE status = 'sending' AND lease_until < ?`, now, now)
	if res.Error != nil {
		return 0, fmt.Errorf("store: reclaim expired leases: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// ReclaimOrphaned puts back, without waiting for their lease, messages held
// by dispatchers that have not announced themselves (Heartbeat) within
// silentFor, or, with exceptFor set, by any dispatcher but that one (the
// caller knows no other is running, see ProcessLock). Their holder was
// killed: what it had sent but not recorded goes again (at least once).
func (s *Store) ReclaimOrphaned(ctx context.Context, silentFor time.Duration, exceptFor string) (int, error) {
	now := s.now()
	q := `UPDATE outbox SET status = 'pending', lease_until = NULL, claimed_by = NULL, updated_at = ?
		WHERE status = 'sending' AND claimed_by IS NOT NULL AND claimed_by NOT IN
			(SELECT instance FROM dispatcher_replicas WHERE seen_at >= ?)`
	args := []any{now, now.Add(-silentFor)}
	if exceptFor != "" {
		q = `UPDATE outbox SET status = 'pending', lease_until = NULL, claimed_by = NULL, updated_at = ?
		WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by <> ?)`
		args = []any{now, exceptFor}
	}
	res := s.db.WithContext(ctx).Exec(q, args...)
	if res.Error != nil {
		return 0, fmt.Errorf("store: take over rows of stopped dispatchers: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// OutboxResult is what became of one claimed message.
type OutboxResult struct {
	ID         int64
	Status     string    // OutboxSent, OutboxPending (try again at NextAttemptAt), OutboxFailed or OutboxSkipped
	ProviderID string    // for OutboxSent
	Error      string    // why it failed, was skipped or waits
	RetryAt    time.Time // for OutboxPending
	// Released gives the attempt back: the message was never handed to the
	// provider (it waited for a rate limit or quiet hours).
	Released bool
	// Channel and Recipient, on a pending result, move the row to another
	// channel (a WhatsApp message outside the window goes by SMS).
	Channel, Recipient string
	// Template is the WhatsApp template a sent message went as.
	Template string
}

// FinishBatch records the results of many claimed messages in one transaction.
func (s *Store) FinishBatch(ctx context.Context, results []OutboxResult) error {
	if len(results) == 0 {
		return nil
	}
	now := s.now()
	var sent []OutboxResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range results {
			var res *gorm.DB
			switch r.Status {
			case OutboxSent:
				sent = append(sent, r) // the common case: one statement for many, below
				if r.Template == "" {
					continue
				}
				res = tx.Exec(`UPDATE outbox SET template = ? WHERE id = ?`, r.Template, r.ID)
			case OutboxPending:
				dec := 0
				if r.Released {
					dec = 1
				}
				if r.Channel != "" {
					res = tx.Exec(`UPDATE outbox SET status = 'pending', channel = ?, recipient = ?, next_attempt_at = ?, error = ?, attempts = attempts - ?, lease_until = NULL, claimed_by = NULL, updated_at = ? WHERE id = ?`,
						r.Channel, r.Recipient, r.RetryAt.UTC().Truncate(time.Microsecond), truncate(r.Error), dec, now, r.ID)
					break
				}
				res = tx.Exec(`UPDATE outbox SET status = 'pending', next_attempt_at = ?, error = ?, attempts = attempts - ?, lease_until = NULL, claimed_by = NULL, updated_at = ? WHERE id = ?`,
					r.RetryAt.UTC().Truncate(time.Microsecond), truncate(r.Error), dec, now, r.ID)
			case OutboxFailed, OutboxSkipped:
				res = tx.Exec(`UPDATE outbox SET status = ?, error = ?, lease_until = NULL, claimed_by = NULL, updated_at = ? WHERE id = ?`,
					r.Status, truncate(r.Error), now, r.ID)
			default:
				return fmt.Errorf("outbox %d: unknown result status %q", r.ID, r.Status)
			}
			if res.Error != nil {
				return fmt.Errorf("outbox %d: %w", r.ID, res.Error)
			}
		}
		return finishSent(tx, sent, now)
	})
	if err != nil {
		return fmt.Errorf("store: record send results: %w", err)
	}
	return nil
}

// finishSent marks messages sent, a few hundred in one statement.
func finishSent(tx *gorm.DB, sent []OutboxResult, now time.Time) error {
	for chunk := range slices.Chunk(sent, 300) {
		var q strings.Builder
		args := make([]any, 0, 2*len(chunk)+3)
		ids := make([]int64, len(chunk))
		q.WriteString("UPDATE outbox SET status = 'sent', provider_id = CASE id")
		for i, r := range chunk {
			q.WriteString(" WHEN ? THEN ?")
			args = append(args, r.ID, r.ProviderID)
			ids[i] = r.ID
		}
		q.WriteString(" ELSE provider_id END, sent_at = ?, error = '', lease_until = NULL, claimed_by = NULL, updated_at = ? WHERE id IN ?")
		args = append(args, now, now, ids)
		if err := tx.Exec(q.String(), args...).Error; err != nil {
			return fmt.Errorf("outbox: mark %d sent: %w", len(chunk), err)
		}
	}
	return nil
}

// outboxNotifyChannel is the PostgreSQL NOTIFY channel that says "rows were enqueued".
const outboxNotifyChannel = "tamkeen_outbox"

// ErrNoListen is returned by ListenOutbox on databases without LISTEN/NOTIFY
// (SQLite, and PostgreSQL behind a pooler in transaction mode).
var ErrNoListen = errors.New("store: this database has no LISTEN/NOTIFY")

// NotifyOutbox tells every process listening (ListenOutbox) that rows were
// enqueued; payload identifies the sender. On SQLite it does nothing.
func (s *Store) NotifyOutbox(ctx context.Context, payload string) error {
	if s.dialect != "postgres" {
		return nil
	}
	if err := s.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", outboxNotifyChannel, payload).Error; err != nil {
		return fmt.Errorf("store: notify outbox: %w", err)
	}
	return nil
}

// ListenOutbox calls fn with the payload of every NotifyOutbox (from any
// process, this one included) until ctx ends or the connection fails. It
// holds one connection of the pool. On SQLite it returns ErrNoListen.
func (s *Store) ListenOutbox(ctx context.Context, fn func(payload string)) error {
	if s.dialect != "postgres" || s.pooled { // a pooled session does not stay to hear
		return ErrNoListen
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+outboxNotifyChannel); err != nil {
			return err
		}
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// The connection is left mid-wait: never hand it back to the pool.
				return errors.Join(err, driver.ErrBadConn)
			}
			fn(n.Payload)
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("store: listen: %w", err)
}

// HasDue reports whether a lane of a channel has a message due now. It only
// reads, so on SQLite it does not wait for the write lock: the dispatcher asks
// before claiming and leaves empty lanes alone.
func (s *Store) HasDue(ctx context.Context, channel string, minPriority, maxPriority int) (bool, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT id FROM outbox WHERE status = 'pending' AND channel = ?
		AND priority >= ? AND priority < ? AND next_attempt_at <= ? LIMIT 1`,
		channel, minPriority, maxPriority, s.now()).Scan(&ids).Error
	if err != nil {
		return false, fmt.Errorf("store: look for due %s messages: %w", channel, err)
	}
	return len(ids) > 0, nil
}

// Heartbeat records that dispatcher instance is alive and returns how many
// dispatchers (itself included) were seen within the last within: they share
// each provider's rate. Instances silent for long are forgotten.
func (s *Store) Heartbeat(ctx context.Context, instance string, within time.Duration) (int, error) {
	now := s.now()
	var live int64
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "instance"}},
			DoUpdates: clause.Assignments(map[string]any{"seen_at": now}),
		}).Table("dispatcher_replicas").Create(map[string]any{"instance": instance, "seen_at": now}).Error
		if err != nil {
			return err
		}
		if err := tx.db.Exec("DELETE FROM dispatcher_replicas WHERE seen_at < ?", now.Add(-10*within)).Error; err != nil {
			return err
		}
		return tx.db.Table("dispatcher_replicas").Where("seen_at >= ?", now.Add(-within)).Count(&live).Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: dispatcher heartbeat: %w", err)
	}
	return max(1, int(live)), nil
}

// LeaveReplicas forgets a stopping dispatcher instance, so the others take up its share at once.
func (s *Store) LeaveReplicas(ctx context.Context, instance string) error {
	if err := s.db.WithContext(ctx).Exec("DELETE FROM dispatcher_replicas WHERE instance = ?", instance).Error; err != nil {
		return fmt.Errorf("store: dispatcher leave: %w", err)
	}
	return nil
}

// sqliteFile is the path of the main SQLite database file.
func (s *Store) sqliteFile(ctx context.Context) (string, error) {
	var rows []struct {
		Name string
		File string
	}
	if err := s.db.WithContext(ctx).Raw("PRAGMA database_list").Scan(&rows).Error; err != nil {
		return "", fmt.Errorf("store: database file: %w", err)
	}
	for _, r := range rows {
		if r.Name == "main" {
			return r.File, nil
		}
	}
	return "", nil
}

// Backlog is the due, unsent outbox messages of one channel and lane.
type Backlog struct {
	Channel string
	Lane    string // LaneReply, LaneNotice or LaneBulk, by priority
	Due     int64
	Oldest  time.Duration // how long the longest-waiting one has been due
}

// The lanes of the outbox by priority, as the backlog names them.
const (
	LaneReply  = "reply"  // priority below PriorityNotice
	LaneNotice = "notice" // from PriorityNotice to below PriorityBulk
	LaneBulk   = "bulk"   // PriorityBulk and above
)

// OutboxBacklog counts, per channel and lane, the messages due now and not yet
// claimed, and how long the longest-waiting of them has been due: what the
// alert rules watch (a dispatcher that stopped sending, a provider that
// refuses). Messages waiting for a later attempt or for the end of the
// quiet hours are not due yet and not counted.
func (s *Store) OutboxBacklog(ctx context.Context) ([]Backlog, error) {
	now := s.now()
	var rows []struct {
		Channel string
		Lane    string
		N       int64
		Oldest  string
	}
	// MIN of a timestamp comes back as text on SQLite: as text on both, parsed below.
	err := s.db.WithContext(ctx).Raw(`SELECT channel, lane, COUNT(*) AS n, CAST(MIN(next_attempt_at) AS TEXT) AS oldest
		FROM (SELECT channel, next_attempt_at, CASE WHEN priority < @notice THEN 'reply' WHEN priority < @bulk THEN 'notice' ELSE 'bulk' END AS lane
			FROM outbox WHERE status = 'pending' AND next_attempt_at <= @now) due
		GROUP BY channel, lane ORDER BY channel, lane`,
		map[string]any{"now": now, "notice": PriorityNotice, "bulk": PriorityBulk}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: outbox backlog: %w", err)
	}
	out := make([]Backlog, 0, len(rows))
	for _, r := range rows {
		b := Backlog{Channel: r.Channel, Lane: r.Lane, Due: r.N}
		if t, err := parseDBTime(r.Oldest); err == nil {
			b.Oldest = max(0, now.Sub(t))
		}
		out = append(out, b)
	}
	return out, nil
}

// parseDBTime reads a timestamp as either database writes it as text.
func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("store: unreadable time %q", s)
}
