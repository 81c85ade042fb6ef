package notifier_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// person sets up one contact of a broadcast audience.
type person struct {
	lang, gov        string
	telegram, sms    bool
	tgBlocked        bool
	blankPhone       bool // a phone column left empty: no address
	consent, optOut  bool
	wantChannel      string // "" when skipped
	wantLang, reason string
}

func addPerson(t testing.TB, s *store.Store, i int, p person) *store.Contact {
	t.Helper()
	var c *store.Contact
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		c, _, err = tx.ContactByAddress(vocab.Address{ConsoleUser: "u" + strconv.Itoa(i)}, p.lang)
		if err != nil {
			return err
		}
		now := t0
		if p.telegram {
			id := int64(5000 + i)
			c.TelegramChatID = &id
		}
		if p.sms {
			ph := fmt.Sprintf("+9689%07d", i)
			c.Phone = &ph
		}
		if p.blankPhone {
			c.Phone = new(string)
		}
		c.ConsoleUser = nil
		c.Governorate, c.TelegramBlocked = p.gov, p.tgBlocked
		if p.consent {
			c.ConsentAt = &now
		}
		if p.optOut {
			c.OptedOutAt = &now
		}
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBroadcastExpansion(t *testing.T) {
	people := []person{
		{lang: "ar", gov: "muscat", telegram: true, sms: true, consent: true, wantChannel: bot.Telegram, wantLang: "ar"},
		{lang: "en", gov: "muscat", telegram: true, consent: true, wantChannel: bot.Telegram, wantLang: "en"},
		{lang: "fr", gov: "muscat", sms: true, consent: true, wantChannel: bot.SMS, wantLang: "ar"},
		{lang: "en", gov: "muscat", telegram: true, sms: true, tgBlocked: true, consent: true, wantChannel: bot.SMS, wantLang: "en"},
		{lang: "ar", gov: "muscat", telegram: true, tgBlocked: true, consent: true, reason: notifier.SkipUnreachable},
		{lang: "ar", gov: "muscat", blankPhone: true, consent: true, reason: notifier.SkipUnreachable},
		{lang: "ar", gov: "muscat", telegram: true, consent: true, optOut: true, reason: notifier.SkipOptedOut},
		{lang: "ar", gov: "muscat", telegram: true, reason: notifier.SkipNoConsent},
		{lang: "ar", gov: "dhofar", telegram: true, consent: true}, // outside the audience
	}
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		var cs []*store.Contact
		for i, p := range people {
			cs = append(cs, addPerson(t, s, i, p))
		}
		bs := notifier.NewBroadcasts(s, clk, discard(), nil, notifier.BroadcastConfig{Batch: 3})
		rep, err := bs.Create(ctx, &store.Broadcast{
			Texts:    map[string]string{"ar": "مرحبا", "en": "Hello"},
			Audience: store.Audience{Governorates: []string{"muscat"}},
			Channels: []string{bot.Telegram, bot.SMS},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := bs.Expand(ctx); err != nil {
			t.Fatal(err)
		}
		// A crash after a batch means the batch runs again: nothing doubles.
		if _, err := s.ExpandBroadcast(ctx, rep.ID, 3, store.PriorityBulk, t0); err != nil {
			t.Fatal(err)
		}
		f := map[string]*fakeSender{bot.Telegram: newFake(bot.Telegram, 0), bot.SMS: newFake(bot.SMS, 0)}
		d := notifier.NewDispatcher(s, []bot.Sender{f[bot.Telegram], f[bot.SMS]}, clk, discard(), nil, notifier.DispatcherConfig{})
		if err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		got := map[int64]bot.Outgoing{}
		gotCh := map[int64]string{}
		for ch, fs := range f {
			for _, m := range fs.sent {
				if _, dup := got[m.ContactID]; dup {
					t.Fatalf("contact %d got the broadcast twice", m.ContactID)
				}
				got[m.ContactID], gotCh[m.ContactID] = m, ch
			}
		}
		for i, p := range people {
			m, ok := got[cs[i].ID]
			if p.wantChannel == "" {
				if ok {
					t.Errorf("person %d: got %q, want nothing", i, m.Body)
				}
				continue
			}
			want := map[string]string{"ar": "مرحبا", "en": "Hello"}[p.wantLang]
			if !ok || gotCh[cs[i].ID] != p.wantChannel || m.Body != want || m.Language != p.wantLang {
				t.Errorf("person %d: got %+v on %q, want %q on %s", i, m, gotCh[cs[i].ID], want, p.wantChannel)
			}
		}
		rep, err = bs.Report(ctx, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := rep.Counts
		if rep.Status != "done" || c.Targeted != 8 || c.Sent != 4 || c.Queued != 0 ||
			c.Skipped[notifier.SkipOptedOut] != 1 || c.Skipped[notifier.SkipNoConsent] != 1 || c.Skipped[notifier.SkipUnreachable] != 2 {
			t.Fatalf("report %+v", rep)
		}
	})
}

func TestBroadcastCancelAndQuietHours(t *testing.T) {
	clk := clock.NewManual(t0) // the store's clock too: rows fall due by it
	storetest.Each(t, func() clock.Clock { clk.Set(t0); return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		quietEnd := t0.Add(2 * time.Hour)
		quiet := func(now time.Time) time.Time {
			if now.Before(quietEnd) {
				return quietEnd
			}
			return now
		}
		for i := range 10 {
			addPerson(t, s, i, person{lang: "ar", telegram: true, consent: true})
		}
		bs := notifier.NewBroadcasts(s, clk, discard(), nil, notifier.BroadcastConfig{QuietUntil: quiet})
		tg := newFake(bot.Telegram, 0)
		d := notifier.NewDispatcher(s, []bot.Sender{tg}, clk, discard(), nil, notifier.DispatcherConfig{QuietUntil: quiet})
		mk := func() notifier.Report {
			r, err := bs.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": "x"}, Audience: store.Audience{All: true}, Channels: []string{bot.Telegram}})
			if err != nil {
				t.Fatal(err)
			}
			if err := bs.Expand(ctx); err != nil {
				t.Fatal(err)
			}
			return r
		}
		held, cancelled := mk(), mk()
		if err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if r, _ := bs.Report(ctx, held.ID); tg.count() != 0 || r.Status != "quiet_hours" || r.Counts.Queued != 10 {
			t.Fatalf("during quiet hours: %d sent, report %+v", tg.count(), r)
		}
		r, err := bs.Cancel(ctx, cancelled.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != store.BroadcastCancelled || r.Counts.Cancelled != 10 || r.Counts.Queued != 0 {
			t.Fatalf("cancelled report %+v", r)
		}
		clk.Set(quietEnd)
		if err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if r, _ := bs.Report(ctx, held.ID); tg.count() != 10 || r.Status != "done" || r.Counts.Sent != 10 {
			t.Fatalf("after quiet hours: %d sent, report %+v", tg.count(), r)
		}
	})
}
