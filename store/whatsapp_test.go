package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// find returns the contact a message from addr belongs to, as the inbox's
// batch finds it.
func find(t *testing.T, s *store.Store, addr vocab.Address) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		found, err := tx.ContactsByAddresses([]vocab.Address{addr}, []string{"ar"})
		c = found[addr.Key()]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c == nil {
		t.Fatalf("no contact for %+v", addr)
	}
	return c
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// One person across channels: WhatsApp's wa_id is the number, so a WhatsApp
// message by number is the SMS contact of that number; a user id with a
// number teaches each its other; someone known only by user id who then
// shows the number of an SMS contact becomes one person with it; a number
// that belongs to another user id is not taken over.
func TestWhatsAppPeopleAreOnePersonWithTheirNumber(t *testing.T) {
	const number = "+96891230001"
	tests := []struct {
		name   string
		before []vocab.Address // earlier messages, in order
		then   vocab.Address
		// want: the contact of then is the contact of before[same] (-1: a new one)
		same      int
		wantPhone string
		wantID    string
	}{
		{"whatsapp by number is the sms contact", []vocab.Address{{Phone: number}}, vocab.Address{Phone: number}, 0, number, "<nil>"},
		{"the number's contact learns the user id", []vocab.Address{{Phone: number}}, vocab.Address{WhatsAppID: "OM.7", Phone: number}, 0, number, "OM.7"},
		{"the user id's contact learns the number", []vocab.Address{{WhatsAppID: "OM.7"}}, vocab.Address{WhatsAppID: "OM.7", Phone: number}, 0, number, "OM.7"},
		{"a user id alone is a new person", []vocab.Address{{Phone: number}}, vocab.Address{WhatsAppID: "OM.7"}, -1, "<nil>", "OM.7"},
		{"user id and number: one person with the sms record", []vocab.Address{{Phone: number}, {WhatsAppID: "OM.7"}}, vocab.Address{WhatsAppID: "OM.7", Phone: number}, 0, number, "OM.7"},
		{"after the join the user id alone finds them", []vocab.Address{{Phone: number}, {WhatsAppID: "OM.7", Phone: number}}, vocab.Address{WhatsAppID: "OM.7"}, 0, number, "OM.7"},
		{"a number another user id holds stays with it", []vocab.Address{{WhatsAppID: "OM.1", Phone: number}}, vocab.Address{WhatsAppID: "OM.2", Phone: number}, -1, "<nil>", "OM.2"},
		{"a user id with a number keeps it when another shows", []vocab.Address{{WhatsAppID: "OM.7", Phone: number}}, vocab.Address{WhatsAppID: "OM.7", Phone: "+96891230002"}, 0, number, "OM.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
				var ids []int64
				for _, a := range tt.before {
					ids = append(ids, find(t, s, a).ID)
				}
				c := find(t, s, tt.then)
				if tt.same >= 0 && c.ID != ids[tt.same] {
					t.Errorf("contact %d, want %d (one person)", c.ID, ids[tt.same])
				}
				if tt.same < 0 && contains(ids, c.ID) {
					t.Errorf("contact %d is an earlier one, want a new person", c.ID)
				}
				if str(c.Phone) != tt.wantPhone || str(c.WhatsAppID) != tt.wantID {
					t.Errorf("phone %s, user id %s; want %s, %s", str(c.Phone), str(c.WhatsAppID), tt.wantPhone, tt.wantID)
				}
				again, err := s.Contact(context.Background(), c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if str(again.Phone) != tt.wantPhone || str(again.WhatsAppID) != tt.wantID {
					t.Errorf("stored: phone %s, user id %s; want %s, %s", str(again.Phone), str(again.WhatsAppID), tt.wantPhone, tt.wantID)
				}
			})
		})
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// When a WhatsApp-only person (known by user id) joins the SMS record of
// their number, the SMS record keeps its id and takes the WhatsApp side:
// the user id, the live conversation, the sign-ups and the time they last
// wrote; the WhatsApp-only record is left empty.
func TestWhatsAppJoinMovesTheConversation(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := "wa-join"
		o := &store.Opportunity{Key: &k, Kind: "training", Title: map[string]string{"en": "x"}, Description: map[string]string{"en": "x"}, StartsAt: t0.Add(48 * time.Hour)}
		if err := s.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		const number = "+96891230003"
		sms := find(t, s, vocab.Address{Phone: number})
		wa := find(t, s, vocab.Address{WhatsAppID: "OM.9"})
		wrote := t0.Add(-time.Hour)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetSignup(wa.ID, o.ID, "registered"); err != nil {
				return err
			}
			if err := tx.SaveState(wa.ID, store.SavedState{Step: "menu", Data: `{"step":"menu"}`}); err != nil {
				return err
			}
			return tx.SetWhatsAppInbound(map[int64]time.Time{wa.ID: wrote})
		})
		if err != nil {
			t.Fatal(err)
		}
		one := find(t, s, vocab.Address{WhatsAppID: "OM.9", Phone: number})
		if one.ID != sms.ID {
			t.Fatalf("joined into %d, want the SMS record %d", one.ID, sms.ID)
		}
		if one.WhatsAppLastInboundAt == nil || !one.WhatsAppLastInboundAt.Equal(wrote) {
			t.Errorf("last inbound %v, want %v", one.WhatsAppLastInboundAt, wrote)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			st, err := tx.States([]int64{sms.ID, wa.ID})
			if err != nil {
				return err
			}
			if st[sms.ID].Step != "menu" || st[wa.ID].Data != "" {
				t.Errorf("states %+v: the conversation must move to the SMS record", st)
			}
			signups, err := tx.SignupsOf([]int64{sms.ID, wa.ID})
			if err != nil {
				return err
			}
			if len(signups[sms.ID]) != 1 || len(signups[wa.ID]) != 0 {
				t.Errorf("sign-ups %+v: they must move to the SMS record", signups)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.Contact(ctx, wa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if old.WhatsAppID != nil || old.ErasedAt == nil {
			t.Errorf("old WhatsApp-only record keeps user id %s (erased %v); want it empty", str(old.WhatsAppID), old.ErasedAt)
		}
	})
}

// The 24-hour window starts when the person last wrote: a later message
// moves it, an earlier one (a webhook delivered late) does not; writing
// makes WhatsApp reach them again. Erasing forgets both the user id and the time.
func TestWhatsAppLastInbound(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := find(t, s, vocab.Address{WhatsAppID: "OM.11"})
		if err := s.MarkUnreachable(ctx, c.ID, vocab.WhatsApp, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddWhatsAppFailure(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		set := func(at time.Time) *store.Contact {
			t.Helper()
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.SetWhatsAppInbound(map[int64]time.Time{c.ID: at}) }); err != nil {
				t.Fatal(err)
			}
			got, err := s.Contact(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := set(t0)
		if got.WhatsAppLastInboundAt == nil || !got.WhatsAppLastInboundAt.Equal(t0) || got.WhatsAppUnreachable || got.WhatsAppFailures != 0 {
			t.Fatalf("after writing: last %v unreachable %v failures %d", got.WhatsAppLastInboundAt, got.WhatsAppUnreachable, got.WhatsAppFailures)
		}
		if got := set(t0.Add(-time.Minute)); !got.WhatsAppLastInboundAt.Equal(t0) {
			t.Errorf("an earlier message moved the window back to %v", got.WhatsAppLastInboundAt)
		}
		if got := set(t0.Add(time.Minute)); !got.WhatsAppLastInboundAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("a later message left the window at %v", got.WhatsAppLastInboundAt)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Erase(c.ID) }); err != nil {
			t.Fatal(err)
		}
		gone, err := s.Contact(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if gone.WhatsAppID != nil || gone.WhatsAppLastInboundAt != nil {
			t.Errorf("erased contact keeps user id %s, last inbound %v", str(gone.WhatsAppID), gone.WhatsAppLastInboundAt)
		}
	})
}
