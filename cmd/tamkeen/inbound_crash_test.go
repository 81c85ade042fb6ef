package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/loadgen"
	"github.com/tamkeen/tamkeen/store"
)

// The real binary takes Telegram updates from 16 clients at once and is
// SIGKILLed in the middle: every update it answered 200 is in the database
// with its reply queued (an update it did not answer is Telegram's to send
// again).
func TestServeSIGKILLedWhileTakingUpdatesLosesNoneItAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	dir := t.TempDir()
	dsn := filepath.Join(dir, "tamkeen.db")
	fake := telegramtest.New(t)
	const secret = "crash-test-secret"
	env := []string{
		"TAMKEEN_DB=" + dsn, "TAMKEEN_QUIET_HOURS=", "TAMKEEN_PUBLIC_URL=https://tamkeen.example.org",
		"TELEGRAM_BOT_TOKEN=" + telegramtest.Token, "TELEGRAM_API_ENDPOINT=" + fake.Endpoint(),
		"TELEGRAM_MODE=webhook", "TELEGRAM_WEBHOOK_SECRET=" + secret,
	}
	serve, addr, logs := startServe(t, dir, env)

	var mu sync.Mutex
	var answered []int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan loadgen.Result, 1)
	go func() {
		done <- loadgen.Run(ctx, loadgen.Client(16), loadgen.Config{
			URLs: []string{"http://" + addr + "/webhooks/telegram"}, Secret: secret, N: 100_000, Clients: 16,
			Answered: func(id int64) { mu.Lock(); answered = append(answered, id); mu.Unlock() },
		})
	}()
	waitUntil(t, 30*time.Second, "300 updates answered", func() bool { mu.Lock(); defer mu.Unlock(); return len(answered) >= 300 })
	if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	serve.Wait()
	cancel()
	res := <-done
	mu.Lock()
	acked := append([]int64(nil), answered...)
	mu.Unlock()
	t.Logf("killed after %d updates answered 200 (%d requests cut off)", len(acked), res.Failed)

	s, err := store.Open(context.Background(), dsn, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range acked {
		rows, err := s.OutboxByDedupePrefix(context.Background(), fmt.Sprintf("reply:telegram:%d:", id))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("update %d was answered 200 but is not stored (no reply queued)\n%s", id, logs.String())
		}
	}
}
