package reminders_test

import (
	"github.com/tamkeen/tamkeen/reminders"
	"github.com/tamkeen/tamkeen/store"
)

// The database the sweeps run on in production provides what they ask of it.
var _ reminders.Store = (*store.Store)(nil)
