package orders_test

import (
	"github.com/tamkeen/tamkeen/orders"
	"github.com/tamkeen/tamkeen/store"
)

// The database the handler runs on in production provides what it asks of it.
var _ orders.Store = (*store.Store)(nil)
