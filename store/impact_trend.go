package store

import (
	"context"
	"fmt"
	"time"
)

// TrendFilter narrows the impact trend to one governorate and/or track
// ("" for all).
type TrendFilter struct {
	Governorate, Track string
}

// HourCount is how many events fell in one UTC hour.
type HourCount struct {
	Hour time.Time
	N    int
}

// ImpactTrend is the funnel's events since a time, counted per UTC hour (the
// caller groups hours into its own days and weeks, in its time zone).
type ImpactTrend struct {
	Reached   []HourCount // people who first wrote
	Consented []HourCount // people who gave consent
	Assessed  []HourCount // self-assessments completed
	SignedUp  []HourCount // sign-ups made
	Orders    []Count     // orders by current status
}

// ImpactTrend counts the funnel's events at or after since, for people not
// erased who match f.
func (s *Store) ImpactTrend(ctx context.Context, f TrendFilter, since time.Time) (*ImpactTrend, error) {
	since = since.UTC().Truncate(time.Microsecond)
	hour := func(col string) string {
		if s.dialect == "postgres" {
			return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
		}
		return "substr(" + col + ", 1, 13)" // stored in UTC as "2006-01-02 15:04:05…"
	}
	where := "c.erased_at IS NULL"
	var args []any
	if f.Governorate != "" {
		where += " AND c.governorate = ?"
		args = append(args, f.Governorate)
	}
	if f.Track != "" {
		where += " AND c.track = ?"
		args = append(args, f.Track)
	}
	t := &ImpactTrend{}
	for _, m := range []struct {
		into *[]HourCount
		col  string
		from string
	}{
		{&t.Reached, "c.created_at", "contacts c"},
		{&t.Consented, "c.consent_at", "contacts c"},
		{&t.Assessed, "a.completed_at", "assessments a JOIN contacts c ON c.id = a.contact_id"},
		{&t.SignedUp, "s.created_at", "signups s JOIN contacts c ON c.id = s.contact_id"},
	} {
		var rows []struct {
			H string
			N int
		}
		q := `SELECT ` + hour(m.col) + ` AS h, COUNT(*) AS n FROM ` + m.from + ` WHERE ` + m.col + ` >= ? AND ` + where + ` GROUP BY h ORDER BY h`
		if err := s.db.WithContext(ctx).Raw(q, append([]any{since}, args...)...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("store: impact trend: %w", err)
		}
		for _, r := range rows {
			h, err := time.Parse("2006-01-02 15", r.H)
			if err != nil {
				return nil, fmt.Errorf("store: impact trend: hour %q: %w", r.H, err)
			}
			*m.into = append(*m.into, HourCount{Hour: h, N: r.N})
		}
	}
	q := `SELECT o.status AS key, COUNT(*) AS n FROM orders o JOIN contacts c ON c.id = o.contact_id WHERE ` + where + ` GROUP BY o.status ORDER BY o.status`
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&t.Orders).Error; err != nil {
		return nil, fmt.Errorf("store: orders by status: %w", err)
	}
	return t, nil
}

// FunnelRow is the funnel's totals for one governorate or track.
type FunnelRow struct {
	Key                                    string
	Reached, Consented, Assessed, SignedUp int
}

// FunnelBy totals the funnel's events at or after since for people not
// erased, grouped by "governorate" or "track" (the person's current one).
func (s *Store) FunnelBy(ctx context.Context, group string, since time.Time) ([]FunnelRow, error) {
	if group != "governorate" && group != "track" {
		return nil, fmt.Errorf("store: funnel by %q: group by governorate or track", group)
	}
	since = since.UTC().Truncate(time.Microsecond)
	col := "c." + group
	q := `SELECT ` + col + ` AS key,
		COALESCE(SUM(CASE WHEN c.created_at >= @since THEN 1 ELSE 0 END), 0) AS reached,
		COALESCE(SUM(CASE WHEN c.consent_at >= @since THEN 1 ELSE 0 END), 0) AS consented,
		COALESCE(SUM((SELECT COUNT(*) FROM assessments a WHERE a.contact_id = c.id AND a.completed_at >= @since)), 0) AS assessed,
		COALESCE(SUM((SELECT COUNT(*) FROM signups s WHERE s.contact_id = c.id AND s.created_at >= @since)), 0) AS signed_up
		FROM contacts c WHERE c.erased_at IS NULL GROUP BY ` + col + ` ORDER BY ` + col
	var out []FunnelRow
	if err := s.db.WithContext(ctx).Raw(q, map[string]any{"since": since}).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: funnel by %s: %w", group, err)
	}
	return out, nil
}
