package orders

import (
	"net/http"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
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
