package store

import (
	"context"
	"fmt"
	"github.com/tamkeen/tamkeen/vocab"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

func TestIsWrite(t *testing.T) {
	cases := map[string]bool{
		"SELECT 1":                            false,
		"  \n\tselect * FROM outbox":          false,
		"UPDATE outbox SET x = 1 RETURNING *": true,
		"INSERT INTO t VALUES (1)":            true,
		"WITH c AS (SELECT 1) UPDATE t SET":   true,
		"DELETE FROM t":                       true,
		"SAVEPOINT sp1":                       true,
		"":                                    true,
	}
	for q, want := range cases {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", q, got, want)
		}
	}
}

// Many writers at once on one SQLite file: none fails with "database is locked".
func TestConcurrentSQLiteWritersAllLand(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir()+"/busy.db", clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(tx *Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{ConsoleUser: fmt.Sprintf("w%d", i)}, "ar")
				if err != nil {
					return err
				}
				_, err = tx.Enqueue(&OutboxMessage{ContactID: c.ID, Channel: "console", Recipient: "x", Body: "hi", DedupeKey: fmt.Sprintf("k%d", i)})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts, err := s.OutboxCounts(ctx)
	if err != nil || counts[OutboxPending] != writers {
		t.Fatalf("outbox = %v, %v; want %d pending", counts, err, writers)
	}
}
