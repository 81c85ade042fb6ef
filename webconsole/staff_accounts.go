package webconsole

import (
	"net/http"

	"github.com/tamkeen/tamkeen/store"
)

// staffAccounts lists the console's accounts for administrators; they are
// added and their passwords set with `tamkeen staff`, so no password ever
// travels through a web form.
func (c *Console) staffAccounts(w http.ResponseWriter, rq *request) error {
	list, err := c.store.StaffAccounts(rq.Context())
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "staff", "staff", map[string]any{"Accounts": list})
	return nil
}

// setAccountDisabled disables (disabled=1, ending its sessions) or enables
// an account. An administrator cannot disable their own account here.
func (c *Console) setAccountDisabled(w http.ResponseWriter, rq *request) error {
	name, err := store.NormalizeUsername(rq.PathValue("name"))
	if err != nil {
		return errNotFound
	}
	disable := rq.PostFormValue("disabled") != "0"
	if disable && name == rq.sess.User {
		return &pageError{http.StatusConflict, "console.error.self_disable"}
	}
	if disable && !isConfirmed(rq) {
		return c.confirmDisableAccount(w, rq, name)
	}
	if err := c.store.SetStaffAccountDisabled(rq.Context(), name, disable); err != nil {
		return err
	}
	return seeOther(w, rq, "/console/staff")
}
