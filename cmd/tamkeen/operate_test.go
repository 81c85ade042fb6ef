package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/loadgen"
	"github.com/tamkeen/tamkeen/store"
)

// webhookEnv is serve's environment for Telegram webhooks against fake, on db.
func webhookEnv(db string, fake *telegramtest.Server, secret string) []string {
	return []string{
		"TAMKEEN_DB=" + db, "TAMKEEN_QUIET_HOURS=", "TAMKEEN_PUBLIC_URL=https://tamkeen.example.org",
		"TELEGRAM_BOT_TOKEN=" + telegramtest.Token, "TELEGRAM_API_ENDPOINT=" + fake.Endpoint(),
		"TELEGRAM_MODE=webhook", "TELEGRAM_WEBHOOK_SECRET=" + secret, "TELEGRAM_RATE=10000",
	}
}

// runBinary runs the binary to its end and returns its exit code and output.
func runBinary(t testing.TB, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runBinaryWithInput(t, dir, env, "", args...)
}

// runBinaryWithInput is runBinary with stdin.
func runBinaryWithInput(t testing.TB, dir string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := command(dir, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("%v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

var contactsRow = regexp.MustCompile(`(?m)^\s+contacts\s+(\d+)$`)

// A newcomer's path: serve takes updates, a backup is made while it does,
// the backup is restored into a second installation, and every update
// answered before the backup began is there, with the same people.
func TestBackupWhileServingThenRestoreKeepsEverythingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tamkeen.db")
	fake := telegramtest.New(t)
	const secret = "backup-test-secret"
	env := webhookEnv(db, fake, secret)
	serve, addr, logs := startServe(t, dir, env)

	var mu sync.Mutex
	var answered []int64
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(answered) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan loadgen.Result, 1)
	go func() {
		done <- loadgen.Run(ctx, loadgen.Client(8), loadgen.Config{
			URLs: []string{"http://" + addr + "/webhooks/telegram"}, Secret: secret, N: 100_000, Clients: 8, Rate: 300,
			Answered: func(id int64) { mu.Lock(); answered = append(answered, id); mu.Unlock() },
		})
	}()
	waitUntil(t, 30*time.Second, "200 updates answered", func() bool { return count() >= 200 })

	mu.Lock()
	before := append([]int64(nil), answered...)
	mu.Unlock()
	backupFile := filepath.Join(t.TempDir(), "nightly.db")
	code, out, errOut := runBinary(t, dir, env, "backup", backupFile)
	during := count() - len(before)
	if code != 0 {
		t.Fatalf("backup exit %d\n%s%s", code, out, errOut)
	}
	waitUntil(t, 30*time.Second, "updates answered after the backup", func() bool { return count() > len(before)+during+20 })
	cancel()
	<-done
	t.Logf("%d updates answered before the backup began, %d while it ran; %s", len(before), during, strings.SplitN(out, "\n", 2)[0])
	if !strings.Contains(out, "integrity_check ok") {
		t.Errorf("the backup does not say it was checked:\n%s", out)
	}
	m := contactsRow.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the backup does not print the contacts' row count:\n%s", out)
	}
	backedUp, _ := strconv.Atoi(m[1])
	if backedUp < len(before) {
		t.Errorf("the backup holds %d contacts, but %d new chats had been answered before it began", backedUp, len(before))
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}

	// A second installation, restored from the backup.
	other := t.TempDir()
	otherDB := filepath.Join(other, "tamkeen.db")
	code, out, errOut = runBinary(t, other, []string{"TAMKEEN_DB=" + otherDB}, "restore", backupFile)
	if code != 0 {
		t.Fatalf("restore exit %d\n%s%s", code, out, errOut)
	}
	if m := contactsRow.FindStringSubmatch(out); m == nil || m[1] != strconv.Itoa(backedUp) {
		t.Errorf("restore reports %v contacts, the backup %d:\n%s", m, backedUp, out)
	}
	s, err := store.Open(context.Background(), otherDB, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range before {
		rows, err := s.OutboxByDedupePrefix(context.Background(), fmt.Sprintf("reply:telegram:%d:", id))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("update %d was answered before the backup began but is not in the restored database", id)
		}
	}
}

// restore refuses a database that serve runs on, or that any other process
// has open, and changes nothing then.
func TestRestoreRefusesADatabaseInUse(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tamkeen.db")
	env := []string{"TAMKEEN_DB=" + db}
	if code, out, errOut := runBinary(t, dir, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s%s", code, out, errOut)
	}
	backupFile := filepath.Join(t.TempDir(), "b.db")
	if code, out, errOut := runBinary(t, dir, env, "backup", backupFile); code != 0 {
		t.Fatalf("backup: %d %s%s", code, out, errOut)
	}

	serve, _, _ := startServe(t, dir, env)
	code, _, errOut := runBinary(t, dir, env, "restore", backupFile)
	if code != 1 || !strings.Contains(errOut, "tamkeen serve is running on "+db) {
		t.Errorf("restore while serve runs: exit %d, %q; want 1 naming serve", code, errOut)
	}
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()

	// chat waits for its first line with the database open (it is not a dispatcher holding the lock).
	chat := command(dir, env, "chat", "--lang", "en")
	stdin, err := chat.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	chatOut := &syncBuffer{}
	chat.Stdout = chatOut
	if err := chat.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); chat.Wait() })
	io.WriteString(stdin, "hello\n")
	waitUntil(t, 20*time.Second, "chat answers", func() bool { return chatOut.String() != "" })
	code, _, errOut = runBinary(t, dir, env, "restore", backupFile)
	if code != 1 || !strings.Contains(errOut, "another process has "+db+" open") {
		t.Errorf("restore while chat has the database open: exit %d, %q; want 1 naming the other process", code, errOut)
	}
	stdin.Close()
	chat.Wait()

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "before-restore") {
			t.Errorf("a refused restore moved the database: %s", e.Name())
		}
	}
	// Once nobody has it open, it goes through and keeps the old file.
	code, out, errOut := runBinary(t, dir, env, "restore", backupFile)
	if code != 0 || !strings.Contains(out, "the database that was there is kept as "+db+".before-restore-") {
		t.Errorf("restore of an unused database: exit %d\n%s%s", code, out, errOut)
	}
}

func TestBackupAndRestoreRefuseWhatTheyCannotDo(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.db")
	os.WriteFile(existing, []byte("x"), 0o600)
	cases := []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{[]string{"TAMKEEN_DB=postgres://tamkeen@db/tamkeen"}, []string{"backup", "x.db"}, 2, "pg_dump --format=custom"},
		{[]string{"TAMKEEN_DB=postgres://tamkeen@db/tamkeen"}, []string{"restore", "x.db"}, 2, "pg_restore"},
		{nil, []string{"backup", existing}, 2, "already exists"},
		{[]string{"TAMKEEN_DB=" + filepath.Join(dir, "none.db")}, []string{"backup", "new.db"}, 2, "no database there"},
		{nil, []string{"backup"}, 2, "one FILE is required"},
		{nil, []string{"restore", filepath.Join(dir, "missing.db")}, 2, "the backup"},
		{nil, []string{"restore", existing}, 1, "restore: the backup: "},
	}
	for _, c := range cases {
		code, _, errOut := runBinary(t, dir, c.env, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v %v: exit %d %q, want %d with %q", c.env, c.args, code, errOut, c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tamkeen.db.before-restore")); err == nil {
		t.Error("a refused restore moved the database")
	}
}

func TestHealthcheckAsksReadyz(t *testing.T) {
	dir := t.TempDir()
	serve, addr, _ := startServe(t, dir, nil)
	env := []string{"TAMKEEN_HTTP_ADDR=" + addr}
	if code, out, errOut := runBinary(t, dir, env, "healthcheck"); code != 0 || !strings.Contains(out, `"database":"ok"`) {
		t.Errorf("healthcheck of a ready server: exit %d %s%s", code, out, errOut)
	}
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()
	if code, _, errOut := runBinary(t, dir, env, "healthcheck"); code != 1 || !strings.Contains(errOut, "not ready") {
		t.Errorf("healthcheck with serve stopped: exit %d %s", code, errOut)
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/readyz",
		"[::]:9000":      "http://127.0.0.1:9000/readyz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/readyz",
		"localhost:8081": "http://localhost:8081/readyz",
		"[::1]:8080":     "http://[::1]:8080/readyz",
	} {
		if got := readyURL(addr); got != want {
			t.Errorf("readyURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
