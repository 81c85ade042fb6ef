// Command tamkeen-load measures how many Telegram updates a tamkeen server
// takes in: it starts the real binary (one or more replicas) in webhook mode
// against a fake, unlimited Bot API, posts text updates from new chats with
// concurrent clients (or at a steady rate), and reports updates/s, p50/p99
// latency, the peak RSS of each replica, and whether every update was
// answered.
//
//	go build -o /tmp/tamkeen ./cmd/tamkeen
//	go run ./cmd/tamkeen-load -serve /tmp/tamkeen -n 20000 -c 32
//	go run ./cmd/tamkeen-load -serve /tmp/tamkeen -n 20000 -rate 1000
//	go run ./cmd/tamkeen-load -serve /tmp/tamkeen -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable -replicas 2
//
// Without -serve it posts to -url, a server already running.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tamkeen/tamkeen/internal/loadgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tamkeen-load:", err)
		os.Exit(1)
	}
}

type options struct {
	serve, db, target, secret, debug string
	replicas, n, clients, rate       int
	rounds                           int
	first                            int64
}

func run() error {
	var o options
	flag.StringVar(&o.serve, "serve", "", "path of the tamkeen binary to start (webhook mode, fake Bot API)")
	flag.StringVar(&o.db, "db", "", "database of the started server: SQLite file (default: a new temp file) or postgres:// URL (a new schema is made and dropped)")
	flag.IntVar(&o.replicas, "replicas", 1, "how many serve processes to start on the database (updates go to each in turn)")
	flag.StringVar(&o.debug, "debug", "", "TAMKEEN_DEBUG_ADDR of the first replica (pprof), for example 127.0.0.1:6060")
	flag.StringVar(&o.target, "url", "", "webhook URL of a server already running (instead of -serve)")
	flag.StringVar(&o.secret, "secret", "load-secret", "webhook secret token")
	flag.IntVar(&o.n, "n", 10000, "updates per round")
	flag.IntVar(&o.clients, "c", 32, "concurrent clients")
	flag.IntVar(&o.rate, "rate", 0, "steady updates per second (0: as fast as answered)")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds (each with new chats)")
	flag.Int64Var(&o.first, "first", time.Now().Unix()%100_000*1_000_000, "first update id (new chats from it on)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var urls []string
	var procs []*replica
	var api *fakeAPI
	switch {
	case o.serve != "":
		var cleanup func()
		var err error
		api, procs, cleanup, err = start(ctx, o)
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			return err
		}
		for _, p := range procs {
			urls = append(urls, p.base+"/webhooks/telegram")
		}
	case o.target != "":
		urls = []string{o.target}
	default:
		return fmt.Errorf("give -serve (start the binary) or -url (a server already running)")
	}

	client := loadgen.Client(o.clients)
	total := 0
	for round := 1; round <= o.rounds && ctx.Err() == nil; round++ {
		cpu0 := make([]time.Duration, len(procs))
		for i, p := range procs {
			cpu0[i] = p.cpu()
		}
		res := loadgen.Run(ctx, client, loadgen.Config{
			URLs: urls, Secret: o.secret, First: o.first + int64((round-1)*o.n), N: o.n, Clients: o.clients, Rate: o.rate,
		})
		total += len(res.Latencies)
		line := fmt.Sprintf("round %d: %s", round, res)
		var cpu time.Duration
		for i, p := range procs {
			cpu += p.cpu() - cpu0[i]
			line += fmt.Sprintf("; replica %d peak RSS %d MB", i+1, p.peakRSS.Load()/1024)
		}
		if len(procs) > 0 && len(res.Latencies) > 0 {
			// The servers' own CPU per update (taking and answering it, and
			// sending its reply): steadier than updates/s on a shared machine.
			line += fmt.Sprintf("; server CPU %.2f ms/update", float64(cpu.Microseconds())/1000/float64(len(res.Latencies)))
		}
		fmt.Println(line)
	}
	if api != nil {
		// Every update queued a reply: wait until the dispatcher sent them all.
		deadline := time.Now().Add(2 * time.Minute)
		for api.sent.Load() < int64(total) && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
		}
		fmt.Printf("replies sent to the fake Bot API: %d of %d updates answered\n", api.sent.Load(), total)
	}
	return nil
}

// replica is one started serve process.
type replica struct {
	cmd     *exec.Cmd
	base    string
	peakRSS atomic.Int64 // kB
}

func start(ctx context.Context, o options) (*fakeAPI, []*replica, func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	api, err := startFakeAPI()
	if err != nil {
		return nil, nil, cleanup, err
	}
	cleanups = append(cleanups, api.close)
	dsn := o.db
	switch {
	case dsn == "":
		dir, err := os.MkdirTemp("", "tamkeen-load-")
		if err != nil {
			return nil, nil, cleanup, err
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		dsn = filepath.Join(dir, "tamkeen.db")
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		schemaDSN, drop, err := freshSchema(dsn)
		if err != nil {
			return nil, nil, cleanup, err
		}
		cleanups = append(cleanups, drop)
		dsn = schemaDSN
	}
	var procs []*replica
	for i := range o.replicas {
		addr, err := freeAddr()
		if err != nil {
			return nil, nil, cleanup, err
		}
		env := append(os.Environ(),
			"TAMKEEN_DB="+dsn, "TAMKEEN_HTTP_ADDR="+addr, "TAMKEEN_PUBLIC_URL=http://"+addr,
			"TAMKEEN_LOG_LEVEL=warn", "TELEGRAM_BOT_TOKEN=42:load", "TELEGRAM_MODE=webhook",
			"TELEGRAM_API_ENDPOINT="+api.url+"/bot%s/%s", "TELEGRAM_WEBHOOK_SECRET="+o.secret, "TELEGRAM_RATE=10000")
		if i == 0 && o.debug != "" {
			env = append(env, "TAMKEEN_DEBUG_ADDR="+o.debug)
		}
		cmd := exec.Command(o.serve, "serve")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, nil, cleanup, fmt.Errorf("start %s: %w", o.serve, err)
		}
		p := &replica{cmd: cmd, base: "http://" + addr}
		procs = append(procs, p)
		done := make(chan struct{})
		var once sync.Once
		cleanups = append(cleanups, func() {
			once.Do(func() {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-done:
				case <-time.After(15 * time.Second):
					_ = cmd.Process.Kill()
					<-done
				}
			})
		})
		go func() { _ = cmd.Wait(); close(done) }()
		go sampleRSS(p, done)
		if err := waitReady(ctx, p.base+"/readyz", done); err != nil {
			return nil, nil, cleanup, err
		}
	}
	return api, procs, cleanup, nil
}

// cpu is the user and system CPU time the process used so far.
func (p *replica) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th, stime the 15th.
	rest := string(raw[strings.LastIndexByte(string(raw), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// sampleRSS records the peak resident memory of p until done.
func sampleRSS(p *replica, done <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				if kb > p.peakRSS.Load() {
					p.peakRSS.Store(kb)
				}
			}
		}
		f.Close()
	}
}

func waitReady(ctx context.Context, u string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-exited:
			return fmt.Errorf("the server exited before it was ready")
		default:
		}
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: not ready after 30 s", u)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// freshSchema makes a new schema in the database at dsn and returns a DSN
// that uses it, and how to drop it.
func freshSchema(dsn string) (string, func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "load_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	}, nil
}

// fakeAPI is a Bot API without limits: it answers every call at once.
type fakeAPI struct {
	url  string
	srv  *http.Server
	sent atomic.Int64
}

func startFakeAPI() (*fakeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &fakeAPI{url: "http://" + ln.Addr().String()}
	a.srv = &http.Server{Handler: http.HandlerFunc(a.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *fakeAPI) close() { _ = a.srv.Close() }

func (a *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "getMe":
		fmt.Fprint(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Load","username":"load_bot"}}`)
	case "sendMessage":
		n := a.sent.Add(1)
		chat, _ := strconv.ParseInt(r.Form.Get("chat_id"), 10, 64)
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"text":""}}`,
			n, time.Now().Unix(), chat)
	default:
		fmt.Fprint(w, `{"ok":true,"result":true}`)
	}
}
