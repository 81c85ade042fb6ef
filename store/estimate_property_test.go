package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// The composer's count (EstimateAudience) is what sending does: over a
// random population (every way to be reachable or not, agreed or not, each
// language, in a list or not, with fields or not) and random broadcasts,
// the estimate's people by channel, language and WhatsApp window, and its
// skips, are the rows and counters the expansion then writes. The contacts'
// ids span more than the estimate's split, so that both halves count.
func TestTheEstimateCountsWhatTheExpansionQueues(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, 22))
		now := t0
		recent, old := now.Add(-2*time.Hour), now.Add(-50*time.Hour)
		ptr := func(v string) *string { return &v }
		pick := func(p float64) bool { return rng.Float64() < p }
		var contacts []*store.Contact
		makeOne := func(i int) {
			var c *store.Contact
			err := s.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if c, _, err = tx.ContactByAddress(vocab.Address{ConsoleUser: fmt.Sprintf("p%d", i)}, "ar"); err != nil {
					return err
				}
				c.ConsoleUser = nil
				if pick(0.2) {
					c.ConsoleUser = ptr(fmt.Sprintf("user%d", i))
				}
				if pick(0.3) {
					id := int64(1000 + i)
					c.TelegramChatID, c.TelegramBlocked = &id, pick(0.3)
				}
				if pick(0.7) {
					c.Phone, c.SMSUnreachable = ptr(fmt.Sprintf("+9689%07d", i)), pick(0.2)
				}
				if pick(0.3) {
					c.WhatsAppID = ptr(fmt.Sprintf("OM.%d", i))
				}
				if pick(0.4) {
					at := []time.Time{recent, old}[rng.IntN(2)]
					c.WhatsAppLastInboundAt = &at
					if pick(0.3) {
						closed := at.Add(time.Hour)
						c.WhatsAppWindowClosedAt = &closed
					}
				}
				c.WhatsAppUnreachable = pick(0.1)
				c.Language = []string{"ar", "en", "fr", ""}[rng.IntN(4)]
				c.Governorate = []string{"muscat", "dhofar", ""}[rng.IntN(3)]
				switch rng.IntN(4) {
				case 0:
					c.ConsentAt = &now
				case 1:
					c.ImportSource, c.ImportCreated = "registry", true
				case 2:
					c.ImportSource, c.ImportCreated, c.ConsentDeclinedAt = "registry", true, &now
				}
				if pick(0.15) {
					c.OptedOutAt = &now
				}
				if pick(0.05) {
					c.ErasedAt = &now
				}
				return tx.SaveContact(c)
			})
			if err != nil {
				t.Fatal(err)
			}
			if v := []string{"Takaful", "Karama", ""}[rng.IntN(3)]; v != "" && c.ErasedAt == nil {
				if err := s.SetContactField(ctx, c.ID, "program", v); err != nil {
					t.Fatal(err)
				}
			}
			contacts = append(contacts, c)
		}
		for i := range 150 {
			makeOne(i)
		}
		// Ids far apart: the estimate counts such a table in two halves.
		if err := s.Exec(ctx, `INSERT INTO contacts (id, console_user, language, created_at, updated_at) VALUES (400000, 'far', 'ar', ?, ?)`, now, now); err != nil {
			t.Fatal(err)
		}
		for i := 150; i < 300; i++ {
			makeOne(i)
		}

		channelSets := [][]string{{"sms"}, {"whatsapp"}, {"whatsapp", "sms"}, {"telegram", "whatsapp", "sms", "console", "web"}, {"telegram"}, {}}
		for n := range 24 {
			b := &store.Broadcast{Texts: map[string]string{"ar": "نص"}, Channels: channelSets[n%len(channelSets)], SendAt: now}
			if pick(0.5) {
				b.Texts["en"] = "text"
			}
			if pick(0.3) {
				b.Texts["fr"] = "texte"
			}
			switch rng.IntN(4) {
			case 0:
				b.Audience.Fields = map[string][]string{"program": {"Takaful"}}
			case 1:
				b.Audience.Fields = map[string][]string{"program": {"Takaful", "Karama"}}
				b.Audience.Governorates = []string{"dhofar"}
			case 2:
				b.Audience.Sources = []string{"registry"}
			}
			name := fmt.Sprintf("%d %v %v", n, b.Channels, b.Audience)
			est, err := s.EstimateAudience(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateBroadcast(ctx, b); err != nil {
				t.Fatal(err)
			}
			for {
				ex, err := s.ExpandBroadcast(ctx, b.ID, 40, store.PriorityBulk, now)
				if err != nil {
					t.Fatal(err)
				}
				if ex.Done {
					break
				}
			}
			got, err := s.Broadcast(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if est.Targeted != got.Targeted || est.OptedOut != got.SkippedOptedOut || est.NoConsent != got.SkippedNoConsent || est.Unreachable != got.SkippedUnreachable {
				t.Errorf("%s: estimate targets %d and skips %d opted out, %d without consent, %d unreachable; the expansion %d, %d, %d, %d",
					name, est.Targeted, est.OptedOut, est.NoConsent, est.Unreachable, got.Targeted, got.SkippedOptedOut, got.SkippedNoConsent, got.SkippedUnreachable)
			}
			queued := map[string]map[string]int{}
			windows := map[string]map[string]int{}
			rows, err := s.Strings(ctx, `SELECT channel || ' ' || language || ' ' || CAST(contact_id AS TEXT) FROM outbox WHERE broadcast_id = ?`, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				var ch, lang string
				var id int64
				fmt.Sscan(r, &ch, &lang, &id)
				if queued[ch] == nil {
					queued[ch] = map[string]int{}
				}
				queued[ch][lang]++
				if ch != "whatsapp" {
					continue
				}
				i := slices.IndexFunc(contacts, func(c *store.Contact) bool { return c.ID == id })
				c := contacts[i]
				class := store.WindowClosed
				if open, _ := reach.WhatsAppWindow(c.WhatsAppLastInboundAt, c.WhatsAppWindowClosedAt, now); open {
					class = store.WindowOpen
				} else if slices.Contains(b.Channels, "sms") && c.Phone != nil && !c.SMSUnreachable {
					class = store.WindowClosedSMS
				}
				if windows[class] == nil {
					windows[class] = map[string]int{}
				}
				windows[class][lang]++
			}
			if fmt.Sprint(est.Reach) != fmt.Sprint(queued) {
				t.Errorf("%s: estimate reaches %v, the expansion queued %v", name, est.Reach, queued)
			}
			if slices.Contains(b.Channels, "whatsapp") && fmt.Sprint(est.WhatsApp) != fmt.Sprint(windows) {
				t.Errorf("%s: estimate splits WhatsApp as %v, the rows queued are %v", name, est.WhatsApp, windows)
			}
		}
	})
}
