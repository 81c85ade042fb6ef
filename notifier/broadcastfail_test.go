package notifier_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// A broadcast whose expansion fails every time (a NUL byte stored before
// input was checked: PostgreSQL refuses it in the outbox) is marked failed,
// with why, after MaxExpandFailures tries, and the broadcasts after it go
// out. On SQLite, which stores NUL, it simply goes out.
func TestFailingBroadcastDoesNotBlockLaterOnes(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		addPerson(t, s, 1, person{lang: "ar", gov: "muscat", telegram: true, consent: true})
		bs := notifier.NewBroadcasts(s, clock.NewManual(t0), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, notifier.BroadcastConfig{})
		bad := &store.Broadcast{Texts: map[string]string{"ar": "مرحبا\x00"}, Audience: store.Audience{All: true}, Channels: []string{"telegram"}, SendAt: t0}
		good := &store.Broadcast{Texts: map[string]string{"ar": "مرحبا"}, Audience: store.Audience{All: true}, Channels: []string{"telegram"}, SendAt: t0}
		for _, b := range []*store.Broadcast{bad, good} {
			if err := s.CreateBroadcast(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		errs := 0
		for range 10 {
			_, found, err := bs.ExpandOnce(ctx)
			if err != nil {
				errs++
				continue
			}
			if !found {
				break
			}
		}
		badRep, err := bs.Report(ctx, bad.ID)
		if err != nil {
			t.Fatal(err)
		}
		goodRep, err := bs.Report(ctx, good.ID)
		if err != nil {
			t.Fatal(err)
		}
		if goodRep.Counts.Targeted != 1 || goodRep.Counts.Queued != 1 {
			t.Fatalf("the later broadcast is %s with counts %+v; want it expanded to its one person", goodRep.Status, goodRep.Counts)
		}
		if s.Dialect() != "postgres" {
			return
		}
		if badRep.Status != store.BroadcastFailed || badRep.Failure == "" || errs != notifier.MaxExpandFailures-1 {
			t.Fatalf("the bad broadcast is %q (failure %q) after %d errors; want failed with a reason after %d tries",
				badRep.Status, badRep.Failure, errs, notifier.MaxExpandFailures)
		}
	})
}
