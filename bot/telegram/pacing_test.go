package telegram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/internal/racedetect"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// 300 people start the bot and consent by buttons, every tap answered,
// then staff broadcast to all of them, against a fake Bot API that enforces
// Telegram's published limits (30 a second over the bot in any rolling
// second, a bucket of 3 per chat): not one 429, and the broadcast leaves at
// no less than 98 % of TELEGRAM_RATE, both measured by the fake (the rate
// is not judged under the race detector, which slows every goroutine).
func TestThreeHundredChatsAtTelegramsLimitsWithoutA429(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 45 s at Telegram's real rate")
	}
	const people, rate = 300, 30
	clk := clock.System{}
	s := storetest.SQLite(t, clk)
	fake := telegramtest.New(t)
	fake.Limit(telegramtest.Published)

	p := pipelinetest.New(t, s, clk)
	var d *notifier.Dispatcher
	ib := inbox.New(s, flows.New(p.Bundle.Content), clk, p.Log, func() { d.Notify() })
	tg := telegram.New(telegram.Config{
		Token: telegramtest.Token, APIEndpoint: fake.Endpoint(), Rate: rate, DefaultRegion: "OM",
	}, p.Renderer, ib, clk, p.Log)
	d = notifier.NewDispatcher(s, []bot.Sender{tg}, clk, p.Log, nil, notifier.DispatcherConfig{})
	broadcasts := notifier.NewBroadcasts(s, clk, p.Log, d.Notify, notifier.BroadcastConfig{PollInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var jobs sync.WaitGroup
	jobs.Add(2)
	go func() { defer jobs.Done(); _ = d.Run(ctx) }()
	go func() { defer jobs.Done(); _ = broadcasts.Run(ctx) }()
	t.Cleanup(func() { cancel(); jobs.Wait() })

	handle := func(update map[string]any) error {
		var u tgbotapi.Update
		if err := json.Unmarshal(fake.Push(update), &u); err != nil {
			return err
		}
		return tg.HandleUpdate(ctx, u)
	}
	// Each person answers the last message they got, as soon as it has the button.
	waitButton := func(u telegramtest.User, payload string) error {
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			if sent := fake.SentTo(u.ID); len(sent) > 0 {
				for _, p := range sent[len(sent)-1].Payloads() {
					if p == payload {
						return nil
					}
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return fmt.Errorf("chat %d: no %q button in time (got %d messages)", u.ID, payload, len(fake.SentTo(u.ID)))
	}
	errs := make(chan error, people)
	var persons sync.WaitGroup
	for i := range people {
		persons.Add(1)
		go func() {
			defer persons.Done()
			u := telegramtest.User{ID: int64(50_000 + i), FirstName: "Person", Language: "ar"}
			for _, step := range []struct {
				update map[string]any
				next   string
			}{
				{telegramtest.Command(u, "/start"), "l:ar"},
				{telegramtest.Tap(u, "l:ar"), "yes"},
				{telegramtest.Tap(u, "yes"), ""},
			} {
				if err := handle(step.update); err != nil {
					errs <- err
					return
				}
				if step.next != "" {
					if err := waitButton(u, step.next); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	persons.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if un := fake.Unanswered(); len(un) > 0 {
		t.Fatalf("%d taps never answered", len(un))
	}
	waitOutboxIdle(t, s, 60*time.Second)
	onboarding := len(fake.Sent())

	const text = "ملتقى الأسر المنتجة يوم السبت في صلالة"
	if _, err := broadcasts.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": text}, Audience: store.Audience{All: true}, Channels: []string{bot.Telegram}}); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	deadline := time.Now().Add(60 * time.Second)
	for len(at) < people && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		at = at[:0]
		for _, m := range fake.Sent() {
			if m.Text == text {
				at = append(at, m.At)
			}
		}
	}
	botFloods, chatFloods := fake.Floods()
	if len(at) != people {
		t.Fatalf("the broadcast reached %d of %d chats", len(at), people)
	}
	got := float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
	var gaps []time.Duration
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-1]))
	}
	slices.Sort(gaps)
	t.Logf("gaps between broadcast messages: p50 %v, p90 %v, max %v", gaps[len(gaps)/2].Round(time.Millisecond), gaps[len(gaps)*9/10].Round(time.Millisecond), gaps[len(gaps)-1].Round(time.Millisecond))
	t.Logf("onboarding: %d messages; broadcast: %d messages at %.2f/s (%.1f %% of %d/s); 429s: %d for the bot, %d for a chat",
		onboarding, len(at), got, 100*got/rate, rate, botFloods, chatFloods)
	if botFloods+chatFloods > 0 {
		t.Errorf("Telegram answered 429 %d times for the bot's rate and %d times for a chat's", botFloods, chatFloods)
	}
	if got < 0.98*rate && !racedetect.Enabled {
		t.Errorf("the broadcast went out at %.2f/s, under 98 %% of %d/s", got, rate)
	}
}

// waitOutboxIdle waits until nothing is pending or being sent.
func waitOutboxIdle(t *testing.T, s *store.Store, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := s.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[store.OutboxPending]+c[store.OutboxSending] == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox is still busy after %v: %v", within, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
