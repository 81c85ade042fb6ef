package webconsole

import (
	"net/http"
	"slices"

	"github.com/tamkeen/tamkeen/store"
)

// ordersShown bounds each list of the orders page.
const ordersShown = 100

// orders lists the latest orders (?status= narrows them) and the order
// events received most recently, with what each led to.
func (c *Console) orders(w http.ResponseWriter, rq *request) error {
	status := rq.URL.Query().Get("status")
	if !store.ValidOrderStatus(status) {
		status = ""
	}
	list, err := c.store.LatestOrders(rq.Context(), status, ordersShown)
	if err != nil {
		return err
	}
	events, err := c.store.LatestOrderEvents(rq.Context(), ordersShown)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "orders", "orders", map[string]any{
		"Orders": list, "Events": events, "Status": status, "Statuses": slices.Clone(store.OrderStatuses),
	})
	return nil
}
