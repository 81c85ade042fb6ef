package sms_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/internal/racedetect"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// A broadcast of two-segment texts (Arabic and English) at TWILIO_RATE segments a
// second, against a fake Twilio that answers 429 (20429) above that rate in
// any rolling second: not one 429, and the segments leave at no less than
// 98 % of the rate, both measured by the fake (not judged under -race).
func TestBroadcastAtTwiliosSegmentRateWithoutA429(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 10 s at the configured rate")
	}
	const people, rate = 120, 20
	arabic := strings.Repeat("ملتقى الأسر المنتجة يوم السبت ", 3)                                    // 2 segments (UCS-2, over 70 characters)
	english := strings.Repeat("The producer families' forum is on Saturday at the directorate. ", 3) // 2 segments (GSM-7, over 160 characters)
	if segment.Segments(arabic) != 2 || segment.Segments(english) != 2 {
		t.Fatalf("texts cost %d and %d segments, want 2 and 2", segment.Segments(arabic), segment.Segments(english))
	}
	clk := clock.System{}
	s := storetest.SQLite(t, clk)
	ctx, cancel := context.WithCancel(context.Background())
	consent := time.Now().Add(-time.Hour)
	for i := range people {
		lang := []string{"ar", "en"}[i%2]
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: fmt.Sprintf("+9689%07d", i)}, lang)
			if err != nil {
				return err
			}
			c.ConsentAt, c.Name, c.Governorate = &consent, "x", "muscat"
			return tx.SaveContact(c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fake := twiliotest.New(t, twiliotest.Config{AccountSID: account, AuthToken: token, From: ourNumber, PublicURL: publicURL})
	fake.Limit(rate)
	p := pipelinetest.New(t, s, clk)
	sender, err := sms.NewSender(config.Twilio{AccountSID: account, AuthToken: token, From: ourNumber, APIBaseURL: fake.URL(), Rate: rate},
		sms.Options{PublicURL: publicURL, Renderer: p.Renderer, Pages: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	d := notifier.NewDispatcher(s, []bot.Sender{sender}, clk, p.Log, nil, notifier.DispatcherConfig{})
	broadcasts := notifier.NewBroadcasts(s, clk, p.Log, d.Notify, notifier.BroadcastConfig{PollInterval: 50 * time.Millisecond})
	var jobs sync.WaitGroup
	jobs.Add(2)
	go func() { defer jobs.Done(); _ = d.Run(ctx) }()
	go func() { defer jobs.Done(); _ = broadcasts.Run(ctx) }()
	t.Cleanup(func() { cancel(); jobs.Wait() })

	_, err = broadcasts.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": arabic, "en": english}, Audience: store.Audience{All: true}, Channels: []string{bot.SMS}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(fake.Messages()) < people && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(fake.Messages()); n != people {
		t.Fatalf("the broadcast reached %d of %d numbers (%d throttled)", n, people, fake.Throttled())
	}
	got := fake.SegmentsPerSecond()
	t.Logf("%d texts, %d segments at %.2f segments/s (%.1f %% of %d/s); 429s: %d", people, 2*people, got, 100*got/rate, rate, fake.Throttled())
	if fake.Throttled() > 0 {
		t.Errorf("Twilio answered 429 %d times", fake.Throttled())
	}
	if got < 0.98*rate && !racedetect.Enabled {
		t.Errorf("the segments went out at %.2f/s, under 98 %% of %d/s", got, rate)
	}
}
