package staffapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
)

// maxTextRunes bounds one broadcast text (Telegram's message size).
const maxTextRunes = 4096

// channelNames are the channels a broadcast may use.
func channelNames() []string { return []string{"telegram", "sms", "console"} }

type broadcastIn struct {
	Texts    map[string]string `json:"texts"`
	Audience *store.Audience   `json:"audience"`
	Channels []string          `json:"channels"`
	SendAt   string            `json:"send_at"`
}

func (a *API) createBroadcast(w http.ResponseWriter, r *http.Request) error {
	var in broadcastIn
	if err := decode(r, &in); err != nil {
		return err
	}
	b, err := a.validBroadcast(r, in)
	if err != nil {
		return err
	}
	rep, err := a.broadcasts.Create(r.Context(), b)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, rep)
	return nil
}

func (a *API) validBroadcast(r *http.Request, in broadcastIn) (*store.Broadcast, error) {
	if strings.TrimSpace(in.Texts["ar"]) == "" {
		return nil, badRequest(`texts.ar: required: Arabic is the text for everyone whose language has none`)
	}
	for lang, text := range in.Texts {
		if !slices.Contains(a.cfg.Languages, lang) {
			return nil, badRequest("texts.%s: unknown language: allowed are %s", lang, strings.Join(a.cfg.Languages, ", "))
		}
		if strings.TrimSpace(text) == "" {
			return nil, badRequest("texts.%s: empty text: leave the language out instead", lang)
		}
		if n := utf8.RuneCountInString(text); n > maxTextRunes {
			return nil, badRequest("texts.%s: %d characters, at most %d", lang, n, maxTextRunes)
		}
	}
	if in.Audience == nil {
		return nil, badRequest(`audience: required: give filters, or {"all": true} for everyone`)
	}
	au := *in.Audience
	filtered := len(au.Governorates)+len(au.Languages)+len(au.Channels)+len(au.Tracks) > 0 || au.OpportunityID != 0
	switch {
	case au.All && filtered:
		return nil, badRequest(`audience.all: cannot be combined with filters`)
	case !au.All && !filtered:
		return nil, badRequest(`audience: no filter given: set "all": true to reach everyone`)
	}
	for _, l := range au.Languages {
		if !slices.Contains(a.cfg.Languages, l) {
			return nil, badRequest("audience.languages: %q: allowed are %s", l, strings.Join(a.cfg.Languages, ", "))
		}
	}
	for _, c := range au.Channels {
		if !slices.Contains(channelNames(), c) {
			return nil, badRequest("audience.channels: %q: allowed are %s", c, strings.Join(channelNames(), ", "))
		}
	}
	if au.OpportunityID < 0 {
		return nil, badRequest("audience.opportunity_id: must be positive")
	}
	if au.OpportunityID > 0 {
		if _, err := a.store.Opportunity(r.Context(), au.OpportunityID); err != nil {
			return nil, badRequest("audience.opportunity_id: no opportunity %d", au.OpportunityID)
		}
	}
	chans := in.Channels
	if len(chans) == 0 {
		chans = []string{"telegram", "sms"}
	}
	for i, c := range chans {
		if !slices.Contains(channelNames(), c) {
			return nil, badRequest("channels[%d]: %q: allowed are %s", i, c, strings.Join(channelNames(), ", "))
		}
		if slices.Index(chans, c) != i {
			return nil, badRequest("channels[%d]: %q given twice", i, c)
		}
	}
	b := &store.Broadcast{Texts: in.Texts, Audience: au, Channels: chans, CreatedBy: "staff-api"}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return nil, badRequest("send_at: %q: want an RFC 3339 time such as 2026-05-01T09:00:00+04:00", in.SendAt)
		}
		b.SendAt = t
	}
	return b, nil
}

func (a *API) listBroadcasts(w http.ResponseWriter, r *http.Request) error {
	before := int64(0)
	if v := r.URL.Query().Get("before"); v != "" {
		var err error
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return badRequest("before: %q is not a whole number", v)
		}
	}
	_, limit, err := page(r)
	if err != nil {
		return err
	}
	reps, err := a.broadcasts.List(r.Context(), before, limit)
	if err != nil {
		return err
	}
	return table(w, r, reps, func(rp notifier.Report) int64 { return rp.ID },
		[]string{"id", "status", "send_at", "created_at", "targeted", "queued", "sent", "delivered", "failed", "cancelled",
			"skipped_opted_out", "skipped_no_consent", "skipped_unreachable", "text_ar"},
		func(rp notifier.Report) []string {
			c := rp.Counts
			return []string{itoa(rp.ID), rp.Status, rp.SendAt.Format(time.RFC3339), rp.CreatedAt.Format(time.RFC3339),
				itoa(c.Targeted), itoa(c.Queued), itoa(c.Sent), itoa(c.Delivered), itoa(c.Failed), itoa(c.Cancelled),
				itoa(c.Skipped[notifier.SkipOptedOut]), itoa(c.Skipped[notifier.SkipNoConsent]), itoa(c.Skipped[notifier.SkipUnreachable]),
				rp.Texts["ar"]}
		})
}

func (a *API) getBroadcast(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := a.broadcasts.Report(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (a *API) cancelBroadcast(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := a.broadcasts.Cancel(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func itoa[T int | int64](n T) string { return strconv.FormatInt(int64(n), 10) }
