package orders

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// Input PostgreSQL cannot store (NUL, a count past its 32-bit column) or that
// would mislead in an SMS (a right-to-left override in an order id) gets a
// clear 4xx naming the field, on both databases, and nothing is stored: the
// marketplace does not retry for ever.
func TestOrderEventsRefuseWhatCannotBeStored(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, secret)
		const producer = "+96891230001"
		for _, tc := range []struct {
			name, field string
			body        []byte
		}{
			{"NUL in event_id", "event_id", []byte(`{"event_id":"ev\u0000-1","order_id":"ORD-1","producer_phone":"+96891230001","status":"placed","occurred_at":"2026-05-03T10:00:00Z"}`)},
			{"NUL in order_id", "order_id", []byte(`{"event_id":"ev-2","order_id":"ORD\u0000-1","producer_phone":"+96891230001","status":"placed","occurred_at":"2026-05-03T10:00:00Z"}`)},
			{"NUL in customer_area", "customer_area", event("ev-3", "ORD-1", producer, "placed", t0, `"customer_area":"Seeb\u0000"`)},
			{"right-to-left override in order_id", "order_id", event("ev-4", "ORD-\u202e4321", producer, "placed", t0)},
			{"isolate in customer_area", "customer_area", event("ev-5", "ORD-1", producer, "placed", t0, `"customer_area":"a\u2067b"`)},
			{"newline in order_id", "order_id", event("ev-6", "ORD-1\nnext", producer, "placed", t0)},
			{"items past 2^31", "items", event("ev-7", "ORD-1", producer, "placed", t0, `"items":2147483648`)},
			{"items past int64", "items", event("ev-8", "ORD-1", producer, "placed", t0, `"items":99999999999999999999`)},
			{"keypad letters in the phone", "producer_phone", event("ev-9", "ORD-1", "+9689ABCDEFG", "placed", t0)},
			{"another channel's address", "producer_phone", event("ev-10", "ORD-1", "whatsapp:+96891230001", "placed", t0)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, out := f.post(t, tc.body, nil)
				if code != http.StatusUnprocessableEntity || out["field"] != tc.field {
					t.Fatalf("answered %d %v, want 422 naming %s", code, out, tc.field)
				}
			})
		}
		if n := pending(t, s); n != 0 {
			t.Fatalf("%d notices queued by refused events", n)
		}
		// The same order with clean fields goes through.
		if code, out := f.post(t, event("ev-ok", "ORD-1", producer, "placed", t0, `"items":3`, `"customer_area":"السيب"`), nil); code != http.StatusOK {
			t.Fatalf("clean event: %d %v", code, out)
		}
	})
}

// A reused event_id carrying a different event is a 409 (the marketplace
// learns of its bug instead of the new event vanishing as a "duplicate");
// the same event sent again, however its JSON is spaced, stays a 200.
func TestReusedEventIDWithADifferentEvent(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, secret)
		const producer = "+96891230002"
		first := event("ev-reuse", "ORD-9", producer, "placed", t0, `"items":2`)
		if code, out := f.post(t, first, nil); code != http.StatusOK || out["status"] != "recorded" {
			t.Fatalf("first: %d %v", code, out)
		}
		respaced := []byte(strings.ReplaceAll(string(first), ",", " , "))
		for name, tc := range map[string]struct {
			body   []byte
			code   int
			status string
		}{
			"the same bytes":          {first, http.StatusOK, "duplicate"},
			"the same event respaced": {respaced, http.StatusOK, "duplicate"},
			"another status":          {event("ev-reuse", "ORD-9", producer, "shipped", t0.Add(time.Hour), `"items":2`), http.StatusConflict, ""},
			"another order":           {event("ev-reuse", "ORD-10", producer, "placed", t0, `"items":2`), http.StatusConflict, ""},
			"another item count":      {event("ev-reuse", "ORD-9", producer, "placed", t0, `"items":3`), http.StatusConflict, ""},
		} {
			code, out := f.post(t, tc.body, nil)
			if code != tc.code || out["status"] != tc.status || (code == http.StatusConflict && out["field"] != "event_id") {
				t.Errorf("%s: %d %v, want %d %q", name, code, out, tc.code, tc.status)
			}
		}
		if n := len(queued(t, s)); n != 1 {
			t.Fatalf("%d notices, want the first event's only", n)
		}
	})
}

// After a producer erases their data, order events for their number are
// recorded but send nothing and keep no details, until the person writes
// to us again.
func TestNoOrderNoticeToAnErasedNumber(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, secret)
		const producer = "+96891230003"
		if code, out := f.post(t, event("ev-e1", "ORD-1", producer, "placed", t0), nil); code != http.StatusOK || out["outcome"] != store.OrderNotified {
			t.Fatalf("before erasure: %d %v", code, out)
		}
		queued(t, s)
		var erased int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: producer}, "")
			if err != nil {
				return err
			}
			erased = c.ID
			return tx.Erase(c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, body := range [][]byte{
			event("ev-e2", "ORD-1", producer, "shipped", t0.Add(time.Hour)),
			event("ev-e3", "ORD-2", producer, "placed", t0.Add(2*time.Hour), `"customer_area":"Seeb"`),
		} {
			code, out := f.post(t, body, nil)
			if code != http.StatusOK || out["outcome"] != store.OrderOptedOut {
				t.Fatalf("event %d after erasure: %d %v, want recorded without a notice", i, code, out)
			}
		}
		if n := pending(t, s); n != 0 {
			t.Fatalf("%d notices queued for an erased number", n)
		}
		c, err := s.Contact(ctx, erased)
		if err != nil || c.Phone != nil || c.ErasedAt == nil {
			t.Fatalf("the erased contact came back: %+v %v", c, err)
		}
		var orders []store.Order
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			orders, err = tx.RecentOrders(erased, 10)
			return err
		}); err != nil || len(orders) != 2 {
			t.Fatalf("orders of the erased contact: %d, %v", len(orders), err)
		}
		for _, o := range orders {
			if o.CustomerArea != "" {
				t.Fatalf("an order of an erased person keeps %q", o.CustomerArea)
			}
		}

		// The person writes again (a new contact): notices resume.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.ContactByAddress(vocab.Address{Phone: producer}, "ar")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if code, out := f.post(t, event("ev-e4", "ORD-3", producer, "placed", t0.Add(3*time.Hour)), nil); code != http.StatusOK || out["outcome"] != store.OrderNotified {
			t.Fatalf("after the person wrote again: %d %v", code, out)
		}
	})
}

// Two different events sent at the same moment under one event_id: one is
// recorded, the other answered 409, whichever commits first; never a 200
// "duplicate" that would make the marketplace drop the second event. On
// both databases, with the producers the same or different.
func TestConcurrentReuseOfAnEventIDIsAConflict(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, secret)
		for round := range 20 {
			id := fmt.Sprintf("ev-race-%d", round)
			other := "+96891230010"
			if round%2 == 1 {
				other = fmt.Sprintf("+9689124%04d", round) // another producer: no lock shared but the event's
			}
			bodies := [][]byte{
				event(id, fmt.Sprintf("ORD-R%d", round), "+96891230010", "placed", t0),
				event(id, fmt.Sprintf("ORD-S%d", round), other, "shipped", t0.Add(time.Hour)),
			}
			type answer struct {
				code   int
				status string
			}
			got := make([]answer, len(bodies))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, b := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					code, out := f.post(t, b, nil)
					got[i] = answer{code, out["status"]}
				}()
			}
			close(start)
			wg.Wait()
			ok, conflict := 0, 0
			for _, a := range got {
				switch {
				case a.code == http.StatusOK && a.status != "duplicate":
					ok++
				case a.code == http.StatusConflict:
					conflict++
				}
			}
			if ok != 1 || conflict != 1 {
				t.Fatalf("round %d: two events under one id answered %+v, want one recorded and one 409", round, got)
			}
		}
	})
}
