package store_test

import (
	"context"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// Which channel reaches a person is decided in Go (PreferredChannel,
// Reachable: the notifier and single notices) and in SQL (reminder sweeps,
// broadcast audiences and expansion). For each kind of contact the two
// agree, and the broadcast audience "on these channels" matches the
// contacts with an address there.
func TestChannelChoiceAgreesInGoAndSQL(t *testing.T) {
	ptr := func(s string) *string { return &s }
	chat := func(id int64) *int64 { return &id }
	at := t0
	contacts := []struct {
		name    string
		edit    func(c *store.Contact)
		channel string   // what both must choose ("" for nobody)
		on      []string // the audience channels the contact has an address on
	}{
		{"telegram", func(c *store.Contact) { c.TelegramChatID = chat(1) }, "telegram", []string{"telegram"}},
		{"telegram and phone", func(c *store.Contact) { c.TelegramChatID, c.Phone = chat(2), ptr("+96890000002") }, "telegram", []string{"telegram", "sms"}},
		{"blocked telegram falls to sms", func(c *store.Contact) {
			c.TelegramChatID, c.TelegramBlocked, c.Phone = chat(3), true, ptr("+96890000003")
		}, "sms", []string{"telegram", "sms"}},
		{"blocked telegram, dead number", func(c *store.Contact) {
			c.TelegramChatID, c.TelegramBlocked, c.Phone, c.SMSUnreachable = chat(4), true, ptr("+96890000004"), true
		}, "", []string{"telegram", "sms"}},
		{"empty phone", func(c *store.Contact) { c.Phone = ptr("") }, "", nil},
		{"empty phone and a console user", func(c *store.Contact) { c.Phone, c.ConsoleUser = nil, ptr("local") }, "console", []string{"console"}},
		{"empty console user and a phone", func(c *store.Contact) { c.ConsoleUser, c.Phone = ptr(""), ptr("+96890000007") }, "sms", []string{"sms"}},
		{"dead number, console user", func(c *store.Contact) {
			c.Phone, c.SMSUnreachable, c.ConsoleUser = ptr("+96890000008"), true, ptr("tester")
		}, "console", []string{"sms", "console"}},
		{"web simulator session", func(c *store.Contact) { c.WebSession = ptr("abc") }, "web", []string{"web"}},
		{"a console user named like an old simulator one", func(c *store.Contact) { c.ConsoleUser = ptr("web:abc") }, "console", []string{"console"}},
		{"opted out", func(c *store.Contact) { c.TelegramChatID, c.OptedOutAt = chat(10), &at }, "telegram", []string{"telegram"}},
		{"erased (no audience counts them)", func(c *store.Contact) { c.TelegramChatID, c.ErasedAt = chat(11), &at }, "telegram", nil},
		{"no address at all", func(c *store.Contact) {}, "", nil},
		{"whatsapp user id only", func(c *store.Contact) { c.WhatsAppID = ptr("OM.1") }, "whatsapp", []string{"whatsapp"}},
		{"whatsapp user id and number: whatsapp first (free inside the window, else a template or sms as the dispatcher weighs)", func(c *store.Contact) {
			c.WhatsAppID, c.Phone = ptr("OM.2"), ptr("+96890000021")
		}, "whatsapp", []string{"sms", "whatsapp"}},
		{"whatsapp by number, the number dead for sms", func(c *store.Contact) {
			c.Phone, c.SMSUnreachable, c.WhatsAppLastInboundAt = ptr("+96890000022"), true, &at
		}, "whatsapp", []string{"sms", "whatsapp"}},
		{"whatsapp unreachable", func(c *store.Contact) { c.WhatsAppID, c.WhatsAppUnreachable = ptr("OM.3"), true }, "", []string{"whatsapp"}},
		{"wrote on whatsapp once, number erased since", func(c *store.Contact) { c.WhatsAppLastInboundAt = &at }, "", nil},
		{"telegram before whatsapp", func(c *store.Contact) { c.TelegramChatID, c.WhatsAppID = chat(12), ptr("OM.4") }, "telegram", []string{"telegram", "whatsapp"}},
	}
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		onChannel := map[string][]int64{}
		for _, tc := range contacts {
			var c *store.Contact
			err := s.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if c, _, err = tx.ContactByAddress(vocab.Address{ConsoleUser: "setup-" + tc.name}, "ar"); err != nil {
					return err
				}
				c.ConsoleUser, c.ConsentAt = nil, &at
				tc.edit(c)
				return tx.SaveContact(c)
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range tc.on {
				onChannel[ch] = append(onChannel[ch], c.ID)
			}

			t.Run(tc.name, func(t *testing.T) {
				goChannel, goTo, ok := c.PreferredChannel()
				reachable, _ := c.Reachable(goChannel, false)
				sqlChannel, sqlTo, sqlNoticeable := mustChoice(t, s, c.ID)
				if goChannel != tc.channel {
					t.Errorf("Go chooses %q, want %q", goChannel, tc.channel)
				}
				if sqlChannel != goChannel || sqlTo != goTo {
					t.Errorf("SQL chooses %q to %q, Go %q to %q", sqlChannel, sqlTo, goChannel, goTo)
				}
				if goNoticeable := ok && reachable; sqlNoticeable != goNoticeable {
					t.Errorf("SQL says noticeable %v, Go %v", sqlNoticeable, goNoticeable)
				}
			})
		}
		for _, ch := range []string{"telegram", "sms", "web", "console", "whatsapp"} {
			est, err := s.EstimateAudience(ctx, &store.Broadcast{
				Texts: map[string]string{"ar": "x"}, Channels: []string{"telegram", "sms", "web", "console", "whatsapp"},
				Audience: store.Audience{Channels: []string{ch}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if est.Targeted != len(onChannel[ch]) {
				t.Errorf("audience on %s targets %d, want the %d contacts with an address there", ch, est.Targeted, len(onChannel[ch]))
			}
		}
	})
}

func mustChoice(t *testing.T, s *store.Store, id int64) (channel, to string, noticeable bool) {
	t.Helper()
	channel, to, noticeable, err := s.ChannelChoiceInSQL(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return channel, to, noticeable
}
