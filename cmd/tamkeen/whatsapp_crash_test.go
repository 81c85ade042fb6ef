package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// The real binary, SIGKILLed in the middle of a WhatsApp broadcast to 320
// people at WHATSAPP_RATE 80 against the strict fake Cloud API: half wrote
// an hour ago (the broadcast goes to them as text), half two days ago (as
// the approved template), so both are in flight at the kill. Restarted
// with the default lease, it finishes the broadcast: everyone has it, each
// inside their window as text and outside as the template, every row is
// recorded sent, and what went twice is no more than the rows in flight at
// the kill, about one second of sending (80).
func TestServeSurvivesSIGKILLMidWhatsAppBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	const people, rate = 320, 80
	const text, textEN = "ملتقى الأسر المنتجة يوم السبت في صلالة", "Family forum on Saturday in Salalah"
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

	fake := whatsapptest.New(t, whatsapptest.Config{Rate: rate,
		Templates: whatsapptest.Registered(slices.Sorted(maps.Values(config.DefaultTemplates()))...)})
	// The even ones wrote an hour ago, the odd ones two days ago: our
	// records and WhatsApp's agree.
	now := time.Now()
	users := make([]whatsapptest.User, people)
	inside := func(i int) bool { return i%2 == 0 }
	err = s.InTx(ctx, func(tx *store.Tx) error {
		last := map[int64]time.Time{}
		for i := range people {
			users[i] = whatsapptest.User{Phone: fmt.Sprintf("+9689%07d", 4_000_000+i)}
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: users[i].Phone}, "ar")
			if err != nil {
				return err
			}
			consent := now.Add(-72 * time.Hour)
			c.ConsentAt, c.Name, c.Governorate = &consent, "x", "muscat"
			if err := tx.SaveContact(c); err != nil {
				return err
			}
			last[c.ID] = now.Add(-48 * time.Hour)
			if inside(i) {
				last[c.ID] = now.Add(-time.Hour)
			}
			fake.Wrote(users[i], last[c.ID])
		}
		return tx.SetWhatsAppInbound(last)
	})
	if err != nil {
		t.Fatal(err)
	}

	const admin = "staff-crash-test-token"
	env := []string{
		"TAMKEEN_DB=" + dsn, "TAMKEEN_ADMIN_TOKEN=" + admin, "TAMKEEN_QUIET_HOURS=", "TAMKEEN_DEMO_DATA=false",
		"WHATSAPP_ACCESS_TOKEN=" + whatsapptest.Token, "WHATSAPP_PHONE_NUMBER_ID=" + whatsapptest.PhoneNumberID,
		"WHATSAPP_APP_SECRET=" + whatsapptest.AppSecret, "WHATSAPP_VERIFY_TOKEN=" + whatsapptest.VerifyToken,
		"WHATSAPP_API_BASE_URL=" + fake.URL(), fmt.Sprintf("WHATSAPP_RATE=%d", rate),
	}
	serve, addr, logs := startServe(t, dir, env)

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/broadcasts",
		strings.NewReader(`{"texts":{"ar":"`+text+`","en":"`+textEN+`"},"audience":{"all":true},"channels":["whatsapp"]}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create broadcast: %d", resp.StatusCode)
	}

	// received is the broadcast as each person got it, by number.
	received := func() map[string][]whatsapptest.Sent {
		got := map[string][]whatsapptest.Sent{}
		for _, m := range fake.Sent() {
			r := m.Request
			if r.Text != nil && r.Text.Body == text ||
				r.Template != nil && len(r.Template.Components) > 0 && len(r.Template.Components[0].Parameters) > 0 &&
					r.Template.Components[0].Parameters[0].Text == text {
				got[m.To] = append(got[m.To], m)
			}
		}
		return got
	}
	total := func(got map[string][]whatsapptest.Sent) (n int) {
		for _, ms := range got {
			n += len(ms)
		}
		return n
	}
	waitUntil(t, 30*time.Second, "a third of the broadcast sent", func() bool { return total(received()) >= people/3 })
	if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	serve.Wait()
	before, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inFlight := before[store.OutboxSending]
	atKill := map[string]int{}
	for _, ms := range received() {
		for _, m := range ms {
			atKill[m.Request.Type]++
		}
	}
	t.Logf("killed after %d texts and %d templates; %d rows in flight, %d recorded sent", atKill["text"], atKill["template"], inFlight, before[store.OutboxSent])
	if before[store.OutboxSent] >= people {
		t.Fatalf("the broadcast finished before the kill:\n%s", logs.String())
	}

	restart := time.Now()
	_, _, logs2 := startServe(t, dir, env)
	waitUntil(t, 60*time.Second, "everyone reached after the restart", func() bool { return len(received()) == people })
	took := time.Since(restart)
	waitUntil(t, 30*time.Second, "the whole broadcast recorded", func() bool {
		c, err := s.OutboxCounts(ctx)
		return err == nil && c[store.OutboxSent] == people
	})

	got := received()
	duplicates := total(got) - people
	var texts, templates int
	for i, u := range users {
		for _, m := range got[u.Phone] {
			switch want := inside(i); {
			case want && m.Request.Type == "text":
				texts++
			case !want && m.Request.Type == "template" && m.Request.Template.Name == "tamkeen_broadcast" && m.Request.Template.Language.Code == "ar":
				templates++
			default:
				t.Errorf("%s (inside the window: %v) got %+v", u.Phone, want, m.Request)
			}
		}
	}
	throttled := 0
	for _, r := range fake.Refused() {
		if r.Code != whatsapp.CodeThroughput {
			t.Errorf("the fake refused a message: %+v", r)
		}
		throttled++
	}
	c, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("everyone reached %v after the restart; %d messages (%d texts, %d templates) for %d people: %d duplicates (in flight at the kill: %d, one second of sending: %d); %d × 130429; outbox %v",
		took.Round(10*time.Millisecond), total(got), texts, templates, people, duplicates, inFlight, rate, throttled, c)
	if c[store.OutboxFailed] != 0 || c[store.OutboxPending] != 0 || c[store.OutboxSending] != 0 {
		t.Errorf("rows not sent after the restart: %v\n%s", c, logs2.String())
	}
	if duplicates > inFlight {
		t.Errorf("%d duplicates, more than the %d messages in flight at the kill", duplicates, inFlight)
	}
	if inFlight > rate+2 {
		t.Errorf("%d rows were held at the kill, more than about one second of sending (%d)", inFlight, rate)
	}
}
