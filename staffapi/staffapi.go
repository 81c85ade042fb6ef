// Package staffapi is the staff's HTTP API under /api/v1: broadcasts
// (create, list, report, cancel), and contacts, sign-ups and opportunities
// to read and manage. Every route needs the bearer token TAMKEEN_ADMIN_TOKEN
// and answers JSON, or CSV with ?format=csv where it lists rows.
package staffapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/signinlimit"
	"github.com/tamkeen/tamkeen/staffinput"
	"github.com/tamkeen/tamkeen/store"
)

// Config is what the API needs from the service's settings.
type Config struct {
	Token     string   // bearer token; empty switches the API off (503)
	Region    string   // default phone region, to read ?phone= in local form
	Languages []string // languages a broadcast text may be written in
	// Governorates and Tracks are the content's ids an opportunity or an
	// audience may name (nil: not checked).
	Governorates, Tracks []string
	// Configured are the broadcast channels whose provider is set; when
	// CheckChannels is on, a broadcast none of whose channels is among them
	// is refused (400) rather than ending "done" with 0 sent.
	Configured    []string
	CheckChannels bool
	// Location is TAMKEEN_TIMEZONE: CSV times and messages about times are
	// given in it (nil: UTC). JSON times stay in UTC.
	Location *time.Location
	// Words give the sign-up list's headers and statuses in a reader's
	// language (?lang=; nil: only the column codes).
	Words export.Words
	// Renderer shows the bot's replies in a conversation's thread as text
	// (nil: their catalog keys); Notify wakes the dispatcher after a staff
	// answer was queued (nil: it finds it at its next look).
	Renderer *bot.Renderer
	Notify   func()
	// Importer applies contact lists (POST /api/v1/contacts/import; nil: 503).
	Importer *contactimport.Importer
}

// csvLanguages are the languages a sign-up list can be asked in.
func (a *API) csvLanguages() []string {
	if a.cfg.Words == nil {
		return nil
	}
	return a.cfg.Languages
}

// location is where times are shown.
func (a *API) location() *time.Location {
	if a.cfg.Location == nil {
		return time.UTC
	}
	return a.cfg.Location
}

// rules are the checks shared with the web console.
func (a *API) rules() staffinput.Rules {
	return staffinput.Rules{Languages: a.cfg.Languages, Governorates: a.cfg.Governorates, Tracks: a.cfg.Tracks}
}

// API serves the staff routes.
type API struct {
	store      Store
	broadcasts *notifier.Broadcasts
	clock      clock.Clock
	log        *slog.Logger
	cfg        Config
	tokenSum   [32]byte
	limiter    *signinlimit.Limiter // wrong tokens per address
}

// New returns the API.
func New(s Store, b *notifier.Broadcasts, clk clock.Clock, log *slog.Logger, cfg Config) *API {
	return &API{store: s, broadcasts: b, clock: clk, log: log, cfg: cfg, tokenSum: sha256.Sum256([]byte(cfg.Token)),
		limiter: signinlimit.New(clk)}
}

// ImportRoute is the route of contact imports: the server lets it take a
// large body for minutes (httpapi.Server.Upload).
const ImportRoute = "staff_contacts_import"

// Mounter is where routes go; httpapi.Server fits.
type Mounter interface {
	Handle(pattern, route string, h http.Handler)
}

// Mount adds every route to m.
func (a *API) Mount(m Mounter) {
	for _, r := range []struct {
		pattern, route string
		h              func(w http.ResponseWriter, r *http.Request) error
	}{
		{"POST /api/v1/broadcasts", "staff_broadcast_create", a.createBroadcast},
		{"GET /api/v1/broadcasts", "staff_broadcast_list", a.listBroadcasts},
		{"GET /api/v1/broadcasts/{id}", "staff_broadcast_get", a.getBroadcast},
		{"POST /api/v1/broadcasts/{id}/cancel", "staff_broadcast_cancel", a.cancelBroadcast},
		{"GET /api/v1/contacts", "staff_contacts", a.listContacts},
		{"POST /api/v1/contacts/import", ImportRoute, a.importContacts},
		{"PUT /api/v1/contacts/{id}/fields/{name}", "staff_contact_field", a.setContactField},
		{"GET /api/v1/signups", "staff_signups", a.listSignups},
		{"POST /api/v1/signups/{id}/attendance", "staff_signup_attendance", a.setAttendance},
		{"GET /api/v1/opportunities", "staff_opportunity_list", a.listOpportunities},
		{"POST /api/v1/opportunities", "staff_opportunity_create", a.createOpportunity},
		{"PUT /api/v1/opportunities/{id}", "staff_opportunity_update", a.updateOpportunity},
		{"GET /api/v1/conversations", "staff_conversations", a.listConversations},
		{"GET /api/v1/conversations/{id}", "staff_conversation", a.getConversation},
		{"POST /api/v1/conversations/{id}/replies", "staff_inbox_reply", a.replyToConversation},
		{"POST /api/v1/conversations/{id}/close", "staff_inbox_close", a.closeConversation},
	} {
		m.Handle(r.pattern, r.route, a.guard(strings.TrimPrefix(r.route, "staff_"), r.h))
	}
}

// apiError is an answer other than 200 with a message for the caller.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// guard checks the token and turns errors into answers; a change is
// audited as action (the console's name for the same change).
func (a *API) guard(action string, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers carry phone numbers and names: no cache keeps them, and no
		// browser reads them as anything but what they say they are.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if a.cfg.Token == "" {
			httpapi.WriteError(w, http.StatusServiceUnavailable, "staff API disabled: set TAMKEEN_ADMIN_TOKEN")
			return
		}
		addr := httpapi.ClientAddress(r)
		key := signinlimit.AddressKey(addr)
		// Comparing a token takes microseconds, so it is compared first and
		// the verdict is given under the limiter's lock: however many
		// guesses arrive at once, at most Limit of them are answered 401,
		// the rest 429, and a right token after them 429 too.
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		right := ok && subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
		var wait time.Duration
		switch {
		case right:
			wait = a.limiter.Wait(key)
		case ok && strings.TrimSpace(got) != "":
			var res *signinlimit.Reservation
			res, wait = a.limiter.Reserve(signinlimit.Key{Name: key, Tag: "token"})
			res.Failed()
		}
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			httpapi.WriteError(w, http.StatusTooManyRequests, "too many wrong tokens from this address; try again later")
			return
		}
		if !right {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tamkeen staff"`)
			httpapi.WriteError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		a.limiter.Forget(key, "token")
		acc, err := a.actingFor(r)
		var ae *apiError
		switch {
		case errors.As(err, &ae):
			httpapi.WriteError(w, ae.code, ae.msg)
			return
		case err != nil:
			a.log.Error("staff api: acting account", "err", err)
			httpapi.WriteError(w, http.StatusInternalServerError, "internal error")
			return
		case acc != nil:
			r = r.WithContext(context.WithValue(r.Context(), actingKey{}, acc))
		}
		if r.Method != http.MethodGet {
			// Every change through the API is on record, next to the console's.
			rec := httpapi.RecordStatus(w, http.StatusOK)
			w = rec
			defer func() {
				target := r.URL.Path
				if loc := rec.Header().Get("Location"); loc != "" && rec.Status() < 400 {
					target = loc // the broadcast or opportunity made
				}
				e := store.AuditEvent{Actor: "api", Role: store.RoleAdmin, Action: action, Target: target,
					Outcome: rec.Status(), Address: addr}
				if acc != nil { // acting for a caseworker: on record as them, through the API
					e.Actor, e.Role = "api:"+acc.Username, acc.Role
				}
				if err := a.store.Audit(context.WithoutCancel(r.Context()), e); err != nil {
					a.log.Error("staff api: audit failed", "err", err)
				}
			}()
		}
		err = h(w, r)
		if err == nil {
			return
		}
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &ae):
			httpapi.WriteError(w, ae.code, ae.msg)
		case errors.As(err, &mbe):
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", mbe.Limit))
		case errors.Is(err, store.ErrNotFound):
			httpapi.WriteError(w, http.StatusNotFound, "not found")
		default:
			a.log.Error("staff api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			httpapi.WriteError(w, http.StatusInternalServerError, "internal error")
		}
	})
}

// decode reads a JSON body into v, refusing unknown fields and naming the
// field at fault.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return badRequest("body: one JSON object expected, found more after it")
		}
		return nil
	}
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &se):
		return badRequest("body: malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return badRequest("%s: want a JSON %s, got %s", te.Field, te.Type.Kind(), te.Value)
	case errors.Is(err, io.EOF):
		return badRequest("body: a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body: malformed JSON: unexpected end")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("%s: unknown field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	}
	return badRequest("body: %v", err)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id: %q is not a positive whole number", r.PathValue("id"))
	}
	return id, nil
}

// page reads ?after= and ?limit= (default 100, at most 1000; CSV up to 100000).
func page(r *http.Request) (after int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, badRequest("after: %q is not a whole number (the last id of the previous page)", v)
		}
	}
	maxLimit := 1000
	if wantCSV(r) {
		maxLimit = 100_000
	}
	limit = 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, badRequest("limit: %q must be a number from 1 to %d", v, maxLimit)
		}
	}
	return after, limit, nil
}

func wantCSV(r *http.Request) bool { return r.URL.Query().Get("format") == "csv" }

// table answers rows as JSON ({"items": [...], "next_after": id}) or CSV.
// items were fetched with one row more than limit: that extra row only
// tells that there is a next page, and next_after (or next_before, as
// cursor says) is set only then, so a client paging through stops.
func table[T any](w http.ResponseWriter, r *http.Request, items []T, limit int, cursor string, lastID func(T) int64, header []string, row func(T) []string) error {
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := export.NewWriter(w)
		_ = cw.Write(header)
		for _, it := range items {
			_ = cw.Write(row(it))
		}
		return cw.Flush()
	default:
		return badRequest("format: %q: allowed values are json, csv", f)
	}
	out := map[string]any{"items": items}
	if more {
		out[cursor] = lastID(items[len(items)-1])
	}
	if items == nil {
		out["items"] = []T{}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
