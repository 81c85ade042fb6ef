package reminders

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// What people wrote is kept for the retention and not a moment longer: a
// message received before now-retention is gone after the sweep (its text
// and its id), one received at or after it is kept with its text. The
// sweep is run at every hour across three weeks of messages, several
// transactions of rows each time.
func TestRetentionForgetsWhatPeopleWroteAfterItsTime(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		const retention = 10 * 24 * time.Hour
		sw := New(f.store, Config{Location: muscat, Log: slog.New(slog.DiscardHandler), Batch: 2, Retention: retention})
		c := f.person(vocab.Address{ConsoleUser: "huda"}, nil)
		// A message every 7 hours for three weeks, each at the store's clock.
		var sent []time.Time
		for i := 0; i < 72; i++ {
			err := f.store.InTx(f.ctx, func(tx *store.Tx) error {
				_, err := tx.ClaimInbounds([]store.InboundClaim{{Channel: vocab.Console, ExternalID: fmt.Sprint("m", i),
					ContactID: c.ID, Kind: store.InboundText, Text: fmt.Sprint("message ", i)}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, f.clock.Now())
			f.clock.Advance(7 * time.Hour)
		}
		first, last := sent[0], sent[len(sent)-1]
		for now := first.Add(retention - time.Hour); !now.After(last.Add(retention + time.Hour)); now = now.Add(time.Hour) {
			if _, err := sw.Retention(f.ctx, now); err != nil {
				t.Fatal(err)
			}
			kept, err := f.store.InboundOf(f.ctx, c.ID, first.Add(-time.Hour), last.Add(time.Hour), 1000)
			if err != nil {
				t.Fatal(err)
			}
			cutoff := now.Add(-retention)
			want := 0
			for _, at := range sent {
				if !at.Before(cutoff) {
					want++
				}
			}
			if len(kept) != want {
				t.Fatalf("swept at %s: %d messages kept, want %d (those since %s)", now.Format(time.RFC3339), len(kept), want, cutoff.Format(time.RFC3339))
			}
			for _, m := range kept {
				if m.ReceivedAt.Before(cutoff) || m.Text == nil {
					t.Fatalf("swept at %s: kept a message of %s, text %v", now.Format(time.RFC3339), m.ReceivedAt.Format(time.RFC3339), m.Text)
				}
			}
		}
	})
}

// Without a retention nothing is deleted.
func TestNoRetentionKeepsEverything(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		sw := New(f.store, Config{Location: muscat, Log: slog.New(slog.DiscardHandler)})
		c := f.person(vocab.Address{ConsoleUser: "huda"}, nil)
		err := f.store.InTx(f.ctx, func(tx *store.Tx) error {
			_, err := tx.ClaimInbounds([]store.InboundClaim{{Channel: vocab.Console, ExternalID: "m", ContactID: c.ID, Kind: store.InboundText, Text: "hi"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sw.Retention(f.ctx, start.AddDate(10, 0, 0)); err != nil {
			t.Fatal(err)
		}
		kept, err := f.store.InboundOf(f.ctx, c.ID, start.Add(-time.Hour), start.Add(time.Hour), 10)
		if err != nil || len(kept) != 1 {
			t.Fatalf("kept %d, %v; want the one message", len(kept), err)
		}
	})
}
