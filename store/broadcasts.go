package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/reach"
	"gorm.io/gorm/clause"
)

// Broadcast statuses as stored. Staff see "sending" and "done" too, derived
// from the outbox (see notifier.BroadcastReport).
const (
	BroadcastScheduled = "scheduled" // waits for send_at, nothing expanded yet
	BroadcastExpanding = "expanding" // audience being turned into outbox rows
	BroadcastExpanded  = "expanded"  // every recipient has its outbox row
	BroadcastCancelled = "cancelled"
	BroadcastFailed    = "failed" // expansion failed every time; Failure says why
)

// Audience chooses a broadcast's recipients. Filters combine with AND; a
// list matches any of its values. All must be set to mean everyone.
type Audience struct {
	All           bool     `json:"all,omitempty"`
	Governorates  []string `json:"governorates,omitempty"`
	Languages     []string `json:"languages,omitempty"`
	Channels      []string `json:"channels,omitempty"` // contacts with an address on any of these
	Tracks        []string `json:"tracks,omitempty"`   // recommended track
	OpportunityID int64    `json:"opportunity_id,omitempty"`
	// Fields keeps contacts whose field (from an imported list, or set by
	// staff) has one of the values: {"program": ["Takaful"]}. Several
	// fields combine with AND.
	Fields map[string][]string `json:"fields,omitempty"`
	// Sources keeps contacts last set by an import of one of these lists.
	Sources []string `json:"sources,omitempty"`
}

// Broadcast is a staff announcement to many contacts.
type Broadcast struct {
	ID                 int64
	Texts              map[string]string `gorm:"serializer:json"` // by language; "ar" is the fallback
	Audience           Audience          `gorm:"serializer:json"`
	Channels           []string          `gorm:"serializer:json"` // channels it may use, in order of preference
	SendAt             time.Time
	Status             string
	ExpandedTo         int64 // contacts with ids up to here are expanded
	Targeted           int   // contacts the audience matched
	SkippedOptedOut    int
	SkippedNoConsent   int
	SkippedUnreachable int // no usable address on the broadcast's channels
	CreatedBy          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	CancelledAt        *time.Time
	Failure            string // why expansion gave up (status failed)
}

// CreateBroadcast stores a new broadcast; expansion happens later (ExpandBroadcast).
func (s *Store) CreateBroadcast(ctx context.Context, b *Broadcast) error {
	if b.Status == "" {
		b.Status = BroadcastScheduled
	}
	b.SendAt = b.SendAt.UTC().Truncate(time.Microsecond)
	if err := s.db.WithContext(ctx).Create(b).Error; err != nil {
		return fmt.Errorf("store: create broadcast: %w", err)
	}
	return nil
}

// Broadcast loads one broadcast.
func (s *Store) Broadcast(ctx context.Context, id int64) (*Broadcast, error) {
	var b Broadcast
	if err := s.db.WithContext(ctx).First(&b, id).Error; err != nil {
		return nil, fmt.Errorf("store: broadcast %d: %w", id, notFound(err))
	}
	return &b, nil
}

// Broadcasts lists broadcasts, newest first, with ids below before (0: from the newest).
func (s *Store) Broadcasts(ctx context.Context, before int64, limit int) ([]Broadcast, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []Broadcast
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list broadcasts: %w", err)
	}
	return out, nil
}

// BroadcastRowCounts counts outbox rows of broadcasts by status, and skipped
// rows by reason under the key "skipped:<reason>".
func (s *Store) BroadcastRowCounts(ctx context.Context, ids []int64) (map[int64]map[string]int, error) {
	out := map[int64]map[string]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		BroadcastID int64
		Status      string
		Reason      string
		N           int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT broadcast_id, status,
		CASE WHEN status = 'skipped' THEN error ELSE '' END AS reason, COUNT(*) AS n
		FROM outbox WHERE broadcast_id IN ? GROUP BY broadcast_id, status, CASE WHEN status = 'skipped' THEN error ELSE '' END`, ids).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: count broadcast rows: %w", err)
	}
	for _, r := range rows {
		m := out[r.BroadcastID]
		if m == nil {
			m = map[string]int{}
			out[r.BroadcastID] = m
		}
		m[r.Status] += r.N
		if r.Status == OutboxSkipped {
			m["skipped:"+r.Reason] += r.N
		}
	}
	return out, nil
}

// CancelBroadcast stops a broadcast: its expansion ends and its rows not yet
// handed to a provider are cancelled. It returns how many rows it cancelled;
// cancelling twice does nothing more.
func (s *Store) CancelBroadcast(ctx context.Context, id int64) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx *Tx) error {
		b, err := tx.lockBroadcast(id)
		if err != nil {
			return err
		}
		if b.Status == BroadcastCancelled {
			return nil
		}
		now := s.now()
		if err := tx.db.Model(&Broadcast{}).Where("id = ?", id).
			Updates(map[string]any{"status": BroadcastCancelled, "cancelled_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		res := tx.db.Exec(`UPDATE outbox SET status = 'cancelled', error = 'broadcast cancelled', updated_at = ?
			WHERE broadcast_id = ? AND status = 'pending'`, now, id)
		n = int(res.RowsAffected)
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: cancel broadcast %d: %w", id, err)
	}
	return n, nil
}

// FailBroadcast gives up a broadcast whose expansion keeps failing, with
// why: it is no longer due, so later broadcasts go on. Rows it already queued
// stay (they are sendable); a broadcast no longer waiting is left as it is.
func (s *Store) FailBroadcast(ctx context.Context, id int64, reason string) error {
	err := s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("id = ? AND status IN ?", id, []string{BroadcastScheduled, BroadcastExpanding}).
		Updates(map[string]any{"status": BroadcastFailed, "failure": truncate(strings.ReplaceAll(reason, "\x00", "")), "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("store: fail broadcast %d: %w", id, err)
	}
	return nil
}

func (tx *Tx) lockBroadcast(id int64) (*Broadcast, error) {
	var b Broadcast
	if err := tx.db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&b, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &b, nil
}

// DueBroadcast returns the oldest broadcast whose audience waits to be
// expanded at now, or nil.
func (s *Store) DueBroadcast(ctx context.Context, now time.Time) (*Broadcast, error) {
	var b Broadcast
	q := s.db.WithContext(ctx).Where("status IN ? AND send_at <= ?", []string{BroadcastScheduled, BroadcastExpanding}, now.UTC()).
		Order("id").Limit(1).Find(&b)
	if q.Error != nil {
		return nil, fmt.Errorf("store: due broadcast: %w", q.Error)
	}
	if q.RowsAffected == 0 {
		return nil, nil
	}
	return &b, nil
}

// Expansion is one batch of a broadcast's expansion.
type Expansion struct {
	Contacts int  // contacts looked at
	Queued   int  // outbox rows added
	Done     bool // nothing is left to expand (or the broadcast was cancelled)
}

// ExpandBroadcast turns the next batch of up to batch contacts (by id) into
// outbox rows of priority, due at due, in one transaction with the
// broadcast's progress: a crash repeats at most the batch, and the dedupe key
// broadcast:<id>:contact:<id> keeps a repeat from adding rows twice. Each
// contact gets the text of its language (else Arabic) on the first of the
// broadcast's channels where it has a reachable address.
func (s *Store) ExpandBroadcast(ctx context.Context, id int64, batch, priority int, due time.Time) (Expansion, error) {
	var ex Expansion
	err := s.InTx(ctx, func(tx *Tx) error {
		b, err := tx.lockBroadcast(id)
		if err != nil {
			return err
		}
		if b.Status != BroadcastScheduled && b.Status != BroadcastExpanding {
			ex.Done = true
			return nil
		}
		now := s.now()
		var hi *int64
		if err := tx.db.Raw(`SELECT MAX(id) FROM (SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT ?) t`, b.ExpandedTo, batch).
			Scan(&hi).Error; err != nil {
			return err
		}
		if hi == nil {
			ex.Done = true
			return tx.db.Model(&Broadcast{}).Where("id = ?", id).
				Updates(map[string]any{"status": BroadcastExpanded, "updated_at": now}).Error
		}
		q := newAudienceQuery(b)
		q.args["lo"], q.args["hi"] = b.ExpandedTo, *hi
		q.args["prio"], q.args["due"], q.args["now"] = priority, due.UTC().Truncate(time.Microsecond), now
		q.args["key"], q.args["bid"] = "broadcast:"+strconv.FormatInt(id, 10)+":contact:", id
		inRange := `c.id > @lo AND c.id <= @hi AND c.erased_at IS NULL AND ` + q.audience
		if err := tx.planEachBatch(); err != nil {
			return err
		}
		res := tx.db.Exec(`INSERT INTO outbox (contact_id, channel, recipient, language, priority, payload, body, always,
				status, attempts, next_attempt_at, provider_id, error, dedupe_key, broadcast_id, created_at, updated_at, kind)
			SELECT c.id, `+q.channel+`, `+q.recipient+`, `+q.language+`, @prio, '', `+q.body+`, FALSE,
				'pending', 0, @due, '', '', @key || CAST(c.id AS TEXT), @bid, @now, @now, 'broadcast'
			FROM contacts c WHERE `+inRange+` AND c.opted_out_at IS NULL AND `+consentedSQL+`
				AND `+q.channel+` IS NOT NULL
			ON CONFLICT DO NOTHING`, q.args)
		if res.Error != nil {
			return fmt.Errorf("insert rows: %w", res.Error)
		}
		ex.Queued = int(res.RowsAffected)
		var c struct{ Contacts, Targeted, OptedOut, NoConsent, Unreachable int }
		if err := tx.db.Raw(`SELECT
				(SELECT COUNT(*) FROM contacts WHERE id > @lo AND id <= @hi) AS contacts,
				COUNT(*) AS targeted,
				COALESCE(SUM(CASE WHEN c.opted_out_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS opted_out,
				COALESCE(SUM(CASE WHEN c.opted_out_at IS NULL AND NOT `+consentedSQL+` THEN 1 ELSE 0 END), 0) AS no_consent,
				COALESCE(SUM(CASE WHEN c.opted_out_at IS NULL AND `+consentedSQL+` AND `+q.channel+` IS NULL THEN 1 ELSE 0 END), 0) AS unreachable
			FROM contacts c WHERE `+inRange, q.args).Scan(&c).Error; err != nil {
			return fmt.Errorf("count audience: %w", err)
		}
		ex.Contacts = c.Contacts
		return tx.db.Exec(`UPDATE broadcasts SET status = ?, expanded_to = ?, targeted = targeted + ?,
			skipped_opted_out = skipped_opted_out + ?, skipped_no_consent = skipped_no_consent + ?,
			skipped_unreachable = skipped_unreachable + ?, updated_at = ? WHERE id = ?`,
			BroadcastExpanding, *hi, c.Targeted, c.OptedOut, c.NoConsent, c.Unreachable, now, id).Error
	})
	if err != nil {
		return Expansion{}, fmt.Errorf("store: expand broadcast %d: %w", id, err)
	}
	return ex, nil
}

// expansionQuery holds the SQL pieces that pick each contact's channel,
// address, language and text for one broadcast.
type expansionQuery struct {
	audience, channel, recipient, language, body string
	args                                         map[string]any
	// channels are the broadcast's channels the store can reach, in the
	// order the channel expression tries them; reachConds their conditions.
	channels, reachConds []string
	// langs are the languages the language expression yields: "ar" (for
	// every language without a text of its own) first.
	langs []string
}

// newAudienceQuery builds the SQL of b's audience over the contacts with
// ids in (@lo, @hi]: a batch of an expansion, or a part of a count. A field
// condition names the contacts the field's index holds in that range, so
// the database reads just those entries of the index whatever it knows of
// the tables: asked instead for each contact's own field, PostgreSQL, once
// a vacuum had marked the fields all visible, read every entry of the
// field's million for each batch of 5,000 (384 ms a batch, not 63 ms).
func newAudienceQuery(b *Broadcast) expansionQuery {
	q := expansionQuery{args: map[string]any{}}
	var ch, rc strings.Builder
	ch.WriteString("(CASE")
	rc.WriteString("(CASE")
	for i, name := range byCost(b.Channels) {
		cond, address, ok := reachSQL(name)
		if !ok {
			continue
		}
		p := "ch" + strconv.Itoa(i)
		q.args[p] = name
		fmt.Fprintf(&ch, " WHEN %s THEN @%s", cond, p)
		fmt.Fprintf(&rc, " WHEN %s THEN %s", cond, address)
		q.channels, q.reachConds = append(q.channels, name), append(q.reachConds, cond)
	}
	ch.WriteString(" ELSE NULL END)")
	rc.WriteString(" ELSE NULL END)")
	q.channel, q.recipient = ch.String(), rc.String()
	if !strings.Contains(q.channel, "WHEN") { // no channel it knows: nobody is reachable
		q.channel, q.recipient = "CAST(NULL AS TEXT)", "CAST(NULL AS TEXT)"
	}

	langs := make([]string, 0, len(b.Texts))
	for l := range b.Texts {
		if l != "ar" {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	q.langs = append([]string{"ar"}, langs...)
	var lg, bd strings.Builder
	lg.WriteString("(CASE c.language")
	bd.WriteString("(CASE c.language")
	for i, l := range langs {
		pl, pt := "l"+strconv.Itoa(i), "t"+strconv.Itoa(i)
		q.args[pl], q.args[pt] = l, b.Texts[l]
		fmt.Fprintf(&lg, " WHEN @%s THEN @%s", pl, pl)
		fmt.Fprintf(&bd, " WHEN @%s THEN @%s", pl, pt)
	}
	q.args["lar"], q.args["tar"] = "ar", b.Texts["ar"]
	lg.WriteString(" ELSE @lar END)")
	bd.WriteString(" ELSE @tar END)")
	q.language, q.body = lg.String(), bd.String()
	if len(langs) == 0 {
		q.language, q.body = "@lar", "@tar"
	}

	a := b.Audience
	conds := []string{"TRUE"}
	if len(a.Governorates) > 0 {
		conds, q.args["govs"] = append(conds, "c.governorate IN @govs"), a.Governorates
	}
	if len(a.Languages) > 0 {
		conds, q.args["langs"] = append(conds, "c.language IN @langs"), a.Languages
	}
	if len(a.Tracks) > 0 {
		conds, q.args["tracks"] = append(conds, "c.track IN @tracks"), a.Tracks
	}
	if len(a.Channels) > 0 {
		var ors []string
		for _, name := range a.Channels {
			if cond, ok := addressSQL(name); ok {
				ors = append(ors, "("+cond+")")
			}
		}
		if len(ors) == 0 {
			ors = []string{"FALSE"}
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if a.OpportunityID != 0 {
		conds, q.args["opp"] = append(conds, `EXISTS (SELECT 1 FROM signups s WHERE s.contact_id = c.id
			AND s.opportunity_id = @opp AND s.status IN ('registered', 'waitlisted'))`), a.OpportunityID
	}
	for i, name := range slices.Sorted(maps.Keys(a.Fields)) {
		pn, pv := "fn"+strconv.Itoa(i), "fv"+strconv.Itoa(i)
		q.args[pn], q.args[pv] = name, a.Fields[name]
		conds = append(conds, fmt.Sprintf("c.id IN (SELECT f.contact_id FROM contact_fields f WHERE f.name = @%s AND f.value IN @%s AND f.contact_id > @lo AND f.contact_id <= @hi)", pn, pv))
	}
	if len(a.Sources) > 0 {
		conds, q.args["sources"] = append(conds, "c.import_source IN @sources"), a.Sources
	}
	q.audience = "(" + strings.Join(conds, " AND ") + ")"
	return q
}

// byCost orders a broadcast's channels as reach.Choose weighs them:
// Telegram, then WhatsApp (free inside the window; outside it the
// dispatcher sends the broadcast template, or SMS when the broadcast may
// use it and it costs less or there is no template), then SMS. Channels
// the rule does not know keep their place after those.
func byCost(channels []string) []string {
	var out []string
	for _, w := range reach.Ways() {
		if w != reach.WhatsAppTemplate && slices.Contains(channels, string(w)) {
			out = append(out, string(w))
		}
	}
	for _, c := range channels {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
