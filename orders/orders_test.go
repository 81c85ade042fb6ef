package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

const secret = "test-secret"

var t0 = time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC)

type fixture struct {
	store  *store.Store
	url    string
	wakes  atomic.Int32
	client *http.Client
}

func newFixture(t testing.TB, s *store.Store, secret string) *fixture {
	t.Helper()
	f := &fixture{store: s}
	log := slog.New(slog.DiscardHandler)
	srv := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
	New(Options{Store: s, Secret: secret, Region: "OM", Currency: "OMR", Log: log, Notify: func() { f.wakes.Add(1) }}).Mount(srv)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.url, f.client = ts.URL+Path, ts.Client()
	return f
}

// post sends body signed with sig (nil: signed correctly) and returns the status and JSON answer.
func (f *fixture) post(t testing.TB, body []byte, sig *string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	switch {
	case sig == nil:
		req.Header.Set(SignatureHeader, Sign(secret, body))
	case *sig != "":
		req.Header.Set(SignatureHeader, *sig)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]string{}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func event(id, order, phone, status string, at time.Time, extra ...string) []byte {
	s := fmt.Sprintf(`{"event_id":%q,"order_id":%q,"producer_phone":%q,"status":%q,"occurred_at":%q`,
		id, order, phone, status, at.Format(time.RFC3339))
	for _, e := range extra {
		s += "," + e
	}
	return []byte(s + "}")
}

// queued claims and marks sent every due message (the test plays the dispatcher).
func queued(t testing.TB, s *store.Store) []store.OutboxMessage {
	t.Helper()
	ctx := context.Background()
	var rows []store.OutboxMessage
	for _, channel := range []string{"telegram", "sms", "console"} {
		claimed, err := s.ClaimLane(ctx, channel, 0, 100, 1000, time.Minute, "test")
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, claimed...)
	}
	results := make([]store.OutboxResult, len(rows))
	for i, r := range rows {
		results[i] = store.OutboxResult{ID: r.ID, Status: store.OutboxSent, ProviderID: "test"}
	}
	if err := s.FinishBatch(ctx, results); err != nil {
		t.Fatal(err)
	}
	return rows
}

func pending(t testing.TB, s *store.Store) int {
	t.Helper()
	c, err := s.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c[store.OutboxPending]
}

func replyOf(t testing.TB, m store.OutboxMessage) flows.Reply {
	t.Helper()
	var r flows.Reply
	if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func lineKey(r flows.Reply) string {
	line, _ := r.Data["Line"].(map[string]any)
	k, _ := line["$t"].(string)
	return k
}

func strPtr(s string) *string { return &s }

func TestOrderEvents(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, secret)

		t.Run("unknown producer becomes an Arabic SMS contact and hears at once", func(t *testing.T) {
			code, out := f.post(t, event("e1", "A-10293", "91234567", "placed", t0,
				`"items":[{"sku":"x"},{"sku":"y"}]`, `"total":"12.500"`, `"currency":"omr"`, `"customer_area":"Seeb"`), nil)
			if code != 200 || out["outcome"] != store.OrderNotified {
				t.Fatalf("got %d %v, want 200 notified", code, out)
			}
			rows := queued(t, s)
			if len(rows) != 1 {
				t.Fatalf("queued %d notices, want 1", len(rows))
			}
			m := rows[0]
			if m.Channel != "sms" || m.Recipient != "+96891234567" || m.Language != "ar" || m.Priority != store.PriorityNotice {
				t.Errorf("notice went %s to %s in %q at priority %d; want sms, +96891234567, ar, %d", m.Channel, m.Recipient, m.Language, m.Priority, store.PriorityNotice)
			}
			r := replyOf(t, m)
			total, _ := r.Data["Total"].(map[string]any)
			if lineKey(r) != "notice.order.placed" || total["$money"] != "12.500" || total["$cur"] != "OMR" || r.Data["Items"] != float64(2) || r.Data["Area"] != "Seeb" {
				t.Errorf("notice = %+v", r)
			}
			if !m.NextAttemptAt.Equal(t0) {
				t.Errorf("notice due %v, want now (%v): quiet hours do not hold order notices", m.NextAttemptAt, t0)
			}
			if n := f.wakes.Load(); n != 1 {
				t.Errorf("dispatcher woken %d times, want 1", n)
			}
		})

		t.Run("a repeated event answers 200 and sends nothing", func(t *testing.T) {
			code, out := f.post(t, event("e1", "A-10293", "+96891234567", "placed", t0,
				`"items":[{"sku":"x"},{"sku":"z"}]`, `"total":"12.500"`, `"currency":"OMR"`, `"customer_area":"Seeb"`), nil)
			if code != 200 || out["status"] != "duplicate" {
				t.Fatalf("got %d %v, want 200 duplicate", code, out)
			}
			if n := len(queued(t, s)); n != 0 {
				t.Errorf("duplicate queued %d notices", n)
			}
		})

		t.Run("an event older than the order's status is recorded, not sent", func(t *testing.T) {
			if code, out := f.post(t, event("e2", "A-10293", "+96891234567", "shipped", t0.Add(2*time.Hour)), nil); code != 200 || out["outcome"] != store.OrderNotified {
				t.Fatalf("shipped: %d %v", code, out)
			}
			if code, out := f.post(t, event("e3", "A-10293", "+96891234567", "accepted", t0.Add(time.Hour)), nil); code != 200 || out["outcome"] != store.OrderStale {
				t.Fatalf("late accepted: %d %v, want stale", code, out)
			}
			rows := queued(t, s)
			if len(rows) != 1 || lineKey(replyOf(t, rows[0])) != "notice.order.shipped" {
				t.Fatalf("queued %+v, want only the shipped notice", rows)
			}
			evs, err := s.OrderEvents(ctx, "A-10293")
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 3 || evs[2].Outcome != store.OrderStale {
				t.Errorf("events = %+v, want 3 with the last stale", evs)
			}
			err = s.InTx(ctx, func(tx *store.Tx) error { // what "my orders" shows
				c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96891234567"}, "ar")
				if err != nil {
					return err
				}
				list, err := tx.RecentOrders(c.ID, 5)
				if err == nil && (len(list) != 1 || list[0].Status != "shipped" || !list[0].StatusAt.Equal(t0.Add(2*time.Hour))) {
					t.Errorf("recent orders = %+v, want A-10293 shipped at %v", list, t0.Add(2*time.Hour))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("quick events merge into one notice showing the latest status", func(t *testing.T) {
			f.post(t, event("m1", "B-1", "+96891234567", "placed", t0), nil)
			code, out := f.post(t, event("m2", "B-1", "+96891234567", "accepted", t0.Add(time.Minute)), nil)
			if code != 200 || out["outcome"] != store.OrderMerged {
				t.Fatalf("got %d %v, want merged", code, out)
			}
			rows := queued(t, s)
			if len(rows) != 1 || lineKey(replyOf(t, rows[0])) != "notice.order.accepted" {
				t.Fatalf("queued %+v, want one notice saying accepted", rows)
			}
		})

		t.Run("a producer on Telegram hears on Telegram in their language", func(t *testing.T) {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: 5551}, "en")
				if err != nil {
					return err
				}
				c.Phone = strPtr("+96892222222")
				return tx.SaveContact(c)
			})
			if err != nil {
				t.Fatal(err)
			}
			if code, out := f.post(t, event("t1", "T-1", "92222222", "shipped", t0), nil); code != 200 || out["outcome"] != store.OrderNotified {
				t.Fatalf("got %d %v", code, out)
			}
			rows := queued(t, s)
			if len(rows) != 1 || rows[0].Channel != "telegram" || rows[0].Recipient != "5551" || rows[0].Language != "en" {
				t.Fatalf("queued %+v, want one Telegram notice to 5551 in en", rows)
			}
		})

		t.Run("an opted-out producer is recorded, not sent", func(t *testing.T) {
			var id int64
			err := s.InTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96893333333"}, "ar")
				id = c.ID
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkOptedOut(ctx, id); err != nil {
				t.Fatal(err)
			}
			code, out := f.post(t, event("o1", "O-1", "+96893333333", "placed", t0), nil)
			if code != 200 || out["outcome"] != store.OrderOptedOut {
				t.Fatalf("got %d %v, want 200 opted_out", code, out)
			}
			if n := len(queued(t, s)); n != 0 {
				t.Errorf("queued %d notices to an opted-out producer", n)
			}
			if evs, _ := s.OrderEvents(ctx, "O-1"); len(evs) != 1 {
				t.Errorf("recorded %d events, want 1", len(evs))
			}
		})

		refused := []struct {
			name  string
			body  []byte
			sig   *string
			code  int
			field string
		}{
			{"missing signature", event("x1", "X-1", "+96891234567", "placed", t0), strPtr(""), 401, ""},
			{"wrong signature", event("x2", "X-1", "+96891234567", "placed", t0), strPtr(Sign("other", []byte("x"))), 401, ""},
			{"signature without its prefix", event("x3", "X-1", "+96891234567", "placed", t0), strPtr(strings.TrimPrefix(Sign(secret, event("x3", "X-1", "+96891234567", "placed", t0)), "sha256=")), 401, ""},
			{"malformed JSON", []byte(`{"event_id": "x4",`), nil, 400, ""},
			{"two JSON values", []byte(`{} {}`), nil, 400, ""},
			{"unknown status", event("x5", "X-1", "+96891234567", "lost", t0), nil, 422, "status"},
			{"bad phone", event("x6", "X-1", "12", "placed", t0), nil, 422, "producer_phone"},
			{"no event id", event("", "X-1", "+96891234567", "placed", t0), nil, 422, "event_id"},
			{"bad time", []byte(`{"event_id":"x7","order_id":"X-1","producer_phone":"+96891234567","status":"placed","occurred_at":"yesterday"}`), nil, 422, "occurred_at"},
			{"bad total", event("x8", "X-1", "+96891234567", "placed", t0, `"total":"a lot"`), nil, 422, "total"},
			{"body too large", event("x9", "X-1", "+96891234567", "placed", t0, `"customer_area":"`+strings.Repeat("a", MaxBodyBytes)+`"`), nil, 413, ""},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				code, out := f.post(t, tc.body, tc.sig)
				if code != tc.code || out["field"] != tc.field {
					t.Fatalf("got %d %v, want %d (field %q)", code, out, tc.code, tc.field)
				}
				if evs, _ := s.OrderEvents(ctx, "X-1"); len(evs) != 0 {
					t.Errorf("a refused event was stored: %+v", evs)
				}
				if n := pending(t, s); n != 0 {
					t.Errorf("a refused event queued %d notices", n)
				}
			})
		}
	})
}

func TestOrderEventsOffWithoutSecret(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t, clock.NewManual(t0)), "")
	code, out := f.post(t, event("e1", "A-1", "+96891234567", "placed", t0), nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(out["error"], "TAMKEEN_ORDERS_SECRET") {
		t.Fatalf("got %d %v, want 503 naming TAMKEEN_ORDERS_SECRET", code, out)
	}
}

func TestShortRef(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"A-10293", "A-10293"},
		{"123456789012", "123456789012"},
		{"MKT-2026-000123456", "…6-000123456"},
	} {
		if got := ShortRef(tc.in); got != tc.want {
			t.Errorf("ShortRef(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A total sent without a currency is in the country pack's currency, so the
// notice does not show a bare number.
func TestATotalWithoutCurrencyIsInThePacksCurrency(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, secret)
		code, out := f.post(t, event("c1", "B-1", "91234567", "placed", t0, `"total":"7.250"`), nil)
		if code != 200 || out["outcome"] != store.OrderNotified {
			t.Fatalf("got %d %v, want 200 notified", code, out)
		}
		rows := queued(t, s)
		if len(rows) != 1 {
			t.Fatalf("queued %d notices, want 1", len(rows))
		}
		total, _ := replyOf(t, rows[0]).Data["Total"].(map[string]any)
		if total["$money"] != "7.250" || total["$cur"] != "OMR" {
			t.Errorf("total = %v, want 7.250 in OMR", total)
		}
	})
}
