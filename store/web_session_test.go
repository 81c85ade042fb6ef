package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Simulator people made before web sessions had an address of their own (a
// console user "web:<id>") become web sessions when migrated: the same
// person keeps the conversation the console shows, and a real console user
// is left alone.
func TestOldSimulatorUsersBecomeWebSessions(t *testing.T) {
	eachEmpty(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.MigrateSteps(ctx, store.MigrationsBefore(23)); err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, user := range []string{"web:abc", "local"} {
			created, err := s.Int64s(ctx, "INSERT INTO contacts (console_user, language, created_at, updated_at) VALUES (?, 'ar', ?, ?) RETURNING id", user, t0, t0)
			if err != nil || len(created) != 1 {
				t.Fatalf("create %s: %v %v", user, created, err)
			}
			ids[user] = created[0]
		}
		if err := s.Exec(ctx, `INSERT INTO outbox (contact_id, channel, recipient, language, priority, body, status, dedupe_key, created_at, updated_at, next_attempt_at)
			VALUES (?, 'web', 'web:abc', 'ar', 0, 'مرحبا', 'sent', 'old-web-1', ?, ?, ?)`, ids["web:abc"], t0, t0, t0); err != nil {
			t.Fatal(err)
		}
		if applied, err := s.Migrate(ctx); err != nil || !slices.Contains(applied, 23) {
			t.Fatalf("migrate applied %v (%v), want step 23", applied, err)
		}
		msgs, err := s.ConversationMessages(ctx, vocab.Web, vocab.Address{WebSession: "abc"}, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Body != "مرحبا" || msgs[0].Recipient != "abc" {
			t.Fatalf("the simulator person's conversation after migrating: %+v %v", msgs, err)
		}
		var c *store.Contact
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			c, _, err = tx.ContactByAddress(vocab.Address{WebSession: "abc"}, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if c.ID != ids["web:abc"] || c.ConsoleUser != nil {
			t.Errorf("web session abc is contact %d with console user %v, want contact %d and none", c.ID, c.ConsoleUser, ids["web:abc"])
		}
		if ch, to, _ := c.PreferredChannel(); ch != vocab.Web || to != "abc" {
			t.Errorf("notices go to %s %q, want web abc", ch, to)
		}
		users, err := s.Strings(ctx, "SELECT console_user FROM contacts WHERE console_user IS NOT NULL")
		if err != nil || !slices.Equal(users, []string{"local"}) {
			t.Errorf("console users after migrating: %v %v, want only local", users, err)
		}
	})
}
