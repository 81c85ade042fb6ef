package webconsole

import (
	"context"
	"net/http"
	"strconv"

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
	before, _ := strconv.ParseInt(rq.URL.Query().Get("before"), 10, 64)
	events, err := c.store.AuditLog(rq.Context(), max(before, 0), auditPage+1)
	if err != nil {
		return err
	}
	var older int64
	if len(events) > auditPage {
		events = events[:auditPage]
		older = events[len(events)-1].ID
	}
	c.render(w, rq, http.StatusOK, "audit", "audit", map[string]any{"Events": events, "Older": older})
	return nil
}
