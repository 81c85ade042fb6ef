package notifier_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// takeovers is the real store, telling the test what each takeover put back.
type takeovers struct {
	*store.Store
	put chan int
}

func (s takeovers) ReclaimOrphaned(ctx context.Context, silentFor time.Duration, exceptFor string) (int, error) {
	n, err := s.Store.ReclaimOrphaned(ctx, silentFor, exceptFor)
	select {
	case s.put <- n:
	default:
	}
	return n, err
}

type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *lines) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Two dispatchers of one process (serve's, and its terminal chat's, which
// sends the greeting at start) share one name: serve starting while the
// chat's greeting is mid-send takes nothing over (issue 19), and the
// greeting goes once and is recorded as sent.
func TestADispatcherStartingBesideItsProcesssOtherTakesNothingOver(t *testing.T) {
	s := storetest.SQLite(t, clock.System{})
	c := contact(t, s, 1, "ar")
	enqueue(t, s, msg(c, bot.Console, store.PriorityReply, "greeting"))
	instance := notifier.NewInstance()
	logs := &lines{}
	log := slog.New(slog.NewTextHandler(logs, nil))

	chat := newFake(bot.Console, 0)
	inSend, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	chat.onSend = func(bot.Outgoing) error {
		once.Do(func() { close(inSend); <-release })
		return nil
	}
	chatD := notifier.NewDispatcher(s, []bot.Sender{chat}, clock.System{}, log, nil, notifier.DispatcherConfig{Instance: instance})
	drained := make(chan error, 1)
	go func() { drained <- chatD.Drain(context.Background()) }()
	<-inSend // the greeting is claimed and on its way

	put := make(chan int, 1)
	serveD := notifier.NewDispatcher(takeovers{s, put}, []bot.Sender{newFake(bot.Telegram, 0)}, clock.System{}, log, nil,
		notifier.DispatcherConfig{Instance: instance})
	run(t, serveD)
	select {
	case n := <-put: // serve's start: alone on the lock file, it took over what it found
		if n != 0 {
			t.Errorf("serve's start took over %d rows, the chat's greeting mid-send", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve's dispatcher did not start")
	}
	close(release)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	if err := chatD.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if chat.count() != 1 || counts(t, s)[store.OutboxSent] != 1 {
		t.Errorf("the greeting went %d times, %v; want once and sent", chat.count(), counts(t, s))
	}
	if strings.Contains(logs.String(), "took over") {
		t.Errorf("logged a takeover:\n%s", logs)
	}
}
