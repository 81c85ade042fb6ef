package inbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

func TestARepeatedProviderMessageIsHandledOnce(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		in := bot.Input{Channel: bot.Console, ExternalID: "update-42", From: vocab.Address{ConsoleUser: "r"}, Text: "hello"}
		first, err := w.inbox.Handle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := w.inbox.Handle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if first.Duplicate || first.Replies != 1 {
			t.Fatalf("first delivery: %+v, want one reply", first)
		}
		if !second.Duplicate || second.Replies != 0 {
			t.Fatalf("repeated delivery: %+v, want a duplicate with no reply", second)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[store.OutboxPending] != 1 {
			t.Fatalf("outbox = %v, want exactly one reply queued", counts)
		}
	})
}

// Eight people tap "sign up" for the last two places at the same moment:
// exactly two get a place, the others are told they are on the waiting list.
func TestTheLastPlacesGoToExactlyAsManyPeople(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		users := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}
		for _, u := range users {
			// English, consent, name, Dhofar, opportunities, the forum (2 places).
			for _, line := range []string{"hi", "2", "1", "Name " + strings.Repeat("x", len(u)), "2", "3", "1"} {
				w.say(t, u, line)
			}
		}
		w.transcript.Reset()
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, len(users))
		for _, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.inbox.Handle(ctx, bot.Input{Channel: bot.Console, From: vocab.Address{ConsoleUser: u}, Text: "1"})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := w.dispatcher.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		out := w.transcript.String()
		registered := strings.Count(out, "You are registered for")
		waitlisted := strings.Count(out, "you are on the waiting list")
		if registered != 2 || waitlisted != 6 {
			t.Fatalf("%d registered and %d waitlisted, want 2 and 6:\n%s", registered, waitlisted, out)
		}
	})
}

// Cancelling a sign-up tells the waitlist promotion at once; other turns do not.
func TestCancellingCallsForAPromotion(t *testing.T) {
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	w := newWorld(t, s, clk)
	freed := 0
	w.inbox.OnPlacesFreed(func() { freed++ })
	// English, consent, name, Dhofar, opportunities, the forum, sign up, my sign-ups.
	for _, line := range []string{"hi", "2", "1", "Noor", "2", "3", "1", "1", "1"} {
		w.say(t, "n", line)
	}
	if freed != 0 {
		t.Fatalf("promotion called %d times before any cancellation", freed)
	}
	w.say(t, "n", "1") // the forum in my sign-ups
	w.say(t, "n", "1") // cancel my sign-up
	if freed != 0 {
		t.Fatalf("promotion called %d times before the cancellation was confirmed", freed)
	}
	w.say(t, "n", "1") // yes, cancel it
	if !strings.Contains(w.transcript.String(), "is cancelled") || freed != 1 {
		t.Fatalf("promotion called %d times after a cancellation, want 1:\n%s", freed, w.transcript.String())
	}
}

// A provider id already handled, arriving again from another sender (a
// replayed Telegram update_id or Twilio MessageSid under a different
// address), is a duplicate and leaves nobody behind: no empty contact is
// created for that sender, alone or in a batch with others, on both
// databases.
func TestADuplicateFromAnotherSenderCreatesNoContact(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		firsts := []bot.Input{
			{Channel: bot.Telegram, ExternalID: "501", From: vocab.Address{TelegramChatID: 5001}, Text: "hello"},
			{Channel: bot.SMS, ExternalID: "SM501", From: vocab.Address{Phone: "+96891235001"}, Text: "hello"},
		}
		for _, in := range firsts {
			if out, err := w.inbox.Handle(ctx, in); err != nil || out.Duplicate {
				t.Fatalf("first delivery of %s: %+v %v", in.ExternalID, out, err)
			}
		}
		replays := []bot.Input{
			{Channel: bot.Telegram, ExternalID: "501", From: vocab.Address{TelegramChatID: 5002}, Text: "hello"},
			{Channel: bot.SMS, ExternalID: "SM501", From: vocab.Address{Phone: "+96891235002"}, Text: "hello"},
		}
		for _, in := range replays { // one at a time
			if out, err := w.inbox.Handle(ctx, in); err != nil || !out.Duplicate {
				t.Fatalf("replay of %s from another sender: %+v %v, want a duplicate", in.ExternalID, out, err)
			}
		}
		together := []bot.Input{ // and in one batch with a new person's first message
			{Channel: bot.Telegram, ExternalID: "501", From: vocab.Address{TelegramChatID: 5003}, Text: "hello"},
			{Channel: bot.SMS, ExternalID: "SM501", From: vocab.Address{Phone: "+96891235003"}, Text: "hello"},
			{Channel: bot.Telegram, ExternalID: "502", From: vocab.Address{TelegramChatID: 5004}, Text: "hello"},
		}
		for i, r := range queueTogether(t, w.inbox, ctx, together) {
			if r.err != nil || r.out.Duplicate != (i < 2) {
				t.Fatalf("batch input %d: %+v %v", i, r.out, r.err)
			}
		}
		for _, f := range []store.ContactFilter{{TelegramChatID: 5002}, {Phone: "+96891235002"}, {TelegramChatID: 5003}, {Phone: "+96891235003"}} {
			if list, err := s.ListContacts(ctx, store.ContactFilter{TelegramChatID: f.TelegramChatID, Phone: f.Phone, Limit: 10}); err != nil || len(list) != 0 {
				t.Errorf("a rejected duplicate from %+v left %d contacts (%v)", f, len(list), err)
			}
		}
		for _, f := range []store.ContactFilter{{TelegramChatID: 5001}, {Phone: "+96891235001"}, {TelegramChatID: 5004}} {
			if list, _ := s.ListContacts(ctx, store.ContactFilter{TelegramChatID: f.TelegramChatID, Phone: f.Phone, Limit: 10}); len(list) != 1 {
				t.Errorf("the real sender %+v: %d contacts, want 1", f, len(list))
			}
		}
	})
}
