package main

import (
	"context"

	"github.com/tamkeen/tamkeen/orders"
)

// wireOrders mounts the marketplace's order events API. Without
// TAMKEEN_ORDERS_SECRET, or in a country pack without a marketplace, it
// answers 503 and the log says why.
func wireOrders(ctx context.Context, w *wiring) error {
	cfg := w.app.cfg
	pack := w.app.bundle.Content.Pack
	secret := cfg.OrdersSecret
	if !pack.Marketplace {
		secret = ""
	}
	orders.New(orders.Options{
		Store: w.app.store, Secret: secret, Region: cfg.DefaultRegion, Currency: pack.Currency, Log: w.app.log, Notify: w.notify,
	}).Mount(w.server)
	switch {
	case !pack.Marketplace:
		w.app.log.Info("order events off", "why", "the country pack has no marketplace for producer families", "country", pack.Country, "path", orders.Path)
	case cfg.OrdersSecret == "":
		w.app.log.Info("order events off", "why", "TAMKEEN_ORDERS_SECRET is not set", "path", orders.Path)
	default:
		w.app.log.Info("order events on", "path", orders.Path)
	}
	return nil
}
