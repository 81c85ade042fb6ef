package inbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// Someone a program's list brought in gets broadcasts before ever writing
// (the registry is the reason); once they write and say no to the privacy
// notice, which tells them only their number and language are kept, the
// list is no reason any more: no broadcast reaches them, by list or by
// anything else, until they agree. Agreeing later brings them back.
func TestAnImportedPersonWhoDeclinesGetsNoBroadcast(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		w := newWorld(t, s, clk)
		b, err := locales.Load("", "OM")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := contactimport.New(s, b, "OM").Import(ctx, strings.NewReader("phone,language,program\n91234567,ar,Takaful\n"),
			contactimport.Options{Source: "registry-2026", Reject: func(r contactimport.Rejection) error { t.Fatalf("rejected: %+v", r); return nil }}); err != nil {
			t.Fatal(err)
		}
		reach := func(a store.Audience) int {
			t.Helper()
			est, err := s.EstimateAudience(ctx, &store.Broadcast{Texts: map[string]string{"ar": "خبر"}, Audience: a, Channels: []string{"sms"}})
			if err != nil {
				t.Fatal(err)
			}
			return est.Total()
		}
		audiences := map[string]store.Audience{"the list": {Sources: []string{"registry-2026"}},
			"the field": {Fields: map[string][]string{"program": {"Takaful"}}}, "everyone": {All: true}}
		for name, a := range audiences {
			if n := reach(a); n != 1 {
				t.Fatalf("before writing, a broadcast to %s reaches %d, want the imported person", name, n)
			}
		}
		n := 0
		say := func(text string) {
			t.Helper()
			n++
			if _, err := w.inbox.Handle(ctx, bot.Input{Channel: bot.SMS, ExternalID: "SM-decline-" + string(rune('a'+n)),
				From: vocab.Address{Phone: "+96891234567"}, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		person := func() *store.Contact {
			t.Helper()
			list, err := s.ListContacts(ctx, store.ContactFilter{Phone: "+96891234567", Limit: 2})
			if err != nil || len(list) != 1 {
				t.Fatalf("%d contacts for the number: %v", len(list), err)
			}
			return &list[0]
		}
		say("مرحبا") // their language is known: the privacy notice
		say("2")     // no
		if c := person(); c.ConsentDeclinedAt == nil || c.Consented() {
			t.Fatalf("after saying no: %+v\n%s", c, w.transcript.String())
		}
		for name, a := range audiences {
			if n := reach(a); n != 0 {
				t.Errorf("after saying no, a broadcast to %s reaches %d", name, n)
			}
		}
		say("ابدأ") // START: the notice again, and yes this time
		say("1")
		if c := person(); c.ConsentAt == nil || c.ConsentDeclinedAt != nil {
			t.Fatalf("after agreeing: %+v\n%s", c, w.transcript.String())
		}
		for name, a := range audiences {
			if n := reach(a); n != 1 {
				t.Errorf("after agreeing, a broadcast to %s reaches %d", name, n)
			}
		}
	})
}
