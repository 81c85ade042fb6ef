package main

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/internal/loadgen"
)

// BenchmarkBackupWhileServing measures what a backup costs the people
// writing in: a SQLite database of TAMKEEN_BENCH_DB_MB (default 200) takes
// TAMKEEN_BENCH_RATE (default 500) Telegram updates a second; a backup is
// made half-way; the answer times of the updates posted while it ran are
// compared with those before it. Then the backup is restored into a new
// file, timed.
//
//	TAMKEEN_BENCH_DB_MB=1024 go test ./cmd/tamkeen -run '^$' -bench BackupWhileServing -benchtime 1x -timeout 30m
func BenchmarkBackupWhileServing(b *testing.B) {
	sizeMB := envInt("TAMKEEN_BENCH_DB_MB", 200)
	rate := envInt("TAMKEEN_BENCH_RATE", 500)
	for range b.N {
		dir := b.TempDir()
		db := filepath.Join(dir, "tamkeen.db")
		fill(b, dir, db, int64(sizeMB)<<20)
		fake := telegramtest.New(b)
		const secret = "bench-secret"
		env := webhookEnv(db, fake, secret)
		serve, addr, _ := startServe(b, dir, env)

		type sample struct {
			at  time.Time
			dur time.Duration
			ok  bool
		}
		var mu sync.Mutex
		var samples []sample
		stop := make(chan struct{})
		var wg sync.WaitGroup
		client := loadgen.Client(64)
		go func() { // one update every 1/rate s, each on its own goroutine
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			for i := int64(0); ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/telegram", bytes.NewReader(loadgen.Update(900_000_000+i)))
					req.Header.Set(loadgen.SecretHeader, secret)
					resp, err := client.Do(req)
					ok := err == nil && resp.StatusCode == http.StatusOK
					if err == nil {
						resp.Body.Close()
					}
					mu.Lock()
					samples = append(samples, sample{start, time.Since(start), ok})
					mu.Unlock()
				}()
			}
		}()
		time.Sleep(20 * time.Second)
		backupFile := filepath.Join(b.TempDir(), "backup.db")
		bStart := time.Now()
		code, out, errOut := runBinary(b, dir, env, "backup", backupFile)
		bEnd := time.Now()
		if code != 0 {
			b.Fatalf("backup: %d %s%s", code, out, errOut)
		}
		time.Sleep(5 * time.Second)
		close(stop)
		wg.Wait()
		serve.Process.Kill()
		serve.Wait()

		var before, during []time.Duration
		failed := 0
		for _, s := range samples {
			if !s.ok {
				failed++
				continue
			}
			switch {
			case s.at.Before(bStart) && s.at.After(bStart.Add(-15*time.Second)):
				before = append(before, s.dur)
			case !s.at.Before(bStart) && s.at.Before(bEnd):
				during = append(during, s.dur)
			}
		}
		p := func(d []time.Duration, q float64) time.Duration {
			if len(d) == 0 {
				return 0
			}
			slices.Sort(d)
			return d[int(q*float64(len(d)-1))]
		}
		fi, _ := os.Stat(db)
		b.Logf("database %.0f MB, %d updates/s; backup took %s: %s", float64(fi.Size())/(1<<20), rate, bEnd.Sub(bStart).Round(time.Millisecond), firstLine(out))
		b.Logf("15 s before: %d updates, p50 %s, p99 %s; during the backup: %d updates, p50 %s, p99 %s; failed %d",
			len(before), p(before, 0.5), p(before, 0.99), len(during), p(during, 0.5), p(during, 0.99), failed)

		target := filepath.Join(b.TempDir(), "restored.db")
		rStart := time.Now()
		code, out, errOut = runBinary(b, dir, []string{"TAMKEEN_DB=" + target}, "restore", backupFile)
		if code != 0 {
			b.Fatalf("restore: %d %s%s", code, out, errOut)
		}
		b.Logf("restore took %s: %s", time.Since(rStart).Round(time.Millisecond), firstLine(out))
	}
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// fill grows the database at db to about size bytes with people, their
// conversations and messages sent to them, shaped like the real tables.
func fill(b *testing.B, dir, db string, size int64) {
	b.Helper()
	if code, out, errOut := runBinary(b, dir, []string{"TAMKEEN_DB=" + db}, "migrate"); code != 0 {
		b.Fatalf("migrate: %s%s", out, errOut)
	}
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	const batch = 20_000
	start := time.Now()
	for round := int64(0); ; round++ {
		fi, err := os.Stat(db)
		if err != nil {
			b.Fatal(err)
		}
		if fi.Size() >= size {
			break
		}
		first := round*batch + 1
		for _, q := range []string{
			`INSERT INTO contacts (id, telegram_chat_id, language, name, governorate, track, consent_at, created_at, updated_at)
			 WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 SELECT i, 100000000 + i, 'ar', 'اسم تجريبي ' || i, 'muscat', 'job', datetime('now'), datetime('now'), datetime('now') FROM n`,
			`INSERT INTO conversation_states (contact_id, data, step, updated_at)
			 WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 SELECT i, '{"step":"menu","lang":"ar","answers":{"q1":"a","q2":"b","q3":"c"},"pad":"' || hex(randomblob(120)) || '"}', 'menu', datetime('now') FROM n`,
			`INSERT INTO inbound_messages (channel, external_id, contact_id, received_at)
			 WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 SELECT 'telegram', 'fill-' || i || '-' || j.k, i, datetime('now') FROM n, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) j`,
			`INSERT INTO outbox (contact_id, channel, recipient, language, priority, payload, status, attempts, next_attempt_at, dedupe_key, created_at, updated_at, sent_at, provider_id)
			 WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			 SELECT i, 'telegram', 100000000 + i, 'ar', 0, '{"key":"menu.main","data":{"Name":"اسم"},"options":[{"key":"menu.aw"},{"key":"menu.opps"},{"key":"menu.signups"}],"pad":"' || hex(randomblob(200)) || '"}',
			   'sent', 1, datetime('now'), 'fill:' || i || ':' || j.k, datetime('now'), datetime('now'), datetime('now'), 'p' || i
			 FROM n, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) j`,
		} {
			if _, err := conn.Exec(q, first, first+batch-1); err != nil {
				b.Fatalf("fill: %v", err)
			}
		}
	}
	if _, err := conn.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(db)
	b.Logf("filled the database to %.0f MB in %s", float64(fi.Size())/(1<<20), time.Since(start).Round(time.Second))
}
