package webconsole

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tamkeen/tamkeen/store"
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

// cancelSignup cancels one person's sign-up; a freed place goes to the
// first person waiting.
func (c *Console) cancelSignup(w http.ResponseWriter, rq *request) error {
	opp, sid, err := signupIDs(rq)
	if err != nil {
		return err
	}
	if !isConfirmed(rq) {
		return c.confirmCancelSignup(w, rq, opp, sid)
	}
	freed, err := c.store.CancelSignupByStaff(rq.Context(), opp, sid)
	if err != nil {
		return err
	}
	if freed && c.placesFreed != nil {
		c.placesFreed()
	}
	return seeOther(w, rq, opportunityPath(opp)+"?saved=1#signups")
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
	if err != nil {
		return err
	}
	return seeOther(w, rq, opportunityPath(opp)+"?saved=1#signups")
}
