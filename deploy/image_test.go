package deploy

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/internal/racedetect"
)

// maxImageBytes is the image's size budget.
const maxImageBytes = 30 << 20

// imageConfig is what the test reads of `<engine> image inspect` (Docker and Podman agree on these).
type imageConfig struct {
	Size        int64
	Healthcheck *struct{ Test []string } // podman puts it here
	Config      struct {
		User        string
		Env         []string
		Entrypoint  []string
		Cmd         []string
		WorkingDir  string
		Volumes     map[string]struct{}
		Healthcheck *struct{ Test []string } // docker here
	}
}

// containerEngine returns podman or docker, whichever answers, or skips.
func containerEngine(t *testing.T) string {
	t.Helper()
	for _, e := range []string{"podman", "docker"} {
		if _, err := exec.LookPath(e); err == nil && exec.Command(e, "info").Run() == nil {
			return e
		}
	}
	t.Skip("image test skipped: neither podman nor docker answers here (apt-get install podman; .ci/run does)")
	return ""
}

// The image as an operator gets it: built by deploy/image.sh without
// pulling anything, small, not root, with a volume. Containers cannot be
// started on the CI machines, so its filesystem is exported and its
// entrypoint run under chroot as the image's user: it starts as
// configured, reads a secret from a file, finds its time zones (Cairo:
// nothing on the host helps inside the chroot) and its CA bundle (HTTPS to
// a fake Bot API), answers /readyz and its own health check, backs up
// while it serves, and the backup restores into a second copy of the image
// with the same people.
func TestImageRunsAsConfigured(t *testing.T) {
	switch {
	case testing.Short():
		t.Skip("image test skipped in -short mode")
	case runtime.GOOS != "linux":
		t.Skip("image test skipped: it needs Linux")
	case racedetect.Enabled:
		t.Skip("image test skipped under -race: the image is built and checked in the run without it")
	case os.Geteuid() != 0:
		t.Skip("image test skipped: running the entrypoint under chroot needs root (the CI runs as root)")
	}
	engine := containerEngine(t)
	tag := os.Getenv("TAMKEEN_TEST_IMAGE")
	if tag == "" {
		tag = fmt.Sprintf("tamkeen:test-%d", os.Getpid())
		build := exec.Command("bash", "image.sh", tag)
		build.Env = append(os.Environ(), "CONTAINER_ENGINE="+engine)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("deploy/image.sh: %v\n%s", err, out)
		}
		t.Cleanup(func() { exec.Command(engine, "rmi", "-f", tag).Run() })
	}
	cfg := inspect(t, engine, tag)
	t.Logf("image %s: %.1f MB, user %s", tag, float64(cfg.Size)/(1<<20), cfg.Config.User)
	if cfg.Size > maxImageBytes {
		t.Errorf("the image is %d bytes, over the budget of %d", cfg.Size, maxImageBytes)
	}
	hc := cfg.Healthcheck
	if hc == nil {
		hc = cfg.Config.Healthcheck
	}
	if hc == nil || strings.Join(hc.Test, " ") != "CMD /tamkeen healthcheck" {
		t.Errorf("health check = %+v, want CMD /tamkeen healthcheck", hc)
	}
	if _, ok := cfg.Config.Volumes["/data"]; !ok {
		t.Errorf("volumes = %v, want /data", cfg.Config.Volumes)
	}
	first, second := exportTwice(t, engine, tag)
	uid, gid := imageUser(t, first, cfg.Config.User)
	if uid == 0 {
		t.Fatalf("the image runs as root (USER %q)", cfg.Config.User)
	}
	if fi, err := os.Stat(filepath.Join(first, "data")); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uid {
		t.Errorf("/data is not the image user's to write (%v)", err)
	}

	// The bundle holds the public roots; the fake Bot API's own root is added
	// to it, as an operator adds a private CA, to see that the binary reads
	// this very file.
	bundle := filepath.Join(first, "etc/ssl/certs/ca-certificates.crt")
	if n := countCerts(t, bundle); n < 100 {
		t.Errorf("the CA bundle holds %d certificates: not a real bundle", n)
	}
	fake := telegramtest.New(t)
	target, _ := url.Parse(fake.URL)
	tlsAPI := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	defer tlsAPI.Close()
	f, err := os.OpenFile(bundle, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: tlsAPI.Certificate().Raw})
	f.Close()

	// A secret given as a file, readable by the image's user only.
	tokenFile := filepath.Join(first, "data", "telegram-token")
	os.WriteFile(tokenFile, []byte(telegramtest.Token+"\n"), 0o400)
	os.Chown(tokenFile, int(uid), int(gid))

	addr := freeAddr(t)
	env := append(append([]string(nil), cfg.Config.Env...),
		"TAMKEEN_HTTP_ADDR="+addr, "TAMKEEN_COUNTRY=EG", "TAMKEEN_QUIET_HOURS=",
		"TELEGRAM_BOT_TOKEN_FILE=/data/telegram-token",
		"TELEGRAM_API_ENDPOINT="+tlsAPI.URL+"/bot%s/%s")
	logs := &syncBuffer{}
	serve := inImage(first, cfg, uid, gid, env)
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	waitReady(t, "http://"+addr+"/readyz", logs)

	if m := regexp.MustCompile(`"msg":"serving HTTP".*"timezone":"([^"]+)"`).FindStringSubmatch(logs.String()); m == nil || m[1] != "Africa/Cairo" {
		t.Errorf("serve does not log JSON with the Cairo time zone:\n%s", logs.String())
	}
	if ids := processIDs(t, serve.Process.Pid); ids != strings.Repeat(strconv.Itoa(int(uid))+" ", 4) {
		t.Errorf("the entrypoint runs with uids %q, want the image user %d", ids, uid)
	}
	check := inImage(first, cfg, uid, gid, append(cfg.Config.Env, "TAMKEEN_HTTP_ADDR="+addr))
	check.Args = append(check.Args[:len(cfg.Config.Entrypoint)], "healthcheck")
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("the image's health check fails: %v\n%s", err, out)
	}

	person := telegramtest.User{ID: 7001, FirstName: "Huda"}
	fake.Push(telegramtest.Message(person, "مرحبا"))
	waitFor(t, "a reply over HTTPS", func() bool { return len(fake.SentTo(person.ID)) > 0 })

	bk := inImage(first, cfg, uid, gid, cfg.Config.Env)
	bk.Args = append(bk.Args[:len(cfg.Config.Entrypoint)], "backup", "/data/backup.db")
	out, err := bk.CombinedOutput()
	if err != nil {
		t.Fatalf("backup inside the image while it serves: %v\n%s", err, out)
	}
	people := contactsIn(t, string(out))
	if people < 1 {
		t.Errorf("the backup holds %d contacts, want the person who wrote:\n%s", people, out)
	}
	serve.Process.Signal(syscall.SIGTERM)
	if err := serve.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly: %v\n%s", err, logs.String())
	}

	// A second container: the backup restored into its empty volume.
	raw, err := os.ReadFile(filepath.Join(first, "data", "backup.db"))
	if err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(second, "data", "backup.db")
	os.WriteFile(restored, raw, 0o600)
	os.Chown(restored, int(uid), int(gid))
	rs := inImage(second, cfg, uid, gid, cfg.Config.Env)
	rs.Args = append(rs.Args[:len(cfg.Config.Entrypoint)], "restore", "/data/backup.db")
	out, err = rs.CombinedOutput()
	if err != nil {
		t.Fatalf("restore inside the second image: %v\n%s", err, out)
	}
	if got := contactsIn(t, string(out)); got != people {
		t.Errorf("the restored database holds %d contacts, the backup %d", got, people)
	}
}

func inspect(t *testing.T, engine, tag string) imageConfig {
	t.Helper()
	out, err := exec.Command(engine, "image", "inspect", tag).Output()
	if err != nil {
		t.Fatalf("%s image inspect %s: %v", engine, tag, err)
	}
	var cfgs []imageConfig
	if err := json.Unmarshal(out, &cfgs); err != nil || len(cfgs) != 1 {
		t.Fatalf("image inspect: %v\n%s", err, out)
	}
	return cfgs[0]
}

// exportTwice unpacks the image's filesystem into two folders (two containers).
func exportTwice(t *testing.T, engine, tag string) (string, string) {
	t.Helper()
	id, err := exec.Command(engine, "create", "--no-healthcheck", tag).Output()
	if err != nil && engine == "docker" {
		id, err = exec.Command(engine, "create", tag).Output()
	}
	if err != nil {
		t.Fatalf("%s create: %v", engine, err)
	}
	container := strings.TrimSpace(string(id))
	defer exec.Command(engine, "rm", "-f", container).Run()
	tarball := filepath.Join(t.TempDir(), "rootfs.tar")
	if out, err := exec.Command(engine, "export", "-o", tarball, container).CombinedOutput(); err != nil {
		t.Fatalf("%s export: %v\n%s", engine, err, out)
	}
	var dirs []string
	for range 2 {
		dir := t.TempDir()
		if out, err := exec.Command("tar", "-x", "--same-owner", "--numeric-owner", "-p", "-f", tarball, "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("tar: %v\n%s", err, out)
		}
		dirs = append(dirs, dir)
	}
	return dirs[0], dirs[1]
}

// imageUser reads USER (uid[:gid] or a name in the image's /etc/passwd).
func imageUser(t *testing.T, root, user string) (uint32, uint32) {
	t.Helper()
	name, group, _ := strings.Cut(user, ":")
	if name == "" {
		return 0, 0
	}
	uid, err := strconv.ParseUint(name, 10, 32)
	gid := uid
	if err != nil {
		passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
		found := false
		for _, line := range strings.Split(string(passwd), "\n") {
			f := strings.Split(line, ":")
			if len(f) > 3 && f[0] == name {
				uid, _ = strconv.ParseUint(f[2], 10, 32)
				gid, _ = strconv.ParseUint(f[3], 10, 32)
				found = true
			}
		}
		if !found {
			t.Fatalf("USER %q is not in the image's /etc/passwd", user)
		}
	}
	if group != "" {
		g, err := strconv.ParseUint(group, 10, 32)
		if err != nil {
			t.Fatalf("USER %q: give the group as a number", user)
		}
		gid = g
	}
	return uint32(uid), uint32(gid)
}

// inImage is the image's entrypoint and command, run under chroot in root as uid:gid.
func inImage(root string, cfg imageConfig, uid, gid uint32, env []string) *exec.Cmd {
	argv := append(append([]string(nil), cfg.Config.Entrypoint...), cfg.Config.Cmd...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = cfg.Config.WorkingDir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}},
	}
	return cmd
}

func countCerts(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the image has no CA bundle: %v", err)
	}
	n := 0
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Errorf("the CA bundle holds a certificate that does not parse: %v", err)
		}
		n++
	}
	return n
}

// processIDs returns the real, effective, saved and filesystem uids of pid.
func processIDs(t *testing.T, pid int) string {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			return strings.Join(strings.Fields(rest), " ") + " "
		}
	}
	return ""
}

var contactsRow = regexp.MustCompile(`(?m)^\s+contacts\s+(\d+)$`)

func contactsIn(t *testing.T, out string) int {
	t.Helper()
	m := contactsRow.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no contacts row count in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func freeAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

func waitReady(t *testing.T, u string, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 30 s:\n%s", u, logs)
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
