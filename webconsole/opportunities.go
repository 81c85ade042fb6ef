package webconsole

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/store"
)

// opportunityForm is the create and edit form as typed, with what is wrong with it.
type opportunityForm struct {
	ID                 int64 // 0 for a new one
	Kind, Track, Gov   string
	TitleAR, TitleEN   string
	DescAR, DescEN     string
	StartsAt, Deadline string // datetime-local in TAMKEEN_TIMEZONE
	Capacity           string
	Problems           []string // catalog keys
}

func (c *Console) listOpportunities(w http.ResponseWriter, rq *request) error {
	list, err := c.store.OpportunityCounts(rq.Context())
	if err != nil {
		return err
	}
	showArchived := rq.URL.Query().Get("archived") == "1"
	shown := list[:0:0]
	for _, o := range list {
		if (o.ArchivedAt != nil) == showArchived {
			shown = append(shown, o)
		}
	}
	c.render(w, rq, http.StatusOK, "opportunities", "opportunities", map[string]any{"List": shown, "Archived": showArchived})
	return nil
}

func (c *Console) formPage(w http.ResponseWriter, rq *request, code int, f opportunityForm, signups []store.SignupRow) {
	data := map[string]any{"Form": f, "Choices": c.choices(), "Signups": signups}
	if f.ID != 0 {
		if o, err := c.store.Opportunity(rq.Context(), f.ID); err == nil {
			now := c.clock.Now()
			data["Closed"] = o.SignupDeadline != nil && !o.SignupDeadline.After(now) || !o.StartsAt.After(now)
			data["Started"] = !o.StartsAt.After(now) // attendance is marked from then on
		}
		if archived, err := c.store.ArchivedOpportunities(rq.Context()); err == nil {
			data["Archived"] = archived[f.ID]
		}
	}
	c.render(w, rq, code, "opportunity_form", "opportunities", data)
}

func (c *Console) newOpportunity(w http.ResponseWriter, rq *request) error {
	c.formPage(w, rq, http.StatusOK, opportunityForm{Kind: "training", Capacity: "0"}, nil)
	return nil
}

func (c *Console) showOpportunity(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	o, err := c.store.Opportunity(rq.Context(), id)
	if err != nil {
		return err
	}
	signups, err := c.store.ListSignups(rq.Context(), store.SignupFilter{OpportunityID: id, Limit: 1000})
	if err != nil {
		return err
	}
	f := opportunityForm{
		ID: o.ID, Kind: o.Kind, Track: o.Track, Gov: o.Governorate,
		TitleAR: o.Title["ar"], TitleEN: o.Title["en"], DescAR: o.Description["ar"], DescEN: o.Description["en"],
		StartsAt: o.StartsAt.In(c.cfg.Location).Format(localInput), Capacity: strconv.Itoa(o.Capacity),
	}
	if o.SignupDeadline != nil {
		f.Deadline = o.SignupDeadline.In(c.cfg.Location).Format(localInput)
	}
	c.formPage(w, rq, http.StatusOK, f, signups)
	return nil
}

func (c *Console) readOpportunity(rq *request) (opportunityForm, *store.Opportunity) {
	v := func(name string) string { return strings.TrimSpace(rq.PostFormValue(name)) }
	f := opportunityForm{
		Kind: v("kind"), Track: v("track"), Gov: v("governorate"), TitleAR: v("title_ar"), TitleEN: v("title_en"),
		DescAR: v("description_ar"), DescEN: v("description_en"), StartsAt: v("starts_at"), Deadline: v("signup_deadline"),
		Capacity: v("capacity"),
	}
	// The form's own reading (times, numbers) first, then the rules shared with the staff API.
	var parse []string
	starts, err := time.ParseInLocation(localInput, f.StartsAt, c.cfg.Location)
	if err != nil {
		parse = append(parse, "console.problem.starts_at")
	}
	capacity, err := strconv.Atoi(f.Capacity)
	if f.Capacity == "" {
		capacity, err = 0, nil
	}
	if err != nil {
		parse = append(parse, "console.problem.capacity")
	}
	o := &store.Opportunity{
		Kind: f.Kind, Track: f.Track, Governorate: f.Gov, Capacity: capacity,
		Title:       nonEmpty(map[string]string{"ar": f.TitleAR, "en": f.TitleEN}),
		Description: nonEmpty(map[string]string{"ar": f.DescAR, "en": f.DescEN}),
	}
	if !starts.IsZero() {
		o.StartsAt = starts.UTC()
	}
	if f.Deadline != "" {
		if d, err := time.ParseInLocation(localInput, f.Deadline, c.cfg.Location); err != nil {
			parse = append(parse, "console.problem.deadline")
		} else {
			d = d.UTC()
			o.SignupDeadline = &d
		}
	}
	for _, key := range append(parse, problemKeys(c.rules().Opportunity(o))...) {
		if !slices.Contains(f.Problems, key) {
			f.Problems = append(f.Problems, key)
		}
	}
	return f, o
}

func nonEmpty(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" {
			out[k] = strings.ReplaceAll(v, "\r\n", "\n")
		}
	}
	return out
}

func (c *Console) createOpportunity(w http.ResponseWriter, rq *request) error {
	f, o := c.readOpportunity(rq)
	if len(f.Problems) > 0 {
		c.formPage(w, rq, http.StatusUnprocessableEntity, f, nil)
		return nil
	}
	if err := c.store.CreateOpportunity(rq.Context(), o); err != nil {
		return err
	}
	c.log.Info("console: opportunity created", "opportunity", o.ID)
	return seeOther(w, rq, "/console/opportunities/"+strconv.FormatInt(o.ID, 10))
}

func (c *Console) updateOpportunity(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	f, o := c.readOpportunity(rq)
	f.ID = id
	if len(f.Problems) > 0 {
		signups, err := c.store.ListSignups(rq.Context(), store.SignupFilter{OpportunityID: id, Limit: 1000})
		if err != nil {
			return err
		}
		c.formPage(w, rq, http.StatusUnprocessableEntity, f, signups)
		return nil
	}
	o.ID, o.UpdatedAt = id, c.clock.Now().UTC()
	if err := c.store.UpdateOpportunity(rq.Context(), o); err != nil {
		return err
	}
	c.log.Info("console: opportunity updated", "opportunity", id)
	return seeOther(w, rq, "/console/opportunities/"+strconv.FormatInt(id, 10)+"?saved=1")
}

// signupsCSV downloads an opportunity's sign-ups with the staff API's
// columns, in the console's language and TAMKEEN_TIMEZONE.
func (c *Console) signupsCSV(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	if _, err := c.store.Opportunity(rq.Context(), id); err != nil {
		return err
	}
	list, err := c.store.ListSignups(rq.Context(), store.SignupFilter{OpportunityID: id, Limit: 100_000})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="signups-`+strconv.FormatInt(id, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return export.SignupList{Lang: rq.lang, Words: c.bundle, Location: c.cfg.Location}.Write(w, list)
}
