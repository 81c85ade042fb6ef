package notifier_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// fakeProvider counts what each outbox row and contact received over HTTP.
type fakeProvider struct {
	mu        sync.Mutex
	byRow     map[int64]int
	byContact map[int64]int
	total     int
	at        int
	reached   chan struct{}
}

func (p *fakeProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ID        int64 `json:"id"`
		ContactID int64 `json:"contact_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	p.mu.Lock()
	p.byRow[m.ID]++
	p.byContact[m.ContactID]++
	p.total++
	if p.total == p.at {
		close(p.reached)
	}
	p.mu.Unlock()
	_, _ = w.Write([]byte("p-" + strconv.FormatInt(m.ID, 10)))
}

// The process running a broadcast is SIGKILLed mid-way and started again:
// every contact gets the message, and no more are repeated than were in
// flight at the kill.
func TestCrashMidBroadcastLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a subprocess")
	}
	const n = 300
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	s, err := store.Open(ctx, dsn, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		contact(t, s, i, "ar")
	}
	bs := notifier.NewBroadcasts(s, clock.System{}, discard(), nil, notifier.BroadcastConfig{})
	rep, err := bs.Create(ctx, &store.Broadcast{Texts: map[string]string{"ar": "x"}, Audience: store.Audience{All: true}, Channels: []string{bot.Telegram}})
	if err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "crashtest")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/crashtest").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	prov := &fakeProvider{byRow: map[int64]int{}, byContact: map[int64]int{}, at: n / 3, reached: make(chan struct{})}
	srv := httptest.NewServer(prov)
	defer srv.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "-db", dsn, "-provider", srv.URL, "-rate", "200", "-lease", "1s")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "running\n" {
			t.Fatalf("subprocess said %q", line)
		}
		return cmd
	}

	first := start()
	select {
	case <-prov.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the first process never sent a third of the broadcast")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	inFlight := counts(t, s)[store.OutboxSending]
	prov.mu.Lock()
	atKill := prov.total
	prov.mu.Unlock()
	t.Logf("killed after %d sends, %d rows in flight", atKill, inFlight)
	if atKill >= n {
		t.Fatalf("the broadcast finished before the kill; nothing was tested")
	}

	second := start()
	defer func() { _ = second.Process.Signal(syscall.SIGTERM); _ = second.Wait() }()
	waitFor(t, 30*time.Second, "the broadcast to finish after the restart", func() bool {
		r, err := bs.Report(ctx, rep.ID)
		return err == nil && r.Status == "done"
	})

	prov.mu.Lock()
	defer prov.mu.Unlock()
	if len(prov.byContact) != n {
		t.Fatalf("%d of %d contacts got the broadcast", len(prov.byContact), n)
	}
	dups := prov.total - len(prov.byRow)
	if dups > inFlight {
		t.Fatalf("%d duplicates, more than the %d rows in flight at the kill", dups, inFlight)
	}
	t.Logf("%d sends for %d contacts: %d duplicates (in flight at the kill: %d)", prov.total, n, dups, inFlight)
}
