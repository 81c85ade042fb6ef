// Package webconsole is the staff web console under /console/: log in with
// a staff account (or the admin token), roles and an audit log, an impact
// dashboard, contacts and their profiles, broadcasts, opportunities and their
// sign-ups, and a simulator to chat with the bot as a beneficiary would.
// Pages are rendered on the server from embedded templates; every word comes
// from the console catalogs (locales/messages/console.*.toml), Arabic first.
package webconsole

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/officehours"
	"github.com/tamkeen/tamkeen/signinlimit"
	"github.com/tamkeen/tamkeen/store"
)

//go:embed templates/*.html static/*
var files embed.FS

// Config is what the console needs from the service's settings.
type Config struct {
	Token      string         // TAMKEEN_ADMIN_TOKEN; empty switches the console off
	Location   *time.Location // TAMKEEN_TIMEZONE: times are shown and read in it
	SessionTTL time.Duration  // how long a login lasts (default 12 h)
	Region     string         // TAMKEEN_DEFAULT_REGION: reads phone numbers typed in local form (default OM)
	// Channels are the broadcast channels whose provider is configured; the
	// composer warns about any other, and refuses a broadcast with none.
	Channels    []string
	SMSPrice    float64 // TAMKEEN_SMS_SEGMENT_PRICE: one SMS segment's price (0: no estimate)
	SMSCurrency string
	// TemplatePrice is TAMKEEN_WHATSAPP_TEMPLATE_PRICE: one WhatsApp template
	// message's price (0: not set), in SMSCurrency.
	TemplatePrice float64
	// StaffTemplate is the WhatsApp template a caseworker's answer goes as
	// outside the person's window (WHATSAPP_TEMPLATE_STAFF; "": none).
	StaffTemplate string
	// BroadcastTemplate is the one a broadcast goes as (WHATSAPP_TEMPLATE_BROADCAST; "": none).
	BroadcastTemplate string
	// QuietUntil is when a notice queued at t may go (TAMKEEN_QUIET_HOURS;
	// nil: at once), and Notify wakes the dispatcher after one was queued
	// (nil: it finds it at its next look).
	QuietUntil func(t time.Time) time.Time
	Notify     func()
	// OfficeHours are TAMKEEN_OFFICE_HOURS: the dashboard counts the
	// conversations answered within them.
	OfficeHours officehours.Hours
	// Importer applies the contact lists uploaded on the import page (nil:
	// the page says import is not set up).
	Importer *contactimport.Importer
}

// Console serves the staff pages.
type Console struct {
	store       *store.Store
	broadcasts  *notifier.Broadcasts
	sim         *Simulator
	renderer    *bot.Renderer // shows the replies sent to a person as text
	bundle      *locales.Bundle
	clock       clock.Clock
	log         *slog.Logger
	cfg         Config
	keys        keys
	pages       map[string]map[string]*template.Template // language → page → template
	placesFreed func()                                   // after staff cancel a registered sign-up (may be nil)
	audience    audienceCache                            // recent audience counts for the composer
	imports     importJobs                               // contact lists uploaded, being checked or applied
	// signins counts sign-in attempts per address, per account tried from
	// untrusted browsers, and per trusted browser (signin.go).
	signins *signinlimit.Limiter
}

// New returns the console. bundle gives its words and the governorates and
// tracks it offers; sim is the bot simulator.
func New(s *store.Store, b *notifier.Broadcasts, sim *Simulator, bundle *locales.Bundle, clk clock.Clock, log *slog.Logger, cfg Config) (*Console, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Region == "" {
		cfg.Region = "OM"
	}
	c := &Console{store: s, broadcasts: b, sim: sim, renderer: bot.NewRenderer(bundle, cfg.Location), bundle: bundle, clock: clk, log: log, cfg: cfg,
		keys: deriveKeys(cfg.Token), pages: map[string]map[string]*template.Template{}, signins: signinlimit.New(clk)}
	// Each page is a template under templates/, rendered inside layout.html.
	pageNames := []string{"login", "error", "confirm", "dashboard", "broadcasts", "broadcast_form", "broadcast",
		"opportunities", "opportunity_form", "simulator", "audit", "contacts", "contact", "impact", "orders", "content", "staff",
		"inbox", "conversation", "canned", "contacts_import"}
	for _, lang := range bundle.Languages() {
		c.pages[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(c.funcs(lang)).ParseFS(files, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("webconsole: template %s: %w", name, err)
			}
			c.pages[lang][name] = t
		}
	}
	return c, nil
}

// Mounter is where routes go; httpapi.Server fits.
type Mounter interface {
	Handle(pattern, route string, h http.Handler)
}

// Mount adds every console route to m, and / redirects to /console/.
func (c *Console) Mount(m Mounter) {
	static, _ := fs.Sub(files, "static")
	m.Handle("GET /{$}", "console_root", http.RedirectHandler("/console/", http.StatusFound))
	m.Handle("GET /console/static/", "console_static", http.StripPrefix("/console/static/", noListing(cacheFor(http.FileServerFS(static)))))
	m.Handle("GET /console/login", "console_login", c.public(c.loginPage))
	m.Handle("POST /console/login", "console_login", c.public(c.login))
	m.Handle("POST /console/logout", "console_logout", c.staff("console_logout", store.RoleViewer, c.logout))
	for _, r := range []struct {
		pattern, route string
		h              handler
	}{
		{"GET /console/{$}", "console_dashboard", c.dashboard},
		{"GET /console/broadcasts", "console_broadcasts", c.listBroadcasts},
		{"GET /console/broadcasts/new", "console_broadcast_new", c.newBroadcast},
		{"POST /console/broadcasts", "console_broadcast_create", c.createBroadcast},
		{"POST /console/broadcasts/preview", "console_broadcast_preview", c.previewBroadcast},
		{"GET /console/broadcasts/{id}", "console_broadcast", c.showBroadcast},
		{"POST /console/broadcasts/{id}/cancel", "console_broadcast_cancel", c.cancelBroadcast},
		{"GET /console/opportunities", "console_opportunities", c.listOpportunities},
		{"GET /console/opportunities/new", "console_opportunity_new", c.newOpportunity},
		{"POST /console/opportunities", "console_opportunity_create", c.createOpportunity},
		{"GET /console/opportunities/{id}", "console_opportunity", c.showOpportunity},
		{"POST /console/opportunities/{id}", "console_opportunity_update", c.updateOpportunity},
		{"GET /console/opportunities/{id}/signups.csv", "console_signups_csv", c.signupsCSV},
		{"POST /console/opportunities/{id}/close", "console_opportunity_close", c.closeOpportunity},
		{"POST /console/opportunities/{id}/reopen", "console_opportunity_reopen", c.reopenOpportunity},
		{"POST /console/opportunities/{id}/archive", "console_opportunity_archive", c.archiveOpportunity},
		{"POST /console/opportunities/{id}/signups/{sid}/cancel", "console_signup_cancel", c.cancelSignup},
		{"POST /console/opportunities/{id}/signups/{sid}/attended", "console_signup_attended", c.markAttended},
		{"GET /console/impact", "console_impact", c.impact},
		{"GET /console/orders", "console_orders", c.orders},
		{"GET /console/content", "console_content", c.content},
		{"GET /console/contacts", "console_contacts", c.contacts},
		{"GET /console/contacts/{id}", "console_contact", c.contact},
		{"POST /console/contacts/{id}/fields", "console_contact_field", c.setContactField},
		{"GET /console/contacts/import", "console_contacts_import_page", c.importPage},
		{"POST /console/contacts/import", ImportRoute, c.uploadImport},
		{"GET /console/contacts/import/{job}", "console_contacts_import_status", c.importStatus},
		{"POST /console/contacts/import/{job}/apply", "console_contacts_import_apply", c.applyImport},
		{"GET /console/simulator", "console_simulator", c.simulator},
		{"GET /console/simulator/messages", "console_simulator_messages", c.simulatorMessages},
		{"POST /console/simulator", "console_simulator_say", c.simulatorSay},
		{"POST /console/simulator/reset", "console_simulator_reset", c.simulatorReset},
	} {
		// Anyone signed in reads; changes need the staff role at least.
		need := store.RoleViewer
		if strings.HasPrefix(r.pattern, "POST ") || staffPages[r.route] {
			need = store.RoleStaff
		}
		m.Handle(r.pattern, r.route, c.staff(r.route, need, r.h))
	}
	c.mountInbox(m)
	m.Handle("GET /console/audit", "console_audit", c.staff("console_audit", store.RoleAdmin, c.auditLog))
	m.Handle("GET /console/contacts/export.csv", "console_contacts_export", c.staff("console_contacts_export", store.RoleAdmin, c.exportContacts))
	m.Handle("GET /console/staff", "console_staff", c.staff("console_staff", store.RoleAdmin, c.staffAccounts))
	m.Handle("POST /console/staff/{name}/disabled", "console_staff_disabled", c.staff("console_staff_disabled", store.RoleAdmin, c.setAccountDisabled))
}

// staffPages are the pages only for roles that may change things: a viewer
// is not offered a form it could not send.
var staffPages = map[string]bool{"console_broadcast_new": true, "console_contacts_import_page": true, "console_contacts_import_status": true}

// request is one request with what the console knows about it.
type request struct {
	*http.Request
	lang  string
	sess  *session // nil when not logged in
	asked bool     // the answer asks for confirmation: nothing happened, nothing to audit
}

type handler func(w http.ResponseWriter, rq *request) error

// pageError is an answer other than 200 shown as the error page.
type pageError struct {
	code int
	key  string // catalog key of the explanation
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s", e.code, e.key) }

var (
	errNotFound  = &pageError{http.StatusNotFound, "console.error.not_found"}
	errForbidden = &pageError{http.StatusForbidden, "console.error.csrf"}
	errRole      = &pageError{http.StatusForbidden, "console.error.role"}
)

// public serves a page that needs no login.
func (c *Console) public(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{Request: r, lang: c.language(w, r)}
		rq.sess, _ = c.readSession(r)
		c.finish(w, rq, h(w, rq))
	})
}

// staff serves a page for signed-in staff whose role is at least need:
// others go to the login page, a lesser role gets 403, every POST must carry
// the session's CSRF token, and every POST lands in the audit log.
func (c *Console) staff(route, need string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{Request: r, lang: c.language(w, r)}
		sess, ok := c.readSession(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/login", http.StatusSeeOther)
				return
			}
			c.finish(w, rq, &pageError{http.StatusUnauthorized, "console.error.session"})
			return
		}
		rq.sess = sess
		if r.Method == http.MethodPost && !c.validCSRF(sess, r.PostFormValue("csrf")) {
			c.log.Warn("console: request without a valid CSRF token refused", "path", r.URL.Path)
			c.finish(w, rq, errForbidden)
			return
		}
		if !allows(sess.Role, need) {
			c.log.Warn("console: role may not do this", "role", sess.Role, "path", r.URL.Path)
			if r.Method == http.MethodPost {
				c.audit(rq, store.AuditEvent{Action: strings.TrimPrefix(route, "console_"), Target: r.URL.Path, Outcome: http.StatusForbidden})
			}
			c.finish(w, rq, errRole)
			return
		}
		if r.Method != http.MethodPost || unaudited[route] {
			c.finish(w, rq, h(w, rq))
			return
		}
		rec := httpapi.RecordStatus(w, http.StatusOK)
		c.finish(rec, rq, h(rec, rq))
		if rq.asked {
			return
		}
		target := r.URL.Path
		if loc := rec.Header().Get("Location"); rec.Status() < 400 && (targetBroadcast.MatchString(loc) || targetOpportunity.MatchString(loc)) {
			target = loc // what the change made: the new broadcast, the new opportunity
		}
		c.audit(rq, store.AuditEvent{Action: strings.TrimPrefix(route, "console_"), Target: target, Outcome: rec.Status()})
	})
}

// unaudited are the POST routes that change nothing worth recording (or
// record themselves).
var unaudited = map[string]bool{"console_logout": true, "console_broadcast_preview": true, "console_inbox_preview": true}

// allows tells whether role may do what needs the role need.
func allows(role, need string) bool {
	rank := map[string]int{store.RoleViewer: 1, store.RoleStaff: 2, store.RoleAdmin: 3}
	return rank[role] > 0 && rank[role] >= rank[need]
}

// finish turns a handler's error into an error page.
func (c *Console) finish(w http.ResponseWriter, rq *request, err error) {
	if err == nil {
		return
	}
	var pe *pageError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, store.ErrNotFound):
		pe = errNotFound
	case errors.As(err, &mbe):
		pe = &pageError{http.StatusRequestEntityTooLarge, "console.error.too_large"}
	default:
		c.log.Error("console: request failed", "method", rq.Method, "path", rq.URL.Path, "err", err)
		pe = &pageError{http.StatusInternalServerError, "console.error.internal"}
	}
	c.render(w, rq, pe.code, "error", "", map[string]any{"Key": pe.key, "Kept": c.keptText(rq)})
}

// view is what every page template gets.
type view struct {
	Lang, Dir string
	Section   string // the navigation entry to highlight
	CSRF      string
	LoggedIn  bool
	Path      string // this page
	Other     string // the other language
	SwitchURL string // this page, query kept, in the other language
	Saved     bool   // ?saved=1: a change was just saved, say so
	Refresh   int    // seconds before the page reloads itself (0: never)
	Zone      string // TAMKEEN_TIMEZONE, in which times are shown and typed
	User      string // the signed-in username ("" for the admin token)
	Role      string
	CanChange bool // the role may change things (not a viewer)
	IsAdmin   bool
	Data      any
}

// render executes a page into a buffer, then writes it with code.
func (c *Console) render(w http.ResponseWriter, rq *request, code int, page, section string, data any) {
	c.renderView(w, rq, code, page, c.view(rq, section, data))
}

// renderView renders a page with a view already made.
func (c *Console) renderView(w http.ResponseWriter, rq *request, code int, page string, v view) {
	var buf bytes.Buffer
	if err := c.pages[rq.lang][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console: render failed", "page", page, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	c.write(w, code, "text/html; charset=utf-8", buf.Bytes())
}

// renderPart executes one named template of a page alone (a fragment).
func (c *Console) renderPart(w http.ResponseWriter, rq *request, page, name string, data any) error {
	var buf bytes.Buffer
	if err := c.pages[rq.lang][page].ExecuteTemplate(&buf, name, c.view(rq, "", data)); err != nil {
		return fmt.Errorf("webconsole: render %s/%s: %w", page, name, err)
	}
	c.write(w, http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

func (c *Console) view(rq *request, section string, data any) view {
	v := view{Lang: rq.lang, Dir: "ltr", Section: section, Path: rq.URL.Path, Other: "ar", Data: data,
		Zone: c.cfg.Location.String()}
	if rq.lang == "ar" {
		v.Dir, v.Other = "rtl", "en"
	}
	q := rq.URL.Query()
	v.Saved = rq.Method == http.MethodGet && q.Get("saved") == "1"
	q.Set("lang", v.Other)
	v.SwitchURL = rq.URL.Path + "?" + q.Encode()
	if rq.sess != nil {
		v.LoggedIn, v.CSRF = true, c.csrfToken(rq.sess)
		v.User, v.Role = rq.sess.User, rq.sess.Role
		v.CanChange, v.IsAdmin = allows(rq.sess.Role, store.RoleStaff), allows(rq.sess.Role, store.RoleAdmin)
	}
	return v
}

func (c *Console) write(w http.ResponseWriter, code int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// seeOther redirects after a POST.
func seeOther(w http.ResponseWriter, rq *request, path string) error {
	http.Redirect(w, rq.Request, path, http.StatusSeeOther)
	return nil
}

// noListing answers 404 for a folder: only the files themselves are served.
func noListing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") || path.Clean("/"+r.URL.Path) == "/" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
