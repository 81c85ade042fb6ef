package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SweepLocked runs fn in one transaction that holds the lock of the sweep
// called name. On PostgreSQL that is a transaction-scoped advisory lock
// (pg_try_advisory_xact_lock): while one replica sweeps, the others skip
// and ran is false. On SQLite the write lock every transaction takes at
// BEGIN serves. The work is idempotent by dedupe key either way.
func (s *Store) SweepLocked(ctx context.Context, name string, fn func(tx *Tx) error) (ran bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if s.dialect == "postgres" {
			var got bool
			if err := db.Raw("SELECT pg_try_advisory_xact_lock(?)", sweepLockID(name)).Scan(&got).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			if !got {
				return nil
			}
		}
		ran = true
		return fn(&Tx{db: db, store: s})
	})
	if err != nil {
		return false, fmt.Errorf("store: sweep %s: %w", name, err)
	}
	return ran, nil
}

// sweepLockID is the advisory lock key of a sweep (the migration lock is a small constant).
func sweepLockID(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("tamkeen.sweep." + name))
	return int64(h.Sum64() &^ (1 << 63))
}

// OpportunitiesStarting lists the opportunities with after < starts_at <= until.
func (tx *Tx) OpportunitiesStarting(after, until time.Time) ([]Opportunity, error) {
	var out []Opportunity
	err := tx.db.Where("starts_at > ? AND starts_at <= ?", after.UTC(), until.UTC()).Order("starts_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: opportunities starting: %w", err)
	}
	return out, nil
}

// ReminderBatch is one reminder for every registered sign-up of an opportunity.
type ReminderBatch struct {
	OpportunityID    int64
	Label            string    // the offset as written in the dedupe key, e.g. "24h"
	RegisteredBefore time.Time // sign-ups made or changed later are left out (they just heard)
	SendAt           time.Time // NextAttemptAt: now, or when quiet hours end
	Payload          string    // a vocab.Reply as JSON, the same for everyone
}

// EnqueueSignupReminders queues b for each registered sign-up of the
// opportunity whose contact may be messaged, on the contact's preferred
// channel, with dedupe key reminder:signup:<id>:<label>, in one statement. It
// returns how many were new.
func (tx *Tx) EnqueueSignupReminders(b ReminderBatch) (int, error) {
	now := tx.store.now()
	// PostgreSQL reads an untyped parameter in a select list as text: say what each is.
	typed := func(param, pgType string) string {
		if tx.store.dialect == "postgres" {
			return "CAST(" + param + " AS " + pgType + ")"
		}
		return param
	}
	ts := func(param string) string { return typed(param, "TIMESTAMPTZ") }
	sql := `INSERT INTO outbox (contact_id, channel, recipient, language, priority, payload, body, always, status,
		attempts, next_attempt_at, provider_id, error, dedupe_key, created_at, updated_at, kind)
	SELECT c.id, ` + preferredChannelSQL + `, ` + preferredRecipientSQL + `, c.language, ` + typed("@priority", "INTEGER") + `, ` +
		typed("@payload", "TEXT") + `, '', FALSE, 'pending',
		0, ` + ts("@send_at") + `, '', '', 'reminder:signup:' || CAST(s.id AS TEXT) || ':' || ` + typed("@label", "TEXT") + `, ` +
		ts("@now") + `, ` + ts("@now") + `, 'reminder'
	FROM signups s JOIN contacts c ON c.id = s.contact_id
	WHERE s.opportunity_id = @opportunity AND s.status = 'registered' AND s.updated_at <= @before AND ` + noticeableSQL + `
	ON CONFLICT (dedupe_key) DO NOTHING`
	res := tx.db.Exec(sql, map[string]any{
		"priority": PriorityNotice, "payload": b.Payload, "send_at": b.SendAt.UTC().Truncate(time.Microsecond),
		"label": b.Label, "now": now, "opportunity": b.OpportunityID,
		"before": b.RegisteredBefore.UTC().Truncate(time.Microsecond),
	})
	if res.Error != nil {
		return 0, fmt.Errorf("store: enqueue reminders for opportunity %d: %w", b.OpportunityID, res.Error)
	}
	return int(res.RowsAffected), nil
}

// StalledContact is a contact whose conversation has rested at one step since Since.
type StalledContact struct {
	Contact
	Since time.Time
}

// StalledAt lists contacts that may be messaged whose conversation state
// is at step (the step column, not text inside the JSON) and was last
// changed in (from, to], oldest id first, at most limit after afterID.
func (tx *Tx) StalledAt(step string, from, to time.Time, afterID int64, limit int) ([]StalledContact, error) {
	var rows []StalledContact
	err := tx.db.Table("conversation_states st").
		Select("c.*, st.updated_at AS since").
		Joins("JOIN contacts c ON c.id = st.contact_id").
		Where("st.step = ? AND st.updated_at > ? AND st.updated_at <= ? AND c.id > ? AND c.consent_at IS NOT NULL AND "+noticeableSQL,
			step, from.UTC(), to.UTC(), afterID).
		Order("c.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: stalled conversations: %w", err)
	}
	return rows, nil
}

// OpportunitiesCreated lists opportunities added after since that people may still sign up for at now.
func (tx *Tx) OpportunitiesCreated(since, now time.Time) ([]Opportunity, error) {
	var out []Opportunity
	err := tx.db.Where("created_at > ? AND ((signup_deadline IS NULL AND starts_at > ?) OR signup_deadline > ?)", since.UTC(), now.UTC(), now.UTC()).
		Order("starts_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: new opportunities: %w", err)
	}
	return out, nil
}

// ContactsWithTrack lists consenting contacts that may be messaged whose
// recommended track is one of tracks, id order, at most limit after afterID.
func (tx *Tx) ContactsWithTrack(tracks []string, afterID int64, limit int) ([]Contact, error) {
	var out []Contact
	if len(tracks) == 0 {
		return nil, nil
	}
	err := tx.db.Table("contacts c").Select("c.*").
		Where("c.track IN ? AND c.id > ? AND c.consent_at IS NOT NULL AND "+noticeableSQL, tracks, afterID).
		Order("c.id").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: contacts by track: %w", err)
	}
	return out, nil
}

// SignupsAmong returns, for the given contacts, the opportunities among opps
// they have any sign-up for (contact id → opportunity id → true).
func (tx *Tx) SignupsAmong(contacts, opps []int64) (map[int64]map[int64]bool, error) {
	out := map[int64]map[int64]bool{}
	if len(contacts) == 0 || len(opps) == 0 {
		return out, nil
	}
	var rows []Signup
	if err := tx.db.Where("contact_id IN ? AND opportunity_id IN ?", contacts, opps).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: sign-ups among: %w", err)
	}
	for _, r := range rows {
		if out[r.ContactID] == nil {
			out[r.ContactID] = map[int64]bool{}
		}
		out[r.ContactID][r.OpportunityID] = true
	}
	return out, nil
}

// Promotion is a waitlisted sign-up that just got a place.
type Promotion struct {
	SignupID    int64
	Contact     Contact
	Opportunity Opportunity
}

// PromoteWaitlisted gives each freed place of an opportunity that has not
// started by now to the longest-waiting waitlisted sign-up (waitlistOrder). The opportunity
// is locked while its places are counted, as a sign-up does, so a
// conversation cannot take the same place at the same moment.
func (tx *Tx) PromoteWaitlisted(now time.Time) ([]Promotion, error) {
	now = now.UTC()
	var ids []int64
	err := tx.db.Raw(`SELECT o.id FROM opportunities o
		WHERE o.starts_at > ? AND o.capacity > 0
		AND EXISTS (SELECT 1 FROM signups w WHERE w.opportunity_id = o.id AND w.status = 'waitlisted')
		AND (SELECT COUNT(*) FROM signups r WHERE r.opportunity_id = o.id AND r.status = 'registered') < o.capacity
		ORDER BY o.id`, now).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: find freed places: %w", err)
	}
	var out []Promotion
	for _, id := range ids {
		var o Opportunity
		if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&o, id).Error; err != nil {
			return nil, fmt.Errorf("store: lock opportunity %d: %w", id, err)
		}
		counts, _, err := tx.signupCounts([]int64{id})
		if err != nil {
			return nil, err
		}
		free := o.Capacity - counts[id]
		if free <= 0 {
			continue
		}
		var waiting []Signup
		if err := tx.db.Where("opportunity_id = ? AND status = ?", id, SignupWaitlisted).
			Order(waitlistOrder).Limit(free).Find(&waiting).Error; err != nil {
			return nil, fmt.Errorf("store: waitlist of %d: %w", id, err)
		}
		for _, w := range waiting {
			upd := tx.db.Model(&Signup{}).Where("id = ? AND status = ?", w.ID, SignupWaitlisted).
				Updates(map[string]any{"status": SignupRegistered, "updated_at": tx.store.now()})
			if upd.Error != nil {
				return nil, fmt.Errorf("store: promote sign-up %d: %w", w.ID, upd.Error)
			}
			if upd.RowsAffected == 0 {
				continue
			}
			var c Contact
			if err := tx.db.First(&c, w.ContactID).Error; err != nil {
				return nil, fmt.Errorf("store: contact %d: %w", w.ContactID, err)
			}
			out = append(out, Promotion{SignupID: w.ID, Contact: c, Opportunity: o})
		}
	}
	return out, nil
}

// OutboxByDedupePrefix lists outbox rows whose dedupe key starts with prefix,
// in id order (tests and staff: "what did the reminder sweep queue?").
func (s *Store) OutboxByDedupePrefix(ctx context.Context, prefix string) ([]OutboxMessage, error) {
	var out []OutboxMessage
	if err := s.db.WithContext(ctx).Where("dedupe_key LIKE ?", prefix+"%").Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: outbox by key: %w", err)
	}
	return out, nil
}
