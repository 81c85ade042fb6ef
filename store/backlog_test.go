package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// The backlog the alerts watch: due and unsent, per channel, with how long
// the longest-waiting message has been due; later attempts, rows in flight
// and sent rows are not backlog.
func TestOutboxBacklogCountsWhatIsDueAndUnsent(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := 0
		add := func(channel string, priority int, status string, dueIn time.Duration) {
			n++
			_, err := s.Enqueue(ctx, &store.OutboxMessage{ContactID: 1, Channel: channel, Recipient: "r", Priority: priority,
				Body: "x", Status: status, NextAttemptAt: t0.Add(dueIn), DedupeKey: fmt.Sprintf("k%d", n)})
			if err != nil {
				t.Fatal(err)
			}
		}
		add("telegram", store.PriorityReply, store.OutboxPending, -7*time.Minute)
		add("telegram", store.PriorityReply+1, store.OutboxPending, -time.Minute)
		add("telegram", store.PriorityReply, store.OutboxPending, time.Hour) // a later attempt: not due
		add("telegram", store.PriorityReply, store.OutboxSent, -time.Hour)
		add("telegram", store.PriorityReply, "sending", -time.Hour)
		add("telegram", store.PriorityBulk, store.OutboxPending, -3*time.Hour)
		add("sms", store.PriorityNotice, store.OutboxPending, 0)
		add("sms", store.PriorityNotice+1, store.OutboxPending, -time.Minute)
		add("sms", store.PriorityBulk-1, store.OutboxFailed, -time.Hour)
		clk.Advance(30 * time.Second)

		got, err := s.OutboxBacklog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Backlog{
			{Channel: "sms", Lane: store.LaneNotice, Due: 2, Oldest: time.Minute + 30*time.Second},
			{Channel: "telegram", Lane: store.LaneBulk, Due: 1, Oldest: 3*time.Hour + 30*time.Second},
			{Channel: "telegram", Lane: store.LaneReply, Due: 2, Oldest: 7*time.Minute + 30*time.Second},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("backlog = %v, want %v", got, want)
		}
	})
}
