package webconsole

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/signinlimit"
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
	e.Address = signinlimit.ClientAddress(rq.Request)
	if err := c.store.Audit(context.WithoutCancel(rq.Context()), e); err != nil {
		c.log.Error("console: audit failed", "action", e.Action, "err", err)
	}
}

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
	c.render(w, rq, http.StatusOK, "audit", "audit", map[string]any{"Events": events, "Older": older, "Filter": f})
	return nil
}
