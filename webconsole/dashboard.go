package webconsole

import (
	"net/http"
	"time"
)

func (c *Console) dashboard(w http.ResponseWriter, rq *request) error {
	d, err := c.store.Dashboard(rq.Context(), c.clock.Now().Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "dashboard", "dashboard", d)
	return nil
}
