package contactimport_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// The import benchmark runs on SQLite, or on PostgreSQL with
// TAMKEEN_BENCH_POSTGRES=1 and TAMKEEN_TEST_POSTGRES_DSN; its size comes
// from TAMKEEN_BENCH_ROWS (default 100,000; the goal is stated for
// 1,000,000):
//
//	TAMKEEN_BENCH_ROWS=1000000 go test ./contactimport -run '^$' -bench Import -benchtime 1x
//
// It imports a generated list (streamed, never held whole), then counts and
// expands a broadcast to everyone in it by field, and claims rows of it as
// the dispatcher does (first each person's introduction, then their
// message); it reports the seconds of each, the claims' cost per row, the
// largest heap seen and the process's peak RSS.
func BenchmarkImport(b *testing.B) {
	rows := 100_000
	if v, err := strconv.Atoi(os.Getenv("TAMKEEN_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	for i := 0; i < b.N; i++ {
		var s *store.Store
		if os.Getenv("TAMKEEN_BENCH_POSTGRES") == "1" {
			s = storetest.Postgres(b, clock.System{})
		} else {
			s = storetest.SQLite(b, clock.System{})
		}
		ctx := context.Background()
		im := contactimport.New(s, bundle(b), "OM")
		var peak atomic.Uint64
		stop := watchHeap(&peak)
		start := time.Now()
		rep, err := im.Import(ctx, &generated{n: rows}, contactimport.Options{Source: "registry-bench"})
		took := time.Since(start)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Created != rows {
			b.Fatalf("report %+v", rep)
		}
		b.ReportMetric(took.Seconds(), "import-s")
		b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		if rss, ok := peakRSS(); ok {
			b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
		}

		br := &store.Broadcast{Texts: map[string]string{"ar": "يبدأ التدريب يوم الأحد"}, Channels: []string{"sms"},
			Audience: store.Audience{Fields: map[string][]string{"program": {"Takaful", "Karama"}}}, SendAt: time.Now()}
		if err := s.CreateBroadcast(ctx, br); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		est, err := s.EstimateAudience(ctx, br)
		if err != nil || est.Total() != rows {
			b.Fatalf("estimate %+v, %v", est, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "count-s")
		narrow := *br
		narrow.Audience = store.Audience{Fields: map[string][]string{"program": {"Takaful"}}, Governorates: []string{"dhofar"}}
		start = time.Now()
		if _, err := s.EstimateAudience(ctx, &narrow); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "count-narrow-s")
		start = time.Now()
		for {
			ex, err := s.ExpandBroadcast(ctx, br.ID, 5000, store.PriorityBulk, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if ex.Done {
				break
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "expand-s")
		got, err := s.Broadcast(ctx, br.ID)
		if err != nil || got.Targeted != rows {
			b.Fatalf("expanded %+v, %v", got, err)
		}
		// The introductions: the dispatcher is handed each person's
		// introduction in place of their first message. Claims of the first
		// 10,000 rows (introductions), then of the next 10,000 (the messages
		// those people waited for).
		for _, phase := range []string{"intro", "message"} {
			start = time.Now()
			var done []store.OutboxResult
			for len(done) < 10_000 {
				rows, err := s.ClaimLane(ctx, "sms", store.PriorityBulk, store.PriorityBulk+1, 400, time.Hour, "bench")
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rows {
					if intro := r.Payload != ""; intro != (phase == "intro") {
						b.Fatalf("%s claim handed out %+v", phase, r)
					}
					done = append(done, store.OutboxResult{ID: r.ID, Status: store.OutboxSent})
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(len(done)), "claim-"+phase+"-µs/row")
			if err := s.FinishBatch(ctx, done); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// peakRSS reads the most memory the process has held (VmHWM, Linux only):
// Go's heap, the database engine's page cache and the runtime's own.
func peakRSS() (uint64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// watchHeap records the largest heap in use until stop is called.
func watchHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// generated is a beneficiary list of n rows (n not a multiple of 7919),
// written as it is read: Omani numbers in local form, names, governorates by Arabic or English name, a
// program, a household size and an id.
type generated struct {
	n, i int
	buf  []byte
}

var benchRegions = []string{"ظفار", "Muscat", "dhofar", "شمال الباطنة", "Al Wusta", "الداخلية"}

func (g *generated) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf = append(g.buf, "\ufeffphone,name,region,language,program,household_size,beneficiary_id\n"...)
		} else {
			program := "Takaful"
			if g.i%2 == 0 {
				program = "Karama"
			}
			lang := "ar"
			if g.i%5 == 0 {
				lang = "en"
			}
			// The numbers in a scattered order, as a registry lists them
			// (7919 is a prime: i·7919 mod n visits each number once).
			g.buf = fmt.Appendf(g.buf, "%d,اسم الأسرة %d,%s,%s,%s,%d,OM-%07d\n",
				91000000+(g.i*7919)%g.n, g.i, benchRegions[g.i%len(benchRegions)], lang, program, 1+g.i%9, g.i)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}
