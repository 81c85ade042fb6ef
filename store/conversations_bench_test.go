package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// BenchmarkInboxList is what the console's inbox page asks for, over
// TAMKEEN_BENCH_CONVERSATIONS stored conversations (default 100,000; one in
// ten open, people spread over the 11 governorates): the first 50 open ones,
// the longest waiting first, with the counts of open and waiting; for
// everyone, for a caseworker limited to two governorates, and for one
// governorate. Goal: ≤ 50 ms a page. With TAMKEEN_TEST_POSTGRES_DSN the
// same on PostgreSQL.
func BenchmarkInboxList(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TAMKEEN_BENCH_CONVERSATIONS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	clk := clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	stores := map[string]*store.Store{"sqlite": storetest.SQLite(b, clk)}
	if os.Getenv("TAMKEEN_TEST_POSTGRES_DSN") != "" {
		stores["postgres"] = storetest.Postgres(b, clk)
	}
	for name, s := range stores {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			seedConversations(b, s, n, clk.Now())
			for _, c := range []struct {
				name string
				f    store.ConversationFilter
			}{
				{"everyone", store.ConversationFilter{}},
				{"two_governorates", store.ConversationFilter{Regions: store.Regions{"dhofar", "muscat"}}},
				{"one_governorate", store.ConversationFilter{Governorate: "musandam"}},
				{"unassigned", store.ConversationFilter{Unassigned: true}},
			} {
				b.Run(c.name, func(b *testing.B) {
					var worst time.Duration
					for b.Loop() {
						start := time.Now()
						c.f.Limit = 51
						rows, err := s.ListConversations(ctx, c.f)
						if err != nil || len(rows) != 51 {
							b.Fatalf("%d rows, %v", len(rows), err)
						}
						if _, _, err := s.CountOpenConversations(ctx, c.f.Regions); err != nil {
							b.Fatal(err)
						}
						worst = max(worst, time.Since(start))
					}
					b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
				})
			}
		})
	}
}

var governorates = []string{"muscat", "dhofar", "musandam", "buraimi", "dakhiliyah", "north_batinah", "south_batinah",
	"south_sharqiyah", "north_sharqiyah", "dhahirah", "wusta"}

// seedConversations stores n people, each with one conversation, one in
// ten open (most of them waiting), in batches through the inbox's own path.
func seedConversations(b *testing.B, s *store.Store, n int, now time.Time) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	const batch = 1000
	for from := 0; from < n; from += batch {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := from; i < min(from+batch, n); i++ {
				c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: int64(i + 1)}, "ar")
				if err != nil {
					return err
				}
				c.Name, c.Governorate = fmt.Sprint("Person ", i), governorates[rng.IntN(len(governorates))]
				if err := tx.SaveContact(c); err != nil {
					return err
				}
				if err := tx.OpenConversation(c.ID, "telegram"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Nine in ten closed, some answered: as a busy office's history.
	if err := s.SeedConversationHistory(ctx, 10, 3); err != nil {
		b.Fatal(err)
	}
}
