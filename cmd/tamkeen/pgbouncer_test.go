package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/internal/loadgen"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// freshDatabase makes a database of its own on the test PostgreSQL (a
// pooler cannot carry a schema's search_path) and returns its URL on host:port.
func freshDatabase(t *testing.T) (name string, base *url.URL) {
	t.Helper()
	dsn := os.Getenv(storetest.PostgresEnv)
	if dsn == "" {
		t.Skipf("PgBouncer test skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", storetest.PostgresEnv)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	name = "tamkeen_pgb_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	base, err = url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return name, base
}

// startPgBouncer runs Debian's pgbouncer in mode on a free port in front of
// the test PostgreSQL, and returns the URL of database db through it.
func startPgBouncer(t *testing.T, mode, db string, pg *url.URL) string {
	t.Helper()
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		t.Skip("PgBouncer test skipped: pgbouncer is missing (apt-get install pgbouncer; .ci/run does)")
	}
	port := freePort(t)
	dir := t.TempDir()
	user := pg.User.Username()
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
auth_type = trust
auth_file = %s
pool_mode = %s
unix_socket_dir =
max_client_conn = 200
default_pool_size = 10
`, pg.Hostname(), pg.Port(), port, filepath.Join(dir, "users.txt"), mode)
	os.WriteFile(filepath.Join(dir, "users.txt"), []byte(fmt.Sprintf("%q \"\"\n", user)), 0o600)
	os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o600)
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 { // pgbouncer refuses to run as root
		args = append([]string{"-u", "postgres"}, args...)
	}
	logs := &syncBuffer{}
	cmd := exec.Command("pgbouncer", args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitUntil(t, 10*time.Second, "pgbouncer listening", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", user, port, db)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Two replicas behind PgBouncer in transaction pooling mode take updates
// from both sides: every update is answered, every chat gets its reply
// once; the replicas say they poll instead of LISTEN. (pgx's prepared
// statements, which the replicas used before, fail there: "prepared
// statement … does not exist".) A pooler in statement mode, which allows
// no transactions, is refused at start, saying what to set.
func TestServeBehindPgBouncerInTransactionMode(t *testing.T) {
	if testing.Short() {
		t.Skip("PgBouncer test skipped in -short mode")
	}
	db, pg := freshDatabase(t)
	dsn := startPgBouncer(t, "transaction", db, pg)
	fake := telegramtest.New(t)
	const secret = "pgbouncer-secret"
	env := webhookEnv(dsn, fake, secret)
	var urls []string
	var logs []*syncBuffer
	for range 2 {
		_, addr, l := startServe(t, t.TempDir(), env)
		urls = append(urls, "http://"+addr+"/webhooks/telegram")
		logs = append(logs, l)
	}
	for i, l := range logs {
		if !strings.Contains(l.String(), "pooler in transaction mode") {
			t.Errorf("replica %d does not say it is behind a transaction pooler:\n%s", i+1, l.String())
		}
	}
	var mu sync.Mutex
	var answered []int64
	res := loadgen.Run(context.Background(), loadgen.Client(16), loadgen.Config{
		URLs: urls, Secret: secret, N: 400, Clients: 16,
		Answered: func(id int64) { mu.Lock(); answered = append(answered, id); mu.Unlock() },
	})
	if res.Failed > 0 {
		t.Errorf("%d of 400 updates failed behind PgBouncer (%s)\n%s", res.Failed, res.FirstErr, logs[0].String())
	}
	waitUntil(t, 60*time.Second, "a reply to every update", func() bool { return len(fake.Sent()) >= len(answered) })
	time.Sleep(500 * time.Millisecond) // a duplicate would come now
	perChat := map[int64]int{}
	for _, m := range fake.Sent() {
		perChat[m.ChatID]++
	}
	for _, id := range answered {
		if n := perChat[1_000_000+id-1]; n != 1 {
			t.Errorf("chat of update %d got %d replies, want 1", id, n)
		}
	}
	t.Logf("%s; %d replies", res, len(fake.Sent()))

	// Statement pooling: refused, naming the mode to use.
	stmt := startPgBouncer(t, "statement", db, pg)
	code, _, errOut := runBinary(t, t.TempDir(), []string{"TAMKEEN_DB=" + stmt}, "migrate")
	if code == 0 || !strings.Contains(errOut, "pool_mode=statement") || !strings.Contains(errOut, "use pool_mode=transaction or session") {
		t.Errorf("migrate behind a statement pooler: exit %d, %q; want a refusal naming the modes", code, errOut)
	}
}
