package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/tamkeen/tamkeen/reach"
)

// FirstContactKey is the catalog key of the introduction an imported person
// who never wrote gets before the first message the service sends them.
const FirstContactKey = "notice.first_contact"

// introduceClaimed hands out, in place of the first claimed message of each
// person an import created who never wrote and was not introduced yet, that
// person's introduction: a new row (dedupe key intro:contact:<id>, so once)
// on the message's channel, in the person's language, claimed as the message
// was. The message, and any other of theirs the claim took, goes back to
// pending under its own id, so it keeps its place in the queue: ClaimLane
// holds every message of theirs back while the introduction is unsent and
// takes the message next once it is sent. Whatever the first message is (a
// broadcast, a reminder, a staff reply) the introduction goes right before
// it, and a broadcast's expansion queues the broadcast alone.
//
// The first look is a read (most claims hold nobody to introduce); the swap
// is one transaction, so a crash leaves either the messages claimed or the
// introduction claimed and the messages pending. When the swap fails the
// claim does, and its rows go again when their lease ends.
// (contacts.introduced_at was the mark of an introduction until step 39;
// the people it marks are left alone.)
func (s *Store) introduceClaimed(ctx context.Context, rows []OutboxMessage) ([]OutboxMessage, error) {
	first := map[int64]int{} // contact → index in rows of its first message
	var contacts []int64
	for i, r := range rows { // rows come by priority, then id
		if _, seen := first[r.ContactID]; !seen && !r.Always && !strings.HasPrefix(r.DedupeKey, introKeyPrefix) {
			first[r.ContactID] = i
			contacts = append(contacts, r.ContactID)
		}
	}
	if len(contacts) == 0 {
		return rows, nil
	}
	args := map[string]any{}
	newcomers := `c.import_created AND c.introduced_at IS NULL AND c.consent_at IS NULL AND c.opted_out_at IS NULL
		AND c.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox i WHERE i.dedupe_key = ` + introKeySQL + `)
		AND NOT EXISTS (SELECT 1 FROM inbound_messages m WHERE m.contact_id = c.id)`
	var found []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT c.id FROM contacts c WHERE `+s.inIDs("c.id", "ids", contacts, args)+` AND `+newcomers, args).
		Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("find people to introduce: %w", err)
	}
	if len(found) == 0 {
		return rows, nil
	}
	claimed := make([]int64, len(found))
	for i, c := range found {
		claimed[i] = rows[first[c]].ID
	}
	now := s.now()
	introOf := map[int64]OutboxMessage{} // contact → the introduction handed out in place of its messages
	err := s.InTx(ctx, func(tx *Tx) error {
		args := map[string]any{"intro": `{"key":"` + FirstContactKey + `"}`, "kind": string(reach.Notice), "now": now}
		// The check again, in the statement that writes: another dispatcher
		// may have introduced one of them since.
		var intros []OutboxMessage
		if err := tx.db.Raw(`INSERT INTO outbox (contact_id, channel, recipient, language, priority, payload, body, always,
				status, attempts, next_attempt_at, lease_until, claimed_by, provider_id, error, dedupe_key, kind, created_at, updated_at)
			SELECT c.id, o.channel, o.recipient, COALESCE(NULLIF(c.language, ''), 'ar'), o.priority, @intro, '', FALSE,
				'sending', 1, o.next_attempt_at, o.lease_until, o.claimed_by, '', '', `+introKeySQL+`, @kind, @now, @now
			FROM outbox o JOIN contacts c ON c.id = o.contact_id
			WHERE `+s.inIDs("o.id", "rows", claimed, args)+` AND o.status = 'sending' AND `+newcomers+`
			ON CONFLICT DO NOTHING RETURNING *`, args).Scan(&intros).Error; err != nil {
			return fmt.Errorf("queue introductions: %w", err)
		}
		if len(intros) == 0 {
			return nil
		}
		for _, in := range intros {
			introOf[in.ContactID] = in
		}
		var back []int64
		for _, r := range rows {
			if _, ok := introOf[r.ContactID]; ok {
				back = append(back, r.ID)
			}
		}
		args = map[string]any{"now": now}
		return tx.db.Exec(`UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_until = NULL, claimed_by = NULL, updated_at = @now
			WHERE `+s.inIDs("id", "back", back, args), args).Error
	})
	if err != nil {
		return nil, fmt.Errorf("introduce: %w", err)
	}
	if len(introOf) == 0 {
		return rows, nil
	}
	out := rows[:0]
	for i, r := range rows {
		in, ok := introOf[r.ContactID]
		switch {
		case !ok:
			out = append(out, r)
		case first[r.ContactID] == i:
			out = append(out, in)
		}
	}
	return out, nil
}

// introKeyPrefix starts the dedupe key of every introduction; introKeySQL
// is the key of the introduction of the contact c; unsentIntroSQL says the
// outbox row i is an introduction not sent yet, in the words of the partial
// index that holds those rows alone (outbox_unsent_intro, step 42: the
// databases use it only when a query says exactly that).
const (
	introKeyPrefix = "intro:contact:"
	introKeySQL    = `'` + introKeyPrefix + `' || CAST(c.id AS TEXT)`
	unsentIntroSQL = `i.dedupe_key LIKE '` + introKeyPrefix + `%' AND i.status IN ('pending', 'sending')`
)
