package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
func (s *Store) EstimateAudience(ctx context.Context, b *Broadcast) (AudienceEstimate, error) {
	q := newExpansionQuery(b)
	est := AudienceEstimate{Reach: map[string]map[string]int{}}
	var rows []struct {
		Channel, Language string
		N                 int
	}
	sql, args := named(`SELECT channel, language, COUNT(*) AS n FROM (
			SELECT `+q.channel+` AS channel, `+q.language+` AS language FROM contacts c
			WHERE c.erased_at IS NULL AND c.opted_out_at IS NULL AND `+consentedSQL+` AND `+q.audience+`
		) t WHERE channel IS NOT NULL GROUP BY channel, language`, q.args)
	err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error
	if err != nil {
		return est, fmt.Errorf("store: estimate audience: %w", err)
	}
	for _, r := range rows {
		if est.Reach[r.Channel] == nil {
			est.Reach[r.Channel] = map[string]int{}
		}
		est.Reach[r.Channel][r.Language] += r.N
	}
	var c struct{ Targeted, OptedOut, NoConsent, Unreachable int }
	sql, args = named(`SELECT COUNT(*) AS targeted,
			COALESCE(SUM(CASE WHEN c.opted_out_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS opted_out,
			COALESCE(SUM(CASE WHEN c.opted_out_at IS NULL AND NOT `+consentedSQL+` THEN 1 ELSE 0 END), 0) AS no_consent,
			COALESCE(SUM(CASE WHEN c.opted_out_at IS NULL AND `+consentedSQL+` AND `+q.channel+` IS NULL THEN 1 ELSE 0 END), 0) AS unreachable
		FROM contacts c WHERE c.erased_at IS NULL AND `+q.audience, q.args)
	err = s.db.WithContext(ctx).Raw(sql, args...).Scan(&c).Error
	if err != nil {
		return est, fmt.Errorf("store: estimate audience: %w", err)
	}
	est.Targeted, est.OptedOut, est.NoConsent, est.Unreachable = c.Targeted, c.OptedOut, c.NoConsent, c.Unreachable
	if !slices.Contains(b.Channels, channelWhatsApp) {
		return est, nil
	}
	closedSMS := "FALSE"
	if slices.Contains(b.Channels, channelSMS) {
		closedSMS = smsReachSQL
	}
	q.args["wsince"] = s.now().Add(-reach.Window)
	var split []struct {
		Class, Language string
		N               int
	}
	sql, args = named(`SELECT class, language, COUNT(*) AS n FROM (
			SELECT `+q.channel+` AS channel, `+q.language+` AS language,
				CASE WHEN `+whatsappWindowOpenSQL+` THEN '`+WindowOpen+`' WHEN `+closedSMS+` THEN '`+WindowClosedSMS+`' ELSE '`+WindowClosed+`' END AS class
			FROM contacts c
			WHERE c.erased_at IS NULL AND c.opted_out_at IS NULL AND c.consent_at IS NOT NULL AND `+q.audience+`
		) t WHERE channel = '`+channelWhatsApp+`' GROUP BY class, language`, q.args)
	if err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&split).Error; err != nil {
		return est, fmt.Errorf("store: estimate audience on whatsapp: %w", err)
	}
	est.WhatsApp = map[string]map[string]int{}
	for _, r := range split {
		if est.WhatsApp[r.Class] == nil {
			est.WhatsApp[r.Class] = map[string]int{}
		}
		est.WhatsApp[r.Class][r.Language] += r.N
	}
	return est, nil
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
