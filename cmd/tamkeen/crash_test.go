package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// The real binary, SIGKILLed in the middle of a broadcast to 300 families
// over SMS, restarted with the default 2-minute lease: the new process takes
// over what the killed one held at once, everyone has the message within
// 15 s of the restart, and what goes twice is no more than the messages in
// flight at the kill, about a second of sending.
func TestServeSurvivesSIGKILLMidBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	const people = 300
	dir := t.TempDir()
	dsn := filepath.Join(dir, "tamkeen.db")
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	consent := time.Now().Add(-time.Hour)
	for i := range people {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: fmt.Sprintf("+9689%07d", i)}, "ar")
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

	const sid, token, from = "AC00000000000000000000000000000042", "0123456789abcdef0123456789abcdef", "+96824000000"
	fake := twiliotest.New(t, twiliotest.Config{AccountSID: sid, AuthToken: token, From: from, PublicURL: "https://tamkeen.example.org"})
	env := []string{
		"TAMKEEN_DB=" + dsn, "TAMKEEN_ADMIN_TOKEN=staff-crash-test-token", "TAMKEEN_QUIET_HOURS=", "TAMKEEN_DEMO_DATA=false",
		"TAMKEEN_PUBLIC_URL=https://tamkeen.example.org",
		"TWILIO_ACCOUNT_SID=" + sid, "TWILIO_AUTH_TOKEN=" + token, "TWILIO_FROM=" + from,
		"TWILIO_API_BASE_URL=" + fake.URL(), "TWILIO_RATE=150",
	}
	serve, addr, logs := startServe(t, dir, env)

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/broadcasts",
		strings.NewReader(`{"texts":{"ar":"ملتقى الأسر المنتجة يوم السبت","en":"Family forum on Saturday"},"audience":{"all":true},"channels":["sms"]}`))
	req.Header.Set("Authorization", "Bearer staff-crash-test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create broadcast: %d", resp.StatusCode)
	}

	waitUntil(t, 20*time.Second, "a third of the broadcast sent", func() bool { return len(fake.Messages()) >= people/3 })
	if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	serve.Wait()
	before, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inFlight := before[store.OutboxSending]
	t.Logf("killed after %d texts; %d rows in flight, %d recorded sent", len(fake.Messages()), inFlight, before[store.OutboxSent])
	if before[store.OutboxSent] >= people {
		t.Fatalf("the broadcast finished before the kill:\n%s", logs.String())
	}

	restart := time.Now()
	startServe(t, dir, env)
	reached := func() int {
		perNumber := map[string]bool{}
		for _, m := range fake.Messages() {
			perNumber[m.To] = true
		}
		return len(perNumber)
	}
	waitUntil(t, 15*time.Second, "every family reached after the restart", func() bool { return reached() == people })
	took := time.Since(restart)
	waitUntil(t, 15*time.Second, "the whole broadcast recorded", func() bool {
		c, err := s.OutboxCounts(ctx)
		return err == nil && c[store.OutboxSent] == people
	})
	duplicates := len(fake.Messages()) - people
	const rate = 150 // TWILIO_RATE: one second of sending
	t.Logf("everyone reached %v after the restart; %d texts for %d families: %d duplicates (in flight at the kill: %d, one second of sending: %d)",
		took.Round(10*time.Millisecond), len(fake.Messages()), people, duplicates, inFlight, rate)
	if duplicates > inFlight {
		t.Errorf("%d duplicates, more than the %d messages in flight at the kill", duplicates, inFlight)
	}
	if inFlight > rate+2 {
		t.Errorf("%d rows were held at the kill, more than about one second of sending (%d)", inFlight, rate)
	}
}

// waitUntil polls cond (the fake provider or the database) until it holds.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
