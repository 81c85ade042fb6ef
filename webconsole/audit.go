package webconsole

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/store"
)

const auditPage = 100

// audit records an event for the request's session (or e.Actor when set),
// with the client's address. A failure to record is logged, not shown: the
// change itself has happened.
func (c *Console) audit(rq *request, e store.AuditEvent) {
	if rq.sess != nil {
		if e.Actor == "" {
			e.Actor = rq.sess.actor()
		}
		e.Role = rq.sess.Role
	}
	e.Address = httpapi.ClientAddress(rq.Request)
	if err := c.store.Audit(context.WithoutCancel(rq.Context()), e); err != nil {
		c.log.Error("console: audit failed", "action", e.Action, "err", err)
	}
}

// auditRefusal records a refused sign-in, merged with the same address's
// other refusals of the window (and the same name's, when sameActor).
func (c *Console) auditRefusal(rq *request, e store.AuditEvent, sameActor bool) {
	e.Address = httpapi.ClientAddress(rq.Request)
	if err := c.store.AuditRefusal(context.WithoutCancel(rq.Context()), e, sameActor); err != nil {
		c.log.Error("console: audit failed", "action", e.Action, "err", err)
	}
}

// auditActions are the kinds of event the audit log records (console,
// staff API and `tamkeen staff`), in the order its filter offers them; each
// has words under console.audit.action.<name>.
var auditActions = []string{"signin", "signin_refused", "signin_throttled", "signout",
	"broadcast_create", "broadcast_preview", "broadcast_cancel",
	"opportunity_create", "opportunity_update", "opportunity_close", "opportunity_archive",
	"signup_cancel", "signup_attended", "simulator_say", "simulator_reset",
	"staff_disabled", "staff_add", "staff_disable", "staff_enable", "staff_reset", "staff_edit",
	"inbox_reply", "inbox_note", "inbox_assign", "inbox_close", "inbox_reopen", "inbox_canned_save", "inbox_canned_delete"}

// auditRow is one line of the audit page, in words.
type auditRow struct {
	store.AuditEvent
	Who, What, On, Link, Result, Repeats string
}

// What an audit target names: a page of the console or the staff API with
// the id of a thing, a staff account, or (from `tamkeen staff`) "name role".
var (
	targetBroadcast    = regexp.MustCompile(`^/(?:console|api/v1)/broadcasts/(\d+)(?:/|$)`)
	targetConversation = regexp.MustCompile(`^/(?:console/inbox|api/v1/conversations)/(\d+)(?:/|$)`)
	targetSignup       = regexp.MustCompile(`^/(?:console|api/v1)/opportunities/(\d+)/signups/(\d+)(?:/|$)`)
	targetOpportunity  = regexp.MustCompile(`^/(?:console|api/v1)/opportunities/(\d+)(?:/|$)`)
	targetContact      = regexp.MustCompile(`^/console/contacts/(\d+)(?:/|$)`)
	targetAccount      = regexp.MustCompile(`^/console/staff/([^/]+)(?:/|$)`)
)

// auditLog is the audit page, newest first, ?before= pages back.
func (c *Console) auditLog(w http.ResponseWriter, rq *request) error {
	q := rq.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Before: max(before, 0), Limit: auditPage + 1}
	events, err := c.store.AuditSearch(rq.Context(), f)
	if err != nil {
		return err
	}
	var older int64
	if len(events) > auditPage {
		events = events[:auditPage]
		older = events[len(events)-1].ID
	}
	rows, err := c.auditRows(rq, events)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "audit", "audit", map[string]any{"Events": rows, "Older": older, "Filter": f,
		"Actions": auditActions})
	return nil
}

// auditRows puts events into words: who and what as a program officer
// says them, the name of what it was done to, how it ended.
func (c *Console) auditRows(rq *request, events []store.AuditEvent) ([]auditRow, error) {
	var ids store.AuditSubjectIDs
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	for _, e := range events {
		if m := targetSignup.FindStringSubmatch(e.Target); m != nil {
			ids.Signups = append(ids.Signups, num(m[2]))
			ids.Opportunities = append(ids.Opportunities, num(m[1]))
		} else if m := targetOpportunity.FindStringSubmatch(e.Target); m != nil {
			ids.Opportunities = append(ids.Opportunities, num(m[1]))
		} else if m := targetBroadcast.FindStringSubmatch(e.Target); m != nil {
			ids.Broadcasts = append(ids.Broadcasts, num(m[1]))
		} else if m := targetContact.FindStringSubmatch(e.Target); m != nil {
			ids.Contacts = append(ids.Contacts, num(m[1]))
		}
	}
	names, err := c.store.AuditSubjects(rq.Context(), ids)
	if err != nil {
		return nil, err
	}
	text := func(key string, kv ...any) string {
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
		s, err := c.bundle.Text(rq.lang, key, data)
		if err != nil {
			c.log.Error("console: audit words", "key", key, "err", err)
		}
		return s
	}
	pick := func(m map[string]string) string {
		for _, l := range []string{rq.lang, "ar", "en"} {
			if m[l] != "" {
				return clipText(m[l], 60)
			}
		}
		return ""
	}
	person := func(name string, ok bool, id string) string {
		switch {
		case !ok:
			return text("console.audit.on.gone", "ID", id)
		case name == "":
			return text("console.audit.on.unnamed", "ID", id)
		}
		return name
	}
	rows := make([]auditRow, len(events))
	for i, e := range events {
		r := auditRow{AuditEvent: e, Who: e.Actor}
		switch e.Actor {
		case "token":
			r.Who = text("console.signed_in_token")
		case "api", "cli":
			r.Who = text("console.audit.actor." + e.Actor)
		}
		switch {
		case c.bundle.Has(rq.lang, "console.audit.action."+e.Action):
			r.What = text("console.audit.action." + e.Action)
		case strings.HasPrefix(e.Action, "api "): // rows written before the staff API named its changes
			r.What = text("console.audit.action.api")
		default:
			r.What = e.Action
		}
		if m := targetSignup.FindStringSubmatch(e.Target); m != nil {
			name, ok := names.Signups[num(m[2])]
			r.On = text("console.audit.on.signup", "Person", person(name, ok, m[2]), "Opportunity", pick(names.Opportunities[num(m[1])]))
			r.Link = "/console/opportunities/" + m[1]
		} else if m := targetOpportunity.FindStringSubmatch(e.Target); m != nil {
			if t, ok := names.Opportunities[num(m[1])]; ok {
				r.On = pick(t)
			} else {
				r.On = text("console.audit.on.gone", "ID", m[1])
			}
			r.Link = "/console/opportunities/" + m[1]
		} else if m := targetBroadcast.FindStringSubmatch(e.Target); m != nil {
			r.On = text("console.audit.on.broadcast", "ID", m[1], "Text", pick(names.Broadcasts[num(m[1])]))
			r.Link = "/console/broadcasts/" + m[1]
		} else if m := targetContact.FindStringSubmatch(e.Target); m != nil {
			name, ok := names.Contacts[num(m[1])]
			r.On, r.Link = person(name, ok, m[1]), "/console/contacts/"+m[1]
		} else if m := targetConversation.FindStringSubmatch(e.Target); m != nil {
			r.On, r.Link = text("console.audit.on.conversation", "ID", m[1]), "/console/inbox/"+m[1]
		} else if m := targetAccount.FindStringSubmatch(e.Target); m != nil {
			r.On = text("console.audit.on.account", "Name", m[1])
		} else if strings.HasPrefix(e.Target, "/console/simulator") {
			r.On = text("console.audit.on.simulator")
		} else if name, role, ok := strings.Cut(e.Target, " "); ok && e.Actor == "cli" {
			r.On = text("console.audit.on.account", "Name", name)
			if c.bundle.Has(rq.lang, "console.role."+role) {
				r.On += " (" + text("console.role."+role) + ")"
			}
		} else if !strings.HasPrefix(e.Target, "/") {
			r.On = e.Target // not a path: shown as written
		} // else a list page (a new broadcast refused, say): nothing in particular
		r.Result = outcomeWords(e.Outcome, text)
		if e.Count > 1 && e.LastAt != nil {
			r.Repeats = text("console.audit.repeats", "Count", e.Count, "Last", e.LastAt.In(c.cfg.Location).Format("2006-01-02 15:04"))
		}
		rows[i] = r
	}
	return rows, nil
}

// outcomeWords says how an event ended, from its HTTP status.
func outcomeWords(code int, text func(string, ...any) string) string {
	key := ""
	switch {
	case code == 0 || code >= 200 && code < 400:
		key = "done"
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		key = "invalid"
	case code == http.StatusUnauthorized:
		key = "wrong"
	case code == http.StatusForbidden:
		key = "forbidden"
	case code == http.StatusNotFound:
		key = "not_found"
	case code == http.StatusConflict:
		key = "conflict"
	case code == http.StatusRequestEntityTooLarge:
		key = "too_large"
	case code == http.StatusTooManyRequests:
		key = "held_back"
	case code >= 500:
		key = "failed"
	default:
		return strconv.Itoa(code)
	}
	return text("console.audit.outcome." + key)
}

// clipText cuts s to n characters, ending with "…" when it was longer.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
