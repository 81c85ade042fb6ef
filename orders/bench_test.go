package orders

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// BenchmarkOrderEvents posts signed order events through the real HTTP
// stack (httpapi, signature check, JSON, one transaction) until each notice
// is queued, from 1 client and from 8 at once, over 1,000 producers. The
// figure to read is events/s.
func BenchmarkOrderEvents(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var s *store.Store
			if db == "sqlite" {
				s = storetest.SQLite(b, clock.System{})
			} else {
				s = storetest.Postgres(b, clock.System{})
			}
			log := slog.New(slog.DiscardHandler)
			srv := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
			New(Options{Store: s, Secret: secret, Region: "OM", Log: log}).Mount(srv)
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			var seq atomic.Int64
			post := func(client *http.Client) {
				i := seq.Add(1)
				body := event(fmt.Sprintf("bench-%s-%d", db, i), fmt.Sprintf("B-%d", i),
					fmt.Sprintf("+9689%07d", i%1000), "placed", t0, `"items":2`, `"total":"7.250"`, `"currency":"OMR"`)
				req, _ := http.NewRequest(http.MethodPost, ts.URL+Path, bytes.NewReader(body))
				req.Header.Set(SignatureHeader, Sign(secret, body))
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			for _, clients := range []int{1, 8} {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
					b.ReportAllocs()
					b.SetParallelism(clients) // × GOMAXPROCS goroutines
					if clients == 1 {
						for b.Loop() {
							post(ts.Client())
						}
					} else {
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								post(ts.Client())
							}
						})
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
		})
	}
}
