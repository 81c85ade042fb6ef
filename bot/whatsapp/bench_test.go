package whatsapp_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// BenchmarkWhatsAppBroadcast sends a broadcast to 2,000 WhatsApp people
// (half inside their window, as text; half outside, as the template) at
// WHATSAPP_RATE 80 against the fake Cloud API holding 80 in any rolling
// second, the real channel, dispatcher and broadcast service on SQLite (or
// PostgreSQL with TAMKEEN_BENCH_POSTGRES=1), while people inside the window
// write every 100 ms. It reports the rate the channel reached at the fake
// (broadcast and replies together) as a share of 80/s, the broadcast's own
// rate, the 130429s, and the time from a person's message (its webhook
// post) to its reply at the fake (p50, p99, max). The rate is a fact of
// the machine's load: judged here, never in a unit test.
func BenchmarkWhatsAppBroadcast(b *testing.B) {
	const people, rate = 2000, 80
	const text = "ملتقى الأسر المنتجة يوم السبت في صلالة"
	isBroadcast := func(m whatsapptest.Sent) bool {
		r := m.Request
		return r.Text != nil && r.Text.Body == text ||
			r.Template != nil && len(r.Template.Components) == 1 && r.Template.Components[0].Parameters[0].Text == text
	}
	for range b.N {
		clk := clock.System{}
		var s *store.Store
		if os.Getenv("TAMKEEN_BENCH_POSTGRES") != "" {
			s = storetest.Postgres(b, clk)
		} else {
			s = storetest.SQLite(b, clk)
		}
		var mu sync.Mutex
		asked := map[string]time.Time{} // phone → when they wrote
		var waits []time.Duration
		fake := whatsapptest.New(b, whatsapptest.Config{Rate: rate, Clock: clk, WindowInStatus: true,
			Templates: whatsapptest.Registered(slices.Sorted(maps.Values(config.DefaultTemplates()))...),
			OnSent: func(m whatsapptest.Sent) {
				if isBroadcast(m) {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if at, ok := asked[m.To]; ok {
					waits = append(waits, time.Since(at))
					delete(asked, m.To)
				}
			}})
		p := pipelinetest.New(b, s, clk)
		var d *notifier.Dispatcher
		notify := func() {
			if d != nil {
				d.Notify()
			}
		}
		ib := inbox.New(s, flows.New(p.Bundle.Content).WithLabels(p.Renderer), clk, p.Log, notify)
		cfg := config.WhatsApp{AccessToken: whatsapptest.Token, PhoneNumberID: whatsapptest.PhoneNumberID, AppSecret: whatsapptest.AppSecret,
			VerifyToken: whatsapptest.VerifyToken, APIBaseURL: fake.URL(), Rate: rate, Templates: config.DefaultTemplates()}
		timed := &timedTransport{next: http.DefaultTransport}
		ch, err := whatsapp.New(cfg, whatsapp.Options{Renderer: p.Renderer, Log: p.Log, Transport: timed},
			whatsapp.WebhookOptions{Region: "OM", Inbox: ib, Receipts: ib, Log: p.Log})
		if err != nil {
			b.Fatal(err)
		}
		mux := http.NewServeMux()
		for _, r := range ch.Routes() {
			mux.Handle(r.Pattern, r.Handler)
		}
		app := httptest.NewServer(mux)
		b.Cleanup(app.Close)
		fake.SetApp(app.URL)

		// 2,000 people who agreed; the even ones wrote an hour ago, the odd two days ago.
		ctx := context.Background()
		now := time.Now()
		users := make([]whatsapptest.User, people)
		err = s.InTx(ctx, func(tx *store.Tx) error {
			last := map[int64]time.Time{}
			for i := range people {
				users[i] = whatsapptest.User{Phone: fmt.Sprintf("+9689%07d", 3_000_000+i)}
				c, _, err := tx.ContactByAddress(vocab.Address{Phone: users[i].Phone}, "ar")
				if err != nil {
					return err
				}
				c.ConsentAt, c.Name, c.Governorate = &now, "Person", "muscat"
				if err := tx.SaveContact(c); err != nil {
					return err
				}
				last[c.ID] = now.Add(-time.Hour)
				if i%2 == 1 {
					last[c.ID] = now.Add(-48 * time.Hour)
				}
			}
			return tx.SetWhatsAppInbound(last)
		})
		if err != nil {
			b.Fatal(err)
		}
		// Their conversations rest at the main menu, so "help" is one reply.
		d = notifier.NewDispatcher(s, []bot.Sender{ch}, clk, p.Log, nil, notifier.DispatcherConfig{})
		broadcasts := notifier.NewBroadcasts(s, clk, p.Log, notify, notifier.BroadcastConfig{PollInterval: 50 * time.Millisecond})
		runCtx, cancel := context.WithCancel(ctx)
		var jobs sync.WaitGroup
		jobs.Add(2)
		go func() { defer jobs.Done(); _ = d.Run(runCtx) }()
		go func() { defer jobs.Done(); _ = broadcasts.Run(runCtx) }()

		b.ResetTimer()
		if _, err := broadcasts.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": text}, Audience: store.Audience{All: true}, Channels: []string{bot.WhatsApp}}); err != nil {
			b.Fatal(err)
		}
		count := func() (n int, first, last time.Time) {
			for _, m := range fake.Sent() {
				if isBroadcast(m) {
					if n == 0 {
						first = m.At
					}
					n, last = n+1, m.At
				}
			}
			return n, first, last
		}
		// People inside the window write while it drains, one every 100 ms
		// (TAMKEEN_BENCH_WRITE_EVERY: another interval, or 0 for none).
		every := 100 * time.Millisecond
		if v := os.Getenv("TAMKEEN_BENCH_WRITE_EVERY"); v != "" {
			if every, err = time.ParseDuration(v); err != nil {
				b.Fatal(err)
			}
		}
		writers := make(chan struct{})
		go func() {
			defer close(writers)
			for i := 0; every > 0; i += 2 {
				if n, _, _ := count(); n >= people || i >= people {
					return
				}
				u := users[i]
				mu.Lock()
				asked[u.Phone] = time.Now()
				mu.Unlock()
				if _, code, err := fake.Text(u, "مساعدة"); err != nil || code != http.StatusOK {
					b.Errorf("a message during the drain: %d %v", code, err)
					return
				}
				time.Sleep(every)
			}
		}()
		deadline := time.Now().Add(3 * time.Minute)
		for {
			if n, _, _ := count(); n >= people {
				break
			}
			if time.Now().After(deadline) {
				n, _, _ := count()
				b.Fatalf("the broadcast reached %d of %d in 3 minutes", n, people)
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.StopTimer()
		<-writers
		time.Sleep(500 * time.Millisecond) // the last replies
		cancel()
		jobs.Wait()

		n, first, last := count()
		got := float64(n-1) / last.Sub(first).Seconds()
		mu.Lock()
		slices.Sort(waits)
		w := slices.Clone(waits)
		mu.Unlock()
		templates := 0
		for _, m := range fake.Sent() {
			if isBroadcast(m) && m.Request.Type == "template" {
				templates++
			}
		}
		all := fake.PerSecond() // every message accepted, the replies too, first to last
		b.ReportMetric(got, "broadcast-msgs/s")
		b.ReportMetric(100*all/rate, "%rate")
		b.ReportMetric(float64(fake.Throttled()), "130429s")
		if len(w) > 0 {
			b.ReportMetric(float64(w[len(w)/2].Milliseconds()), "reply-p50-ms")
			b.ReportMetric(float64(w[len(w)*99/100].Milliseconds()), "reply-p99-ms")
			b.ReportMetric(float64(w[len(w)-1].Milliseconds()), "reply-max-ms")
		}
		mu.Lock()
		unanswered := len(asked)
		mu.Unlock()
		b.Logf("messages written during the drain left unanswered: %d", unanswered)
		b.Logf("channel: %d messages at %.2f/s (%.1f %% of %d/s); broadcast: %d messages (%d as the template) at %.2f/s, %d × 130429",
			len(fake.Sent()), all, 100*all/rate, rate, n, templates, got, fake.Throttled())
		rt := timed.sorted()
		b.Logf("the fake's answers: p50 %v, p90 %v, p99 %v", rt[len(rt)/2].Round(time.Millisecond), rt[len(rt)*9/10].Round(time.Millisecond), rt[len(rt)*99/100].Round(time.Millisecond))
		if len(w) > 0 {
			b.Logf("%d replies during the drain: p50 %v, p99 %v, max %v", len(w), w[len(w)/2].Round(time.Millisecond), w[len(w)*99/100].Round(time.Millisecond), w[len(w)-1].Round(time.Millisecond))
		}
	}
}

// timedTransport records how long each call to the Cloud API takes.
type timedTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	took []time.Duration
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.next.RoundTrip(r)
	t.mu.Lock()
	t.took = append(t.took, time.Since(start))
	t.mu.Unlock()
	return res, err
}

func (t *timedTransport) sorted() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := slices.Clone(t.took)
	slices.Sort(out)
	return out
}
