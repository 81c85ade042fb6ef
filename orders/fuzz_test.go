package orders

import (
	"net/http"
	"os"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// FuzzOrderEvents posts any signed body as an order event: the answer is
// 200, or a 4xx that tells the marketplace not to send it again (400, 409,
// 413, 422), never a 5xx that it would retry for ever, on either database.
func FuzzOrderEvents(f *testing.F) {
	for _, seed := range [][]byte{
		event("f1", "ORD-1", "+96891230009", "placed", t0, `"items":3`, `"total":"12.500"`, `"currency":"OMR"`, `"customer_area":"Seeb"`),
		event("f1", "ORD-1", "+96891230009", "shipped", t0),
		[]byte(`{"event_id":"f\u0000","order_id":"O\u202e1","producer_phone":"+96891230009","status":"placed","occurred_at":"2026-05-03T10:00:00Z"}`),
		event("f2", "ORD-2", "+96891230009", "placed", t0, `"items":2147483648`),
		event("f3", "ORD-3", "whatsapp:+96891230009", "placed", t0),
		event("f4", "ORD-4", "+96891230009", "delivered", t0, `"total":1e400`),
		event("f5", "ORD-5", "+96891230009", "placed", t0, `"items":[1,2,3]`, `"customer_area":"\u0000"`),
		[]byte(`{"event_id":"f6","order_id":"ORD-6","producer_phone":"91230009","status":"placed","occurred_at":"9999-12-31T23:59:59+14:00"}`),
		[]byte(`{"event_id":"f7","order_id":"ORD-7","producer_phone":"91230009","status":"placed","occurred_at":"0001-01-01T00:00:00Z"}`),
		[]byte(`{}`),
		[]byte(`null`),
	} {
		f.Add(seed)
	}
	clk := clock.NewManual(t0)
	stores := []*store.Store{storetest.SQLite(f, clk)}
	if os.Getenv(storetest.PostgresEnv) != "" {
		stores = append(stores, storetest.Postgres(f, clk))
	}
	var fixtures []*fixture
	for _, s := range stores {
		fixtures = append(fixtures, newFixture(f, s, secret))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fx := range fixtures {
			code, out := fx.post(t, body, nil)
			switch code {
			case http.StatusOK, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("event %q: %d %v", body, code, out)
			}
		}
	})
}
