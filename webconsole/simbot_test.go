package webconsole_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/web"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/webconsole"
)

var simStart = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// TestJourneyToSignup: a simulator session goes from the first message to a
// confirmed sign-up, typing numbers and tapping options, and "start over"
// forgets the person and frees the place.
func TestJourneyToSignup(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(simStart) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(simStart)
		p := pipelinetest.New(t, s, clk)
		d := notifier.NewDispatcher(s, []bot.Sender{web.NewSender()}, clk, p.Log, metrics.New(), notifier.DispatcherConfig{})
		freed := 0
		sim := webconsole.NewSimulator(s, p.Inbox, p.Renderer).OnPlacesFreed(func() { freed++ })
		const id = "abc123"
		seen := 0
		// say sends one input and returns the messages it produced.
		say := func(text, payload string) []webconsole.SimMessage {
			t.Helper()
			if err := sim.Say(ctx, id, text, payload); err != nil {
				t.Fatal(err)
			}
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			all, err := sim.Conversation(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) <= seen {
				t.Fatalf("after %q/%q: no new message", text, payload)
			}
			got := all[seen:]
			seen = len(all)
			return got
		}
		expect := func(msgs []webconsole.SimMessage, want string) webconsole.SimMessage {
			t.Helper()
			last := msgs[len(msgs)-1]
			if !strings.Contains(last.Text, want) {
				t.Fatalf("want %q in %q", want, last.Text)
			}
			return last
		}
		m := expect(say("", ""), "يرجى اختيار اللغة")
		if len(m.Options) != 2 || m.Options[0].Label != "العربية" {
			t.Fatalf("language options: %+v", m.Options)
		}
		m = expect(say("1", ""), "هل نتابع بموافقتك؟")
		expect(say("", m.Options[0].Payload), "ما اسمك")
		expect(say("فاطمة البلوشية", ""), "ما محافظة سكنك")
		expect(say("٢", ""), "القائمة الرئيسية")
		m = expect(say("3", ""), "3 فرص مفتوحة")
		m = expect(say("", m.Options[1].Payload), "دورة خياطة")
		expect(say("", m.Options[0].Payload), "تم تسجيلك")

		rows, err := s.ListSignups(ctx, store.SignupFilter{Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].Status != store.SignupRegistered || rows[0].Name != "فاطمة البلوشية" {
			t.Fatalf("sign-ups: %+v %v", rows, err)
		}

		if err := sim.Reset(ctx, id); err != nil {
			t.Fatal(err)
		}
		if all, err := sim.Conversation(ctx, id); err != nil || len(all) != 0 {
			t.Fatalf("after reset: %d messages, %v", len(all), err)
		}
		rows, _ = s.ListSignups(ctx, store.SignupFilter{Limit: 10})
		if rows[0].Status != store.SignupCancelled || rows[0].Name != "" {
			t.Fatalf("after reset the place must be free and the name gone: %+v", rows[0])
		}
		if freed != 1 {
			t.Errorf("the freed place was offered to the waiting list %d times, want at once (1)", freed)
		}
	})
}
