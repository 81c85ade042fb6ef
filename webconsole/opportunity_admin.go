package webconsole

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// OnPlacesFreed sets what runs after staff cancel a registered sign-up, so
// the first person waiting gets the place soon (the scheduler's promotion).
func (c *Console) OnPlacesFreed(fn func()) *Console {
	c.placesFreed = fn
	return c
}

func opportunityPath(id int64) string { return "/console/opportunities/" + strconv.FormatInt(id, 10) }

// closeOpportunity ends sign-ups now.
func (c *Console) closeOpportunity(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	if err := c.store.CloseOpportunity(rq.Context(), id); err != nil {
		return err
	}
	return seeOther(w, rq, opportunityPath(id)+"?saved=1")
}

// reopenOpportunity opens sign-ups again after they were closed (not once
// the opportunity has started, nor while it is archived).
func (c *Console) reopenOpportunity(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	switch err := c.store.ReopenOpportunity(rq.Context(), id); {
	case errors.Is(err, store.ErrStarted):
		return &pageError{http.StatusConflict, "console.error.reopen_started"}
	case errors.Is(err, store.ErrArchived):
		return &pageError{http.StatusConflict, "console.error.reopen_archived"}
	case err != nil:
		return err
	}
	return seeOther(w, rq, opportunityPath(id)+"?saved=1")
}

// archiveOpportunity archives (archived=1) or restores (archived=0) one.
func (c *Console) archiveOpportunity(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	if err := c.store.SetOpportunityArchived(rq.Context(), id, rq.PostFormValue("archived") != "0"); err != nil {
		return err
	}
	return seeOther(w, rq, opportunityPath(id)+"?saved=1")
}

// signupIDs reads the opportunity and sign-up ids of the path.
func signupIDs(rq *request) (opp, signup int64, err error) {
	if opp, err = pathID(rq); err != nil {
		return 0, 0, err
	}
	signup, err = strconv.ParseInt(rq.PathValue("sid"), 10, 64)
	if err != nil || signup <= 0 {
		return 0, 0, errNotFound
	}
	return opp, signup, nil
}

// cancelSignup cancels one person's sign-up and tells her, in her language
// on her usual channel (with the words of notice.signup_cancelled), in the
// same transaction; a freed place goes to the first person waiting.
func (c *Console) cancelSignup(w http.ResponseWriter, rq *request) error {
	opp, sid, err := signupIDs(rq)
	if err != nil {
		return err
	}
	if !isConfirmed(rq) {
		return c.confirmCancelSignup(w, rq, opp, sid)
	}
	var done store.StaffCancellation
	queued := 0
	err = c.store.InTx(rq.Context(), func(tx *store.Tx) error {
		var err error
		if done, err = tx.CancelSignupByStaff(opp, sid); err != nil || done.Was == "" {
			return err
		}
		m, err := c.cancellationNotice(done)
		if err != nil || m == nil {
			return err
		}
		queued, err = tx.Enqueue(m)
		return err
	})
	if err != nil {
		return err
	}
	c.log.Info("console: sign-up cancelled", "opportunity", opp, "signup", sid, "was", done.Was, "notice_queued", queued)
	if queued > 0 && c.cfg.Notify != nil {
		c.cfg.Notify()
	}
	if done.Freed() && c.placesFreed != nil {
		c.placesFreed()
	}
	return seeOther(w, rq, opportunityPath(opp)+"?saved=1#signups")
}

// cancellationNotice is the message that tells a person staff cancelled her
// sign-up, or nil when nothing may reach her (opted out, erased, no
// address). Like a promotion it waits for the end of quiet hours.
func (c *Console) cancellationNotice(done store.StaffCancellation) (*store.OutboxMessage, error) {
	p := &done.Contact
	if ok, _ := p.Reachable("", false); !ok {
		return nil, nil
	}
	channel, recipient, ok := p.PreferredChannel()
	if !ok {
		return nil, nil
	}
	payload, err := json.Marshal(vocab.Reply{
		Key: "notice.signup_cancelled", ShortKey: "notice.signup_cancelled.sms",
		Data: map[string]any{"Title": vocab.L(done.Opportunity.Title), "Date": vocab.Date(done.Opportunity.StartsAt)},
	})
	if err != nil {
		return nil, err
	}
	now := c.clock.Now()
	sendAt := now
	if c.cfg.QuietUntil != nil {
		sendAt = c.cfg.QuietUntil(now)
	}
	return &store.OutboxMessage{
		ContactID: p.ID, Channel: channel, Recipient: recipient, Language: p.Language, Priority: store.PriorityNotice,
		Payload: string(payload), NextAttemptAt: sendAt.UTC(),
		DedupeKey: "signup:" + strconv.FormatInt(done.SignupID, 10) + ":cancelled_by_staff:" + strconv.FormatInt(now.Unix(), 10),
	}, nil
}

// markAttended records (attended=1) or clears (attended=0) attendance.
func (c *Console) markAttended(w http.ResponseWriter, rq *request) error {
	opp, sid, err := signupIDs(rq)
	if err != nil {
		return err
	}
	err = c.store.SetAttended(rq.Context(), opp, sid, rq.PostFormValue("attended") != "0")
	if errors.Is(err, store.ErrNotRegistered) {
		return &pageError{http.StatusConflict, "console.error.not_registered"}
	}
	if errors.Is(err, store.ErrNotStarted) {
		return &pageError{http.StatusConflict, "console.error.not_started"}
	}
	if err != nil {
		return err
	}
	return seeOther(w, rq, opportunityPath(opp)+"?saved=1#signups")
}
