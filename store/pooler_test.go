package store_test

import (
	"context"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// A direct PostgreSQL connection is never taken for a pooler: it keeps its
// prepared statements and LISTEN. (Behind PgBouncer: cmd/tamkeen's
// TestServeBehindPgBouncerInTransactionMode.)
func TestDirectPostgresIsNotPooled(t *testing.T) {
	for range 5 {
		s, err := store.Open(context.Background(), storetest.PostgresDSN(t), clock.System{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Pooled() {
			t.Error("a direct connection was taken for a transaction pooler")
		}
		s.Close()
	}
}
