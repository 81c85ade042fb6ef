package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/loadgen"
	"github.com/tamkeen/tamkeen/internal/racedetect"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// previousRelease is the commit of the release before this code: the
// upgrade test runs its binary beside the new one. Move it to each new
// release's commit when that release is cut.
const previousRelease = "3e2da94"

// buildPrevious builds previousRelease's binary from the repository's
// history (git archive), or skips when there is no history.
func buildPrevious(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("git", "-C", root, "cat-file", "-e", previousRelease+"^{commit}").Run(); err != nil {
		t.Skipf("upgrade test skipped: commit %s is not in this checkout's history (a clone with history is needed)", previousRelease)
	}
	src := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", previousRelease)
	untar := exec.Command("tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v", previousRelease, err)
	}
	if err := untar.Wait(); err != nil {
		t.Fatalf("untar %s: %v", previousRelease, err)
	}
	bin := filepath.Join(t.TempDir(), "tamkeen-"+previousRelease)
	// -trimpath: the packages this release did not change come from the build cache.
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/tamkeen")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", previousRelease, err, out)
	}
	return bin
}

// replicas is the load balancer's view: the replicas taking requests.
type replicas struct {
	mu   sync.Mutex
	urls []string
}

func (r *replicas) pick() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.urls[rand.IntN(len(r.urls))]
}

func (r *replicas) set(urls ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.urls = urls
}

// A rolling upgrade: the previous release serves; the new binary starts
// beside it (and migrates the schema while the old one runs on it); the old
// one is stopped and a second new one started. People write throughout,
// each message to whichever replica the balancer picks (and again to
// another when one is going away, as Telegram retries). Every message is
// answered, each reply goes exactly once, whichever release queued it and
// whichever sent it.
func TestRollingUpgradeFromThePreviousReleaseLosesAndRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("upgrade test skipped in -short mode")
	}
	if racedetect.Enabled {
		t.Skip("upgrade test skipped under -race: it tests two binaries built without it, in the run without -race")
	}
	old := buildPrevious(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "tamkeen.db")
	if os.Getenv(storetest.PostgresEnv) != "" {
		db = storetest.PostgresDSN(t)
	}
	fake := telegramtest.New(t)
	const secret = "upgrade-secret"
	env := webhookEnv(db, fake, secret)
	start := func(bin string) (*exec.Cmd, string, *syncBuffer) {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		logs := &syncBuffer{}
		cmd := exec.Command(bin, "serve")
		cmd.Dir, cmd.Env, cmd.Stderr = dir, append([]string{"TAMKEEN_HTTP_ADDR=" + addr}, env...), logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitUntil(t, 30*time.Second, bin+" ready", func() bool {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		})
		return cmd, "http://" + addr + "/webhooks/telegram", logs
	}

	oldServe, oldURL, _ := start(old)
	lb := &replicas{}
	lb.set(oldURL)

	// 40 people, each writing 6 messages a little apart, starting over 3 s.
	script := []string{"مرحبا", "1", "1", "مريم", "1", "قائمة"}
	const people = 40
	var mu sync.Mutex
	var acked []int64
	var wg sync.WaitGroup
	client := loadgen.Client(8)
	for p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(p) * 3 * time.Second / people)
			person := telegramtest.User{ID: 5_000_000 + int64(p), FirstName: "P"}
			for i, text := range script {
				update := telegramtest.Message(person, text)
				update["update_id"] = person.ID*10 + int64(i)
				body, _ := json.Marshal(update)
				if !postUntilAnswered(client, lb, secret, body) {
					t.Errorf("update %d was never answered", update["update_id"])
					return
				}
				mu.Lock()
				acked = append(acked, update["update_id"].(int64))
				mu.Unlock()
				time.Sleep(time.Duration(300+rand.IntN(400)) * time.Millisecond)
			}
		}()
	}

	time.Sleep(time.Second)
	_, newURL, newLogs := start(binary) // migrates while the old release serves
	lb.set(oldURL, newURL)
	time.Sleep(1500 * time.Millisecond)
	lb.set(newURL) // the balancer lets the old one go, then it is stopped
	oldServe.Process.Signal(syscall.SIGTERM)
	if err := oldServe.Wait(); err != nil {
		t.Errorf("the previous release did not stop cleanly: %v", err)
	}
	_, secondURL, _ := start(binary)
	lb.set(newURL, secondURL)
	wg.Wait()
	if m := strings.Contains(newLogs.String(), "database migrated"); m {
		t.Logf("the new release migrated the schema while the old one served")
	}

	s, err := store.Open(context.Background(), db, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	waitUntil(t, 60*time.Second, "every reply sent", func() bool {
		c, err := s.OutboxCounts(ctx)
		return err == nil && c[store.OutboxPending]+c["sending"] == 0
	})
	time.Sleep(time.Second) // a repeat would arrive now
	queued := map[int64]int{}
	for _, id := range acked {
		rows, err := s.OutboxByDedupePrefix(ctx, fmt.Sprintf("reply:telegram:%d:", id))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("update %d was answered but no reply was queued", id)
		}
		for _, r := range rows {
			if r.Status != store.OutboxSent {
				t.Errorf("reply %s is %s (%s)", r.DedupeKey, r.Status, r.Error)
			}
			queued[id/10]++
		}
	}
	for p := range people {
		chat := 5_000_000 + int64(p)
		if got := len(fake.SentTo(chat)); got != queued[chat] {
			t.Errorf("person %d was sent %d messages for %d replies queued", p, got, queued[chat])
		}
	}
	if len(acked) != people*len(script) {
		t.Errorf("%d of %d messages answered", len(acked), people*len(script))
	}
	t.Logf("%s → this tree on %s: %d messages answered, %d sent", previousRelease, s.Dialect(), len(acked), len(fake.Sent()))
}

// postUntilAnswered posts a webhook update until a replica answers 200,
// trying another when one fails (as Telegram sends it again).
func postUntilAnswered(client *http.Client, lb *replicas, secret string, body []byte) bool {
	for range 50 {
		req, _ := http.NewRequest(http.MethodPost, lb.pick(), bytes.NewReader(body))
		req.Header.Set(loadgen.SecretHeader, secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
