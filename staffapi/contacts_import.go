package staffapi

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/locales"
)

// maxRejectedShown bounds the rejected rows an import answers with (the
// counts cover them all).
const maxRejectedShown = 1000

// importOut is an import's answer: the counts of tamkeen contacts import
// --json, and the first rejected rows with their line and reason.
type importOut struct {
	contactimport.Report
	DryRun       bool          `json:"dry_run"`
	RejectedRows []rejectedRow `json:"rejected_rows"`
}

type rejectedRow struct {
	Line    int    `json:"line"`
	Reason  string `json:"reason"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// importContacts applies a CSV list: POST /api/v1/contacts/import?source=NAME[&dry_run=1][&lang=en].
func (a *API) importContacts(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Importer == nil || a.cfg.Words == nil {
		return &apiError{http.StatusServiceUnavailable, "contact import is not set up on this server"}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return &apiError{http.StatusUnsupportedMediaType, "Content-Type: send the list as text/csv (UTF-8, comma or semicolon separated)"}
	}
	q := r.URL.Query()
	source := q.Get("source")
	if err := contactimport.CheckSource(source); err != nil {
		return badRequest("source: %v", err)
	}
	dry := false
	switch v := q.Get("dry_run"); strings.ToLower(v) {
	case "", "0", "false":
	case "1", "true":
		dry = true
	default:
		return badRequest("dry_run: %q: allowed values are 1, true, 0, false", v)
	}
	lang := q.Get("lang")
	if lang == "" {
		lang = locales.Default
	}
	b := a.cfg.Words
	if !slices.Contains(a.cfg.Languages, lang) {
		return badRequest("lang: %q: allowed values are %s", lang, strings.Join(a.cfg.Languages, ", "))
	}
	out := importOut{DryRun: dry, RejectedRows: []rejectedRow{}}
	actor := "api"
	if acc := acting(r); acc != nil {
		actor = "api:" + acc.Username
	}
	opt := contactimport.Options{Source: source, DryRun: dry, Actor: actor,
		Reject: func(rj contactimport.Rejection) error {
			if len(out.RejectedRows) < maxRejectedShown {
				out.RejectedRows = append(out.RejectedRows, rejectedRow{Line: rj.Line, Reason: rj.Reason, Column: rj.Column, Message: rj.Text(b, lang)})
			}
			return nil
		}}
	rep, err := a.cfg.Importer.Import(r.Context(), r.Body, opt)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, contactimport.ErrFile):
		return badRequest("body: %v", err)
	case err != nil:
		return err
	}
	if err := a.cfg.Importer.Audit(r.Context(), opt, rep); err != nil {
		return err
	}
	out.Report = rep
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// setContactField sets one field of a contact: PUT
// /api/v1/contacts/{id}/fields/{name} with {"value": "Takaful"}; an empty
// value removes it.
func (a *API) setContactField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Value *string `json:"value"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Value == nil {
		return badRequest(`value: required ("" removes the field)`)
	}
	name, value, err := contactimport.CheckField(r.PathValue("name"), *in.Value)
	if err != nil {
		return badRequest("%v", err)
	}
	if err := a.store.SetContactField(r.Context(), id, name, value); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"name": name, "value": value})
	return nil
}
