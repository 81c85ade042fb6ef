package main

import (
	"context"

	"github.com/tamkeen/tamkeen/orders"
)

// wireOrders mounts the marketplace's order events API. Without
// TAMKEEN_ORDERS_SECRET it answers 503 and says which setting is missing.
func wireOrders(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	orders.New(orders.Options{
		Store: w.app.store, Secret: cfg.OrdersSecret, Region: cfg.DefaultRegion, Log: w.app.log, Notify: w.notify,
	}).Mount(w.server)
	if cfg.OrdersSecret == "" {
		w.app.log.Info("order events off", "why", "TAMKEEN_ORDERS_SECRET is not set", "path", orders.Path)
	} else {
		w.app.log.Info("order events on", "path", orders.Path)
	}
	return nil
}
