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
	// One pass over the audience: each person's state, channel, language
	// and (on WhatsApp) window, counted by kind.
	class := "''"
	if slices.Contains(b.Channels, channelWhatsApp) {
		closedSMS := "FALSE"
		if slices.Contains(b.Channels, channelSMS) {
			closedSMS = smsReachSQL
		}
		q.args["wsince"] = s.now().Add(-reach.Window)
		class = `CASE WHEN ` + whatsappWindowOpenSQL + ` THEN '` + WindowOpen + `' WHEN ` + closedSMS + ` THEN '` +
			WindowClosedSMS + `' ELSE '` + WindowClosed + `' END`
	}
	var rows []struct {
		State    string
		Channel  *string
		Language string
		Class    string
		N        int
	}
	sql, args := named(`SELECT state, channel, language, class, COUNT(*) AS n FROM (
			SELECT CASE WHEN c.opted_out_at IS NOT NULL THEN 'opted_out' WHEN NOT `+consentedSQL+` THEN 'no_consent' ELSE 'ok' END AS state,
				`+q.channel+` AS channel, `+q.language+` AS language, `+class+` AS class
			FROM contacts c WHERE c.erased_at IS NULL AND `+q.audience+`
		) t GROUP BY state, channel, language, class`, q.args)
	if err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return est, fmt.Errorf("store: estimate audience: %w", err)
	}
	for _, r := range rows {
		est.Targeted += r.N
		switch {
		case r.State == "opted_out":
			est.OptedOut += r.N
		case r.State == "no_consent":
			est.NoConsent += r.N
		case r.Channel == nil:
			est.Unreachable += r.N
		default:
			if est.Reach[*r.Channel] == nil {
				est.Reach[*r.Channel] = map[string]int{}
			}
			est.Reach[*r.Channel][r.Language] += r.N
			if *r.Channel != channelWhatsApp {
				continue
			}
			if est.WhatsApp == nil {
				est.WhatsApp = map[string]map[string]int{}
			}
			if est.WhatsApp[r.Class] == nil {
				est.WhatsApp[r.Class] = map[string]int{}
			}
			est.WhatsApp[r.Class][r.Language] += r.N
		}
	}
	if est.WhatsApp == nil && slices.Contains(b.Channels, channelWhatsApp) {
		est.WhatsApp = map[string]map[string]int{}
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
