package staffapi

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/store"
)

type contactOut struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	Phone           *string    `json:"phone"`
	TelegramChatID  *int64     `json:"telegram_chat_id"`
	Language        string     `json:"language"`
	Governorate     string     `json:"governorate"`
	Track           string     `json:"track"`
	ConsentAt       *time.Time `json:"consent_at"`
	OptedOutAt      *time.Time `json:"opted_out_at"`
	TelegramBlocked bool       `json:"telegram_blocked"`
	SMSUnreachable  bool       `json:"sms_unreachable"`
	ErasedAt        *time.Time `json:"erased_at"`
	CreatedAt       time.Time  `json:"created_at"`
	// Fields are the contact's fields (program…), ImportSource and
	// ImportedAt the list that last set it and when.
	Fields       map[string]string `json:"fields"`
	ImportSource string            `json:"import_source"`
	ImportedAt   *time.Time        `json:"imported_at"`
}

func (a *API) listContacts(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ContactFilter{After: after, Limit: limit + 1, Governorate: q.Get("governorate"), Search: q.Get("q")}
	if len([]rune(f.Search)) > 100 {
		return badRequest("q: at most 100 characters")
	}
	if f.Search != "" {
		f.SearchE164, _ = phone.Normalize(f.Search, a.cfg.Region) // a whole number in local form matches too
	}
	if v := q.Get("phone"); v != "" {
		if f.Phone, err = phone.Normalize(v, a.cfg.Region); err != nil {
			return badRequest("phone: %q is not a valid number for region %s", v, a.cfg.Region)
		}
	}
	if v := q.Get("telegram_id"); v != "" {
		if f.TelegramChatID, err = strconv.ParseInt(v, 10, 64); err != nil || f.TelegramChatID == 0 {
			return badRequest("telegram_id: %q is not a Telegram chat id", v)
		}
	}
	f.ImportSource = q.Get("source")
	for key, values := range q {
		name, ok := strings.CutPrefix(key, "field.")
		if !ok {
			continue
		}
		if name == "" || len([]rune(name)) > contactimport.MaxFieldRunes {
			return badRequest("%s: a field name of 1 to %d characters is required after field.", key, contactimport.MaxFieldRunes)
		}
		if f.Fields == nil {
			f.Fields = map[string][]string{}
		}
		f.Fields[contactimport.FieldName(name)] = values // ?field.program=Takaful&field.program=Karama: either
	}
	list, err := a.store.ListContacts(r.Context(), f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	fields, err := a.store.FieldsOf(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]contactOut, len(list))
	for i, c := range list {
		out[i] = contactOut{
			ID: c.ID, Name: c.Name, Phone: c.Phone, TelegramChatID: c.TelegramChatID, Language: c.Language,
			Governorate: c.Governorate, Track: c.Track, ConsentAt: c.ConsentAt, OptedOutAt: c.OptedOutAt,
			TelegramBlocked: c.TelegramBlocked, SMSUnreachable: c.SMSUnreachable, ErasedAt: c.ErasedAt, CreatedAt: c.CreatedAt,
			Fields: fields[c.ID], ImportSource: c.ImportSource, ImportedAt: c.ImportedAt,
		}
		if out[i].Fields == nil {
			out[i].Fields = map[string]string{}
		}
	}
	return table(w, r, out, limit, "next_after", func(c contactOut) int64 { return c.ID },
		[]string{"id", "name", "phone", "telegram_chat_id", "language", "governorate", "track", "consent_at", "opted_out_at",
			"telegram_blocked", "sms_unreachable", "erased_at", "created_at"},
		func(c contactOut) []string {
			return []string{itoa(c.ID), c.Name, export.Phone(str(c.Phone)), num(c.TelegramChatID), c.Language, c.Governorate, c.Track,
				ts(c.ConsentAt), ts(c.OptedOutAt), strconv.FormatBool(c.TelegramBlocked), strconv.FormatBool(c.SMSUnreachable),
				ts(c.ErasedAt), c.CreatedAt.Format(time.RFC3339)}
		})
}

type signupOut struct {
	ID             int64             `json:"id"`
	ContactID      int64             `json:"contact_id"`
	Name           string            `json:"name"`
	Phone          *string           `json:"phone"`
	TelegramChatID *int64            `json:"telegram_chat_id"`
	OpportunityID  int64             `json:"opportunity_id"`
	Opportunity    map[string]string `json:"opportunity"`
	Status         string            `json:"status"`
	AttendedAt     *time.Time        `json:"attended_at"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	Position       int               `json:"waitlist_position,omitempty"` // 1 is next; only while waitlisted
}

func signupJSON(s store.SignupRow) signupOut {
	return signupOut{ID: s.ID, ContactID: s.ContactID, Name: s.Name, Phone: s.Phone, TelegramChatID: s.TelegramChatID,
		OpportunityID: s.OpportunityID, Opportunity: s.Opportunity, Status: s.Status, AttendedAt: s.AttendedAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Position: s.Position}
}

func (a *API) listSignups(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.SignupFilter{After: after, Limit: limit + 1, Status: q.Get("status")}
	if v := q.Get("opportunity_id"); v != "" {
		if f.OpportunityID, err = strconv.ParseInt(v, 10, 64); err != nil || f.OpportunityID <= 0 {
			return badRequest("opportunity_id: %q is not an opportunity id", v)
		}
	}
	if s := f.Status; s != "" && !slices.Contains([]string{store.SignupRegistered, store.SignupWaitlisted, store.SignupCancelled}, s) {
		return badRequest("status: %q: allowed are registered, waitlisted, cancelled", s)
	}
	list, err := a.store.ListSignups(r.Context(), f)
	if err != nil {
		return err
	}
	if wantCSV(r) {
		f := export.SignupList{Lang: q.Get("lang"), Words: a.cfg.Words, Location: a.location()}
		if f.Lang != "" && (f.Words == nil || !slices.Contains(a.cfg.Languages, f.Lang)) {
			return badRequest("lang: %q: allowed are %s, or none for column codes", f.Lang, strings.Join(a.csvLanguages(), ", "))
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		return f.Write(w, list[:min(len(list), limit)])
	}
	out := make([]signupOut, len(list))
	for i, s := range list {
		out[i] = signupJSON(s)
	}
	return table(w, r, out, limit, "next_after", func(s signupOut) int64 { return s.ID }, nil, nil)
}

// setAttendance marks ({"attended": true}) or unmarks that a registered
// person came; before the opportunity starts it is refused (409).
func (a *API) setAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Attended *bool `json:"attended"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Attended == nil {
		return badRequest("attended: required: true or false")
	}
	var notStarted *store.NotStartedError
	switch err := a.store.SetAttended(r.Context(), 0, id, *in.Attended); {
	case errors.As(err, &notStarted):
		return &apiError{http.StatusConflict, fmt.Sprintf("attended: the opportunity starts %s; attendance can be marked from then on",
			notStarted.StartsAt.In(a.location()).Format(time.RFC3339))}
	case errors.Is(err, store.ErrNotRegistered):
		return &apiError{http.StatusConflict, "attended: only a registered sign-up can be marked (this one is waitlisted or cancelled)"}
	case err != nil:
		return err
	}
	list, err := a.store.ListSignups(r.Context(), store.SignupFilter{After: id - 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].ID != id {
		return store.ErrNotFound
	}
	httpapi.WriteJSON(w, http.StatusOK, signupJSON(list[0]))
	return nil
}

type opportunityIO struct {
	ID             int64             `json:"id"`
	Key            *string           `json:"key,omitempty"`
	Kind           string            `json:"kind"`
	Track          string            `json:"track"`
	Governorate    string            `json:"governorate"`
	Title          map[string]string `json:"title"`
	Description    map[string]string `json:"description"`
	StartsAt       string            `json:"starts_at"`
	SignupDeadline string            `json:"signup_deadline,omitempty"`
	Capacity       int               `json:"capacity"`
	Registered     int               `json:"registered"`
	Waitlisted     int               `json:"waitlisted"`
	SignupsOpen    bool              `json:"signups_open"` // people can sign up now (read only)
	Demo           bool              `json:"demo"`
}

func opportunityOut(o store.OpportunityView, now time.Time) opportunityIO {
	out := opportunityIO{
		ID: o.ID, Key: o.Key, Kind: o.Kind, Track: o.Track, Governorate: o.Governorate, Title: o.Title,
		Description: o.Description, StartsAt: o.StartsAt.Format(time.RFC3339), Capacity: o.Capacity,
		Registered: o.Registered, Waitlisted: o.Waitlisted, Demo: o.Demo,
		SignupsOpen: o.SignupDeadline == nil && o.StartsAt.After(now) || o.SignupDeadline != nil && o.SignupDeadline.After(now),
	}
	if o.SignupDeadline != nil {
		out.SignupDeadline = o.SignupDeadline.Format(time.RFC3339)
	}
	return out
}

func (a *API) listOpportunities(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	list, err := a.store.Opportunities(r.Context())
	if err != nil {
		return err
	}
	// Pages go by id, like every other list, whatever order the store keeps.
	slices.SortFunc(list, func(x, y store.OpportunityView) int { return cmp.Compare(x.ID, y.ID) })
	out := make([]opportunityIO, 0, min(len(list), limit+1))
	for _, o := range list {
		if o.ID > after && len(out) <= limit {
			out = append(out, opportunityOut(o, a.clock.Now()))
		}
	}
	return table(w, r, out, limit, "next_after", func(o opportunityIO) int64 { return o.ID },
		[]string{"id", "kind", "track", "governorate", "title_ar", "title_en", "starts_at", "signup_deadline", "capacity", "registered",
			"waitlisted", "signups_open"},
		func(o opportunityIO) []string {
			return []string{itoa(o.ID), o.Kind, o.Track, o.Governorate, o.Title["ar"], o.Title["en"], o.StartsAt,
				o.SignupDeadline, itoa(o.Capacity), itoa(o.Registered), itoa(o.Waitlisted), strconv.FormatBool(o.SignupsOpen)}
		})
}

// opportunityIn reads and checks an opportunity from the body.
func (a *API) opportunityIn(r *http.Request) (*store.Opportunity, error) {
	var in opportunityIO
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Description == nil {
		in.Description = map[string]string{}
	}
	// The rules first (kind, title, capacity…), then the times: a record
	// without a readable time skips the deadline rule until it has one.
	starts, startsErr := time.Parse(time.RFC3339, in.StartsAt)
	o := &store.Opportunity{Kind: in.Kind, Track: in.Track, Governorate: in.Governorate, Title: in.Title,
		Description: in.Description, Capacity: in.Capacity}
	if startsErr == nil {
		o.StartsAt = starts.UTC()
	}
	var deadlineErr error
	if in.SignupDeadline != "" {
		var d time.Time
		if d, deadlineErr = time.Parse(time.RFC3339, in.SignupDeadline); deadlineErr == nil {
			d = d.UTC()
			o.SignupDeadline = &d
		}
	}
	if ps := a.rules().Opportunity(o); len(ps) > 0 {
		return nil, problem(ps[0])
	}
	if startsErr != nil {
		return nil, badRequest("starts_at: %q: want an RFC 3339 time such as 2026-05-01T09:00:00+04:00", in.StartsAt)
	}
	if deadlineErr != nil {
		return nil, badRequest("signup_deadline: %q: want an RFC 3339 time", in.SignupDeadline)
	}
	return o, nil
}

func (a *API) createOpportunity(w http.ResponseWriter, r *http.Request) error {
	o, err := a.opportunityIn(r)
	if err != nil {
		return err
	}
	if err := a.store.CreateOpportunity(r.Context(), o); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/opportunities/"+strconv.FormatInt(o.ID, 10))
	httpapi.WriteJSON(w, http.StatusCreated, opportunityOut(store.OpportunityView{Opportunity: *o}, a.clock.Now()))
	return nil
}

func (a *API) updateOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := a.opportunityIn(r)
	if err != nil {
		return err
	}
	o.ID, o.UpdatedAt = id, a.clock.Now().UTC()
	if err := a.store.UpdateOpportunity(r.Context(), o); err != nil {
		return err
	}
	v, err := a.store.Opportunity(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, opportunityOut(*v, a.clock.Now()))
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}
