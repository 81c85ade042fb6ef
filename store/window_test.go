package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// The broadcast estimate splits the people it reaches on WhatsApp by their
// window as reach.WhatsAppWindow judges it (the SQL and the Go rule agree
// on every window: never wrote, just wrote, a second short of a day, a day,
// closed by 131047, wrote again since), then by whether SMS reaches them
// and the broadcast may use it.
func TestEstimateSplitsWhatsAppByWindow(t *testing.T) {
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	windows := []struct {
		name         string
		last, closed *time.Time
	}{
		{"never wrote", nil, nil},
		{"just wrote", at(0), nil},
		{"a second short of a day", at(-24*time.Hour + time.Second), nil},
		{"a day ago", at(-24 * time.Hour), nil},
		{"two days ago", at(-48 * time.Hour), nil},
		{"closed by 131047", at(-time.Hour), at(-time.Minute)},
		{"closed at the moment they wrote", at(-time.Hour), at(-time.Hour)},
		{"wrote again after a 131047", at(-time.Minute), at(-time.Hour)},
	}
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		want := map[string]int{}
		for i, w := range windows {
			for _, smsOK := range []bool{false, true} {
				id := fmt.Sprintf("OM.w%d%v", i, smsOK)
				err := s.InTx(ctx, func(tx *store.Tx) error {
					c, _, err := tx.ContactByAddress(vocab.Address{WhatsAppID: id}, "ar")
					if err != nil {
						return err
					}
					phone := fmt.Sprintf("+9689100%02d%d", i, map[bool]int{false: 0, true: 1}[smsOK])
					c.ConsentAt, c.WhatsAppLastInboundAt, c.WhatsAppWindowClosedAt, c.Phone = at(-72*time.Hour), w.last, w.closed, &phone
					c.SMSUnreachable = !smsOK
					return tx.SaveContact(c)
				})
				if err != nil {
					t.Fatal(err)
				}
				open, _ := reach.WhatsAppWindow(w.last, w.closed, t0)
				switch {
				case open:
					want[store.WindowOpen]++
				case smsOK:
					want[store.WindowClosedSMS]++
				default:
					want[store.WindowClosed]++
				}
			}
		}
		for _, channels := range [][]string{{"whatsapp", "sms"}, {"whatsapp"}} {
			est, err := s.EstimateAudience(ctx, &store.Broadcast{Texts: map[string]string{"ar": "x"}, Channels: channels, Audience: store.Audience{All: true}})
			if err != nil {
				t.Fatal(err)
			}
			expect := want
			if len(channels) == 1 { // SMS not allowed: nobody moves there
				expect = map[string]int{store.WindowOpen: want[store.WindowOpen], store.WindowClosed: want[store.WindowClosed] + want[store.WindowClosedSMS]}
			}
			for _, class := range []string{store.WindowOpen, store.WindowClosedSMS, store.WindowClosed} {
				if got := est.WhatsApp[class]["ar"]; got != expect[class] {
					t.Errorf("channels %v: %s = %d, want %d", channels, class, got, expect[class])
				}
			}
			if est.Reach["whatsapp"]["ar"] != 2*len(windows) {
				t.Errorf("channels %v: %d on WhatsApp, want everyone (%d)", channels, est.Reach["whatsapp"]["ar"], 2*len(windows))
			}
		}
	})
}
