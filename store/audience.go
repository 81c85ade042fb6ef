package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/tamkeen/tamkeen/reach"
)

// AudienceEstimate is what a broadcast would reach if it were sent now.
type AudienceEstimate struct {
	// Reach counts the people a message would go to, by channel and by the
	// language of the text they would get.
	Reach                            map[string]map[string]int
	Targeted                         int // the audience matched, before the skips below
	OptedOut, NoConsent, Unreachable int
	// WhatsApp splits those Reach counts on WhatsApp by their window now,
	// then by language: WindowOpen (a free message), WindowClosedSMS (closed,
	// and SMS reaches them and the broadcast may use it), WindowClosed (closed,
	// no SMS): what reach.Choose needs to say which way each goes.
	WhatsApp map[string]map[string]int
}

// The classes of AudienceEstimate.WhatsApp.
const (
	WindowOpen      = "open"
	WindowClosedSMS = "closed_sms"
	WindowClosed    = "closed"
)

// Total is how many people the broadcast would reach.
func (e AudienceEstimate) Total() int {
	n := 0
	for _, byLang := range e.Reach {
		for _, k := range byLang {
			n += k
		}
	}
	return n
}

// EstimateAudience counts whom b would reach now, with the same rules the
// expansion applies when it is sent (consent, opt-out, usable address on
// one of b's channels in order of preference).
//
// It reads the audience once: each person is given a kind (opted out, no
// consent, unreachable, or a channel, language and WhatsApp window) and the
// kinds are counted side by side, without sorting. On SQLite the contacts
// are counted in two halves at once, one per core.
func (s *Store) EstimateAudience(ctx context.Context, b *Broadcast) (AudienceEstimate, error) {
	est := AudienceEstimate{Reach: map[string]map[string]int{}}
	if slices.Contains(b.Channels, channelWhatsApp) {
		est.WhatsApp = map[string]map[string]int{}
	}
	var span struct{ Lo, Hi *int64 }
	if err := s.db.WithContext(ctx).Raw("SELECT MIN(id) AS lo, MAX(id) AS hi FROM contacts").Scan(&span).Error; err != nil {
		return est, fmt.Errorf("store: estimate audience: %w", err)
	}
	if span.Lo == nil {
		return est, nil
	}
	parts := int64(1)
	if s.dialect == "sqlite" && *span.Hi-*span.Lo > estimateSplitAbove {
		parts = 2
	}
	query, args, kinds := s.audienceKindsSQL(b)
	ranges := splitIDs(*span.Lo, *span.Hi, parts)
	counts := make([][]int64, len(ranges))
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for i, r := range ranges {
		partArgs := maps.Clone(args)
		partArgs["lo"], partArgs["hi"] = r[0], r[1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = s.countKinds(ctx, query, partArgs, len(kinds))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return est, fmt.Errorf("store: estimate audience: %w", err)
	}
	for _, part := range counts {
		for j, n := range part {
			est.add(kinds[j], int(n))
		}
	}
	return est, nil
}

// splitIDs splits the ids from lo to hi (lo ≤ hi) into parts ranges (or
// fewer, when there are fewer ids), each (from, to]: together they hold
// every id once.
func splitIDs(lo, hi, parts int64) [][2]int64 {
	n := hi - lo + 1
	parts = max(1, min(parts, n))
	out := make([][2]int64, 0, parts)
	from := lo - 1
	for i := range parts {
		to := lo - 1 + n*(i+1)/parts
		out = append(out, [2]int64{from, to})
		from = to
	}
	return out
}

// estimateSplitAbove is the span of contact ids above which SQLite counts
// an audience in two halves at once (its engine runs a query on one core).
const estimateSplitAbove = 100_000

// audienceKind is one kind of person EstimateAudience counts.
type audienceKind struct {
	state             string // "opted_out", "no_consent", "unreachable", or "" (reached)
	channel, language string
	class             string // on WhatsApp: WindowOpen, WindowClosedSMS or WindowClosed
}

func (e *AudienceEstimate) add(k audienceKind, n int) {
	if n == 0 {
		return
	}
	e.Targeted += n
	switch k.state {
	case "opted_out":
		e.OptedOut += n
		return
	case "no_consent":
		e.NoConsent += n
		return
	case "unreachable":
		e.Unreachable += n
		return
	}
	if e.Reach[k.channel] == nil {
		e.Reach[k.channel] = map[string]int{}
	}
	e.Reach[k.channel][k.language] += n
	if k.class != "" {
		if e.WhatsApp[k.class] == nil {
			e.WhatsApp[k.class] = map[string]int{}
		}
		e.WhatsApp[k.class][k.language] += n
	}
}

// audienceKindsSQL is the query counting the kinds of b's audience among
// the contacts with ids in (@lo, @hi] (args lacks those two): one column per
// kind, in the order of kinds.
func (s *Store) audienceKindsSQL(b *Broadcast) (string, map[string]any, []audienceKind) {
	q := newAudienceQuery(b)
	kinds := []audienceKind{{state: "opted_out"}, {state: "no_consent"}, {state: "unreachable"}}
	var langIdx strings.Builder // the index of each person's language in q.langs
	langIdx.WriteString("(CASE c.language")
	for i := 1; i < len(q.langs); i++ {
		fmt.Fprintf(&langIdx, " WHEN @l%d THEN %d", i-1, i)
	}
	langIdx.WriteString(" ELSE 0 END)")
	var kind strings.Builder
	kind.WriteString("CASE WHEN c.opted_out_at IS NOT NULL THEN 0 WHEN NOT " + consentedSQL + " THEN 1")
	for i, ch := range q.channels {
		classes := []string{""}
		class := ""
		if ch == channelWhatsApp {
			closedSMS := "FALSE"
			if slices.Contains(b.Channels, channelSMS) {
				closedSMS = smsReachSQL
			}
			q.args["wsince"] = s.now().Add(-reach.Window)
			classes = []string{WindowOpen, WindowClosedSMS, WindowClosed}
			class = " + (CASE WHEN " + whatsappWindowOpenSQL + " THEN 0 WHEN " + closedSMS + " THEN 1 ELSE 2 END)"
		}
		// This channel's kinds: by language, then by class.
		first := len(kinds)
		for _, l := range q.langs {
			for _, c := range classes {
				kinds = append(kinds, audienceKind{channel: ch, language: l, class: c})
			}
		}
		if len(q.langs) == 1 {
			fmt.Fprintf(&kind, " WHEN %s THEN %d%s", q.reachConds[i], first, class)
		} else {
			fmt.Fprintf(&kind, " WHEN %s THEN %d + %d * %s%s", q.reachConds[i], first, len(classes), langIdx.String(), class)
		}
	}
	kind.WriteString(" ELSE 2 END")
	cols := make([]string, len(kinds))
	for i := range kinds {
		if s.dialect == "postgres" {
			cols[i] = fmt.Sprintf("COUNT(*) FILTER (WHERE k = %d)", i)
		} else {
			cols[i] = fmt.Sprintf("SUM(k = %d)", i)
		}
	}
	// The kind is worked out once per person: without the LIMIT (SQLite)
	// or OFFSET (PostgreSQL) the subquery is merged into the outer query,
	// which then works it out again for every column.
	fence := " LIMIT -1"
	if s.dialect == "postgres" {
		fence = " OFFSET 0"
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM (
			SELECT ` + kind.String() + ` AS k FROM contacts c
			WHERE c.id > @lo AND c.id <= @hi AND c.erased_at IS NULL AND ` + q.audience + fence + `
		) t`, q.args, kinds
}

// countKinds runs a query of audienceKindsSQL.
func (s *Store) countKinds(ctx context.Context, query string, args map[string]any, kinds int) ([]int64, error) {
	counts := make([]sql.NullInt64, kinds)
	dest := make([]any, kinds)
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := s.db.WithContext(ctx).Raw(query, args).Row().Scan(dest...); err != nil {
		return nil, err
	}
	out := make([]int64, kinds)
	for i, c := range counts {
		out[i] = c.Int64
	}
	return out, nil
}

// consentedSQL tells the contacts a broadcast may be sent to: those who
// accepted the privacy notice, and those a program's list brought in
// (contactimport) unless they said no to the notice since: the program's
// registry is why the service writes to them, and their first message
// starts with who is writing and how to stop.
const consentedSQL = "(c.consent_at IS NOT NULL OR (c.import_source <> '' AND c.consent_declined_at IS NULL))"

// Consented says whether bulk messages (broadcasts) may go to c, as
// consentedSQL does in SQL: c accepted the privacy notice, or a program's
// list brought c in and c did not say no to the notice.
func (c *Contact) Consented() bool {
	return c.ConsentAt != nil || (c.ImportSource != "" && c.ConsentDeclinedAt == nil)
}

// named passes args as named parameters only when sql names one: gorm reads
// a lone map as a positional argument otherwise.
func named(sql string, args map[string]any) (string, []any) {
	if strings.Contains(sql, "@") {
		return sql, []any{args}
	}
	return sql, nil
}
