package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// handled is what one queued Handle call returned.
type handled struct {
	out bot.Outcome
	err error
}

// queueTogether hands the inputs to Handle one after another while the
// inbox is paused, so that they are handled together (in batches), and
// returns what each call returned, in the order of ins.
func queueTogether(t *testing.T, ib *inbox.Inbox, ctx context.Context, ins []bot.Input) []handled {
	t.Helper()
	queued, resume := ib.Pause()
	res := make([]handled, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := ib.Handle(ctx, in)
			res[i] = handled{out, err}
		}()
		waitFor(t, func() bool { return queued() == i+1 }) // keep the order of arrival
	}
	resume()
	wg.Wait()
	return res
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func consoleInput(user, text string) bot.Input {
	return bot.Input{Channel: bot.Console, From: vocab.Address{ConsoleUser: user}, Text: text}
}

// payloads are the replies a console user was sent, oldest first.
func payloads(t *testing.T, w *world, user string) []string {
	t.Helper()
	ctx := context.Background()
	if err := w.dispatcher.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := w.store.ConversationMessages(ctx, bot.Console, vocab.Address{ConsoleUser: user}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Payload)
	}
	return out
}

// Three people each send four lines that are all handled together: each
// gets exactly the answers they get when saying the lines one at a time.
func TestMessagesHandledTogetherAreAnsweredInOrderPerChat(t *testing.T) {
	lines := []string{"hi", "2", "1", "Noor Al Said", "2"}
	users := []string{"a", "b", "c"}
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		// Alone, one line at a time: what each should see.
		for _, line := range lines {
			w.say(t, "alone", line)
		}
		want := payloads(t, w, "alone")
		if len(want) < len(lines) {
			t.Fatalf("the sequential conversation got %d replies, want at least %d", len(want), len(lines))
		}
		var ins []bot.Input
		for _, line := range lines {
			for _, u := range users {
				ins = append(ins, consoleInput(u, line))
			}
		}
		for i, r := range queueTogether(t, w.inbox, context.Background(), ins) {
			if r.err != nil || r.out.Duplicate || r.out.Replies == 0 {
				t.Fatalf("input %d (%s> %s): %+v, %v", i, ins[i].From.ConsoleUser, ins[i].Text, r.out, r.err)
			}
		}
		for _, u := range users {
			if got := payloads(t, w, u); !slices.Equal(got, want) {
				t.Errorf("%s was answered\n%q\nwant (as when alone)\n%q", u, got, want)
			}
		}
	})
}

// A provider delivers the same update several times, in one burst and
// again later: it is handled once, and its reply is queued once.
func TestRepeatedDeliveriesInABurstAreStoredOnce(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		var ins []bot.Input
		for copy := 0; copy < 3; copy++ {
			for chat := int64(1); chat <= 20; chat++ {
				ins = append(ins, bot.Input{Channel: bot.Telegram, ExternalID: fmt.Sprint(100 + chat),
					From: vocab.Address{TelegramChatID: chat}, Text: "hello"})
			}
		}
		res := queueTogether(t, w.inbox, ctx, ins)
		res = append(res, queueTogether(t, w.inbox, ctx, ins[:20])...) // and once more, later
		fresh := map[string]int{}
		for i, r := range res {
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !r.out.Duplicate {
				fresh[ins[i%len(ins)].ExternalID]++
			}
		}
		for chat := int64(1); chat <= 20; chat++ {
			if n := fresh[fmt.Sprint(100+chat)]; n != 1 {
				t.Errorf("update %d handled %d times, want once", 100+chat, n)
			}
		}
		counts, err := s.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[store.OutboxPending] != 20 {
			t.Fatalf("outbox %v, want 20 replies (one per update)", counts)
		}
	})
}

// openRaw opens a second handle on the test database, to break it on purpose.
func openRaw(t *testing.T, s *store.Store, dsn string) *gorm.DB {
	t.Helper()
	var d gorm.Dialector = sqlite.Open(dsn)
	if s.Dialect() == "postgres" {
		d = postgres.Open(dsn)
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// eachWithDSN is storetest.Each with the DSN, for tests that reach the database directly.
func eachWithDSN(t *testing.T, fn func(t *testing.T, s *store.Store, dsn string)) {
	open := func(t *testing.T, dsn string) *store.Store {
		s, err := store.Open(context.Background(), dsn, clock.NewManual(t0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("sqlite", func(t *testing.T) {
		dsn := storetest.SQLiteDSN(t)
		fn(t, open(t, dsn), dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		fn(t, open(t, dsn), dsn)
	})
}

// The database refuses one person's reply in the middle of a burst: that
// message fails (its sender is told to try again), and everyone else's in
// the same burst is stored and answered.
func TestOneFailingMessageDoesNotFailItsBatchMates(t *testing.T) {
	eachWithDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		raw := openRaw(t, s, dsn)
		var stmts []string
		if s.Dialect() == "postgres" {
			stmts = []string{
				`CREATE FUNCTION refuse_bad() RETURNS trigger AS $$ BEGIN
					IF NEW.recipient = 'bad' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER refuse_bad BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_bad()`,
			}
		} else {
			stmts = []string{`CREATE TRIGGER refuse_bad BEFORE INSERT ON outbox WHEN NEW.recipient = 'bad'
				BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`}
		}
		for _, q := range stmts {
			if err := raw.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		users := []string{"u1", "u2", "bad", "u3", "u4"}
		var ins []bot.Input
		for _, u := range users {
			ins = append(ins, consoleInput(u, "hi"))
		}
		res := queueTogether(t, w.inbox, ctx, ins)
		for i, r := range res {
			switch {
			case users[i] == "bad" && r.err == nil:
				t.Errorf("the refused message was reported stored: %+v", r.out)
			case users[i] != "bad" && (r.err != nil || r.out.Replies != 1):
				t.Errorf("%s: %+v, %v; want stored with one reply", users[i], r.out, r.err)
			}
		}
		for _, u := range users {
			got := payloads(t, w, u)
			if want := 1; u == "bad" {
				if len(got) != 0 {
					t.Errorf("bad was sent %d replies, want none", len(got))
				}
			} else if len(got) != want {
				t.Errorf("%s was sent %d replies, want %d", u, len(got), want)
			}
		}
	})
}

// A request that gives up before its message was committed gets an error
// (so the provider is not told 200 and delivers again); nothing is lost and
// nothing is doubled when it does.
func TestNoAnswerBeforeCommit(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		in := bot.Input{Channel: bot.Telegram, ExternalID: "77", From: vocab.Address{TelegramChatID: 7}, Text: "hello"}

		// Given up while it waits for its batch: not stored at all.
		queued, resume := w.inbox.Pause()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := w.inbox.Handle(ctx, in)
			errc <- err
		}()
		waitFor(t, func() bool { return queued() == 1 })
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Handle after cancel = %v, want context.Canceled", err)
		}
		resume()
		counts, err := s.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 0 {
			t.Fatalf("outbox %v after a cancelled request, want empty", counts)
		}

		// Delivered again: handled, exactly once.
		out, err := w.inbox.Handle(context.Background(), in)
		if err != nil || out.Duplicate || out.Replies != 1 {
			t.Fatalf("redelivery: %+v, %v; want handled with one reply", out, err)
		}
		out, err = w.inbox.Handle(context.Background(), in)
		if err != nil || !out.Duplicate {
			t.Fatalf("third delivery: %+v, %v; want a duplicate", out, err)
		}
	})
}
