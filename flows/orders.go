package flows

import (
	"strconv"
	"strings"
	"time"
)

// stepMyOrders is "my orders" in the producer corner.
const stepMyOrders = "producer.orders"

// Order is a marketplace order of a producer family, at its latest status.
type Order struct {
	ID           int64
	Ref          string // the marketplace's order id
	Status       string // placed, accepted, ready, shipped, delivered, cancelled, returned
	StatusAt     time.Time
	Items        int    // 0: not known
	Total        string // the amount, "" when not known
	Currency     string // ISO 4217 code of Total, "" when not known
	CustomerArea string
}

// myOrdersStep lists the producer's latest orders with status and time;
// choosing one shows what is known about it.
type myOrdersStep struct{ noText }

func (myOrdersStep) order(t *turn) (Order, bool) {
	id, err := strconv.ParseInt(t.res.State.Args["order"], 10, 64)
	if err != nil {
		return Order{}, false
	}
	for _, o := range t.snap.Orders {
		if o.ID == id {
			return o, true
		}
	}
	return Order{}, false
}

func (s myOrdersStep) prompt(t *turn) Reply {
	if o, ok := s.order(t); ok {
		return Reply{Key: "my_orders.detail", Data: map[string]any{
			"Ref": o.Ref, "Status": T("order.status." + o.Status), "Date": Date(o.StatusAt),
			"Items": o.Items, "Total": o.money(), "Area": o.CustomerArea,
		}, Options: []Option{{Payload: "list", Key: "my_orders.back"}, navMenu()}}
	}
	if len(t.snap.Orders) == 0 {
		return Reply{Key: "my_orders.none", Options: []Option{navBack(), navMenu()}}
	}
	opts := make([]Option, 0, len(t.snap.Orders)+2)
	for _, o := range t.snap.Orders {
		opts = append(opts, Option{
			Payload: "ord:" + strconv.FormatInt(o.ID, 10),
			Key:     "my_orders.item",
			Data:    map[string]any{"Ref": o.Ref, "Status": T("order.status." + o.Status), "Date": Date(o.StatusAt)},
		})
	}
	opts = append(opts, navBack(), navMenu())
	return Reply{Key: "my_orders.list", Data: map[string]any{"Count": len(t.snap.Orders)}, Options: opts}
}

func (myOrdersStep) choose(t *turn, payload string) {
	if id, ok := strings.CutPrefix(payload, "ord:"); ok {
		t.goTo(stepMyOrders, map[string]string{"order": id})
		return
	}
	t.goTo(stepMyOrders, nil) // "list"
}

func (s myOrdersStep) back(t *turn) (string, map[string]string) {
	if _, ok := s.order(t); ok {
		return stepMyOrders, nil
	}
	return stepProducer, nil
}

// money is the order's amount for a text: "" when not known.
func (o Order) money() any {
	if o.Total == "" {
		return ""
	}
	return Money(o.Total, o.Currency)
}
