package staffapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/staffinput"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

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
	w.Header().Set("Location", "/api/v1/broadcasts/"+strconv.FormatInt(b.ID, 10))
	httpapi.WriteJSON(w, http.StatusAccepted, rep)
	return nil
}

func (a *API) validBroadcast(r *http.Request, in broadcastIn) (*store.Broadcast, error) {
	if in.Audience == nil {
		return nil, badRequest(`audience: required: give filters, or {"all": true} for everyone`)
	}
	chans := in.Channels
	if len(chans) == 0 {
		chans = []string{vocab.Telegram, vocab.SMS}
	}
	b := &store.Broadcast{Texts: in.Texts, Audience: *in.Audience, Channels: chans, CreatedBy: "staff-api"}
	if ps := a.rules().Broadcast(b); len(ps) > 0 {
		return nil, problem(ps[0])
	}
	if a.cfg.CheckChannels && !slices.ContainsFunc(chans, func(ch string) bool { return slices.Contains(a.cfg.Configured, ch) }) {
		return nil, badRequest("channels: none of %s is configured on this server (configured: %s); nothing would be sent",
			strings.Join(chans, ", "), strings.Join(append([]string{}, a.cfg.Configured...), ", "))
	}
	if id := b.Audience.OpportunityID; id > 0 {
		if _, err := a.store.Opportunity(r.Context(), id); err != nil {
			return nil, badRequest("audience.opportunity_id: no opportunity %d", id)
		}
	}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return nil, badRequest("send_at: %q: want an RFC 3339 time such as 2026-05-01T09:00:00+04:00", in.SendAt)
		}
		b.SendAt = t
	}
	return b, nil
}

// problem words a rule's problem for the API: the field first, then what is wrong.
func problem(p staffinput.Problem) error {
	switch p.Code {
	case staffinput.Required:
		if p.Field == "texts.ar" {
			return badRequest("texts.ar: required: Arabic is the text for everyone whose language has none")
		}
		return badRequest("%s: required", p.Field)
	case staffinput.Unknown:
		if p.Field == "texts."+p.Value || p.Field == "title."+p.Value || p.Field == "description."+p.Value {
			return badRequest("%s: unknown language: allowed are %s", p.Field, strings.Join(p.Allowed, ", "))
		}
		return badRequest("%s: %q: allowed are %s", p.Field, p.Value, strings.Join(p.Allowed, ", "))
	case staffinput.Empty:
		if strings.HasPrefix(p.Field, "audience.") {
			return badRequest("%s: empty: give a name and at least one value", p.Field)
		}
		return badRequest("%s: empty text: leave the language out instead", p.Field)
	case staffinput.TooLong:
		return badRequest("%s: %d characters, at most %d", p.Field, p.Length, p.Limit)
	case staffinput.Conflict:
		return badRequest("%s: cannot be combined with filters", p.Field)
	case staffinput.NoFilter:
		return badRequest(`%s: no filter given: set "all": true to reach everyone`, p.Field)
	case staffinput.Negative:
		if p.Field == "capacity" {
			return badRequest("capacity: must be 0 (no limit) or more")
		}
		return badRequest("%s: must be positive", p.Field)
	case staffinput.Duplicate:
		return badRequest("%s: %q given twice", p.Field, p.Value)
	case staffinput.AfterStart:
		return badRequest("%s: after starts_at", p.Field)
	case staffinput.Unsafe:
		return badRequest("%s: contains %s, a NUL, control or direction-override character", p.Field, p.Value)
	case staffinput.TooLarge:
		return badRequest("%s: at most %d", p.Field, p.Limit)
	}
	return badRequest("%s: %s", p.Field, p.Code)
}

func (a *API) listBroadcasts(w http.ResponseWriter, r *http.Request) error {
	before := int64(0)
	if v := r.URL.Query().Get("before"); v != "" {
		var err error
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return badRequest("before: %q is not a whole number", v)
		}
	}
	if r.URL.Query().Has("after") {
		return badRequest("after: broadcasts are listed newest first; page with ?before=<next_before>")
	}
	_, limit, err := page(r)
	if err != nil {
		return err
	}
	reps, err := a.broadcasts.List(r.Context(), before, limit+1)
	if err != nil {
		return err
	}
	return table(w, r, reps, limit, "next_before", func(rp notifier.Report) int64 { return rp.ID },
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
