package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newClock() clock.Clock { return clock.NewManual(t0) }

func TestMigrateTwiceAppliesNothingNew(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v", applied)
		}
	})
}

func TestReplicasMigrateAtOnce(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storetest.SQLiteDSN(t) }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 4)
			total := make([]int, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(ctx, dsn, newClock())
					if err != nil {
						errs[i] = err
						return
					}
					defer s.Close()
					applied, err := s.Migrate(ctx)
					errs[i], total[i] = err, len(applied)
				}()
			}
			wg.Wait()
			sum := 0
			for i, err := range errs {
				if err != nil {
					t.Fatalf("replica %d: %v", i, err)
				}
				sum += total[i]
			}
			if want := storeStepCount(t, dsn); sum != want {
				t.Fatalf("replicas applied %d steps in all, want each step once (%d)", sum, want)
			}
		})
	}
}

func storeStepCount(t *testing.T, dsn string) int {
	s, err := store.Open(context.Background(), dsn, newClock())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.SchemaVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(n)
}
