package store

import (
	"context"
	"fmt"
	"time"
)

// Count is one group of a breakdown: a key (governorate, language, status,
// channel, track) and how many rows have it.
type Count struct {
	Key string
	N   int
}

// OpportunityCounts is an opportunity with its sign-ups counted by status.
type OpportunityCounts struct {
	ID             int64
	Kind           string
	Track          string
	Governorate    string
	Title          map[string]string `gorm:"serializer:json"`
	StartsAt       time.Time
	SignupDeadline *time.Time
	ArchivedAt     *time.Time
	Capacity       int
	Demo           bool
	Registered     int
	Waitlisted     int
	Cancelled      int
	// Open tells whether people can sign up now: not archived, not started,
	// the deadline (if any) not passed; the rule the conversation offers by.
	Open bool `gorm:"-"`
}

// Dashboard is the impact figures staff report.
type Dashboard struct {
	Contacts      int // not erased
	OptedOut      int // not erased, opted out
	Erased        int
	Consented     int // not erased, gave consent
	ByGovernorate []Count
	ByLanguage    []Count
	Assessments   int     // finished assessments (retakes count again)
	ByTrack       []Count // current recommended track of contacts not erased
	Signups       []Count // by status
	Opportunities []OpportunityCounts
	SentByChannel []Count // messages handed to a provider since the given time
}

// Dashboard computes the figures with a few grouped queries (none per row);
// SentByChannel counts messages sent at or after since.
func (s *Store) Dashboard(ctx context.Context, since time.Time) (*Dashboard, error) {
	db := s.db.WithContext(ctx)
	d := &Dashboard{}
	var totals struct {
		Contacts, OptedOut, Erased, Consented int
	}
	err := db.Raw(`SELECT
		COALESCE(SUM(CASE WHEN erased_at IS NULL THEN 1 ELSE 0 END), 0) AS contacts,
		COALESCE(SUM(CASE WHEN erased_at IS NULL AND opted_out_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS opted_out,
		COALESCE(SUM(CASE WHEN erased_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS erased,
		COALESCE(SUM(CASE WHEN erased_at IS NULL AND consent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS consented
		FROM contacts`).Scan(&totals).Error
	if err != nil {
		return nil, fmt.Errorf("store: dashboard contacts: %w", err)
	}
	d.Contacts, d.OptedOut, d.Erased, d.Consented = totals.Contacts, totals.OptedOut, totals.Erased, totals.Consented

	groups := []struct {
		what string
		into *[]Count
		sql  string
		args []any
	}{
		{"governorates", &d.ByGovernorate, `SELECT governorate AS key, COUNT(*) AS n FROM contacts
			WHERE erased_at IS NULL GROUP BY governorate ORDER BY n DESC, key`, nil},
		{"languages", &d.ByLanguage, `SELECT language AS key, COUNT(*) AS n FROM contacts
			WHERE erased_at IS NULL GROUP BY language ORDER BY n DESC, key`, nil},
		{"tracks", &d.ByTrack, `SELECT track AS key, COUNT(*) AS n FROM contacts
			WHERE erased_at IS NULL AND track <> '' GROUP BY track ORDER BY n DESC, key`, nil},
		{"sign-ups", &d.Signups, `SELECT status AS key, COUNT(*) AS n FROM signups GROUP BY status ORDER BY key`, nil},
		{"messages sent", &d.SentByChannel, `SELECT channel AS key, COUNT(*) AS n FROM outbox
			WHERE status IN ('sent', 'delivered') AND sent_at >= ? GROUP BY channel ORDER BY n DESC, key`,
			[]any{since.UTC()}},
	}
	for _, g := range groups {
		if err := db.Raw(g.sql, g.args...).Scan(g.into).Error; err != nil {
			return nil, fmt.Errorf("store: dashboard %s: %w", g.what, err)
		}
	}
	var n int64
	if err := db.Model(&Assessment{}).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("store: dashboard assessments: %w", err)
	}
	d.Assessments = int(n)
	all, err := s.OpportunityCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range all { // archived ones are off the staff's lists
		if o.ArchivedAt == nil {
			d.Opportunities = append(d.Opportunities, o)
		}
	}
	return d, nil
}

// OpportunityCounts lists every opportunity, soonest first, with its sign-ups
// counted by status in one grouped query.
func (s *Store) OpportunityCounts(ctx context.Context) ([]OpportunityCounts, error) {
	var out []OpportunityCounts
	err := s.db.WithContext(ctx).Raw(`SELECT o.id, o.kind, o.track, o.governorate, o.title, o.starts_at, o.signup_deadline,
		o.archived_at, o.capacity, o.demo,
		COALESCE(c.registered, 0) AS registered, COALESCE(c.waitlisted, 0) AS waitlisted, COALESCE(c.cancelled, 0) AS cancelled
		FROM opportunities o LEFT JOIN (
			SELECT opportunity_id,
				SUM(CASE WHEN status = 'registered' THEN 1 ELSE 0 END) AS registered,
				SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END) AS waitlisted,
				SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
			FROM signups GROUP BY opportunity_id
		) c ON c.opportunity_id = o.id
		ORDER BY o.starts_at, o.id`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: opportunity counts: %w", err)
	}
	now := s.now()
	for i := range out {
		o := &out[i]
		o.Open = o.ArchivedAt == nil && signupsOpen(o.StartsAt, o.SignupDeadline, now)
	}
	return out, nil
}

// signupsOpen is whether sign-ups are open at now for an opportunity that
// starts at starts with the deadline deadline (nil: until it starts), as
// ConversationData offers them.
func signupsOpen(starts time.Time, deadline *time.Time, now time.Time) bool {
	if deadline != nil {
		return deadline.After(now)
	}
	return starts.After(now)
}
