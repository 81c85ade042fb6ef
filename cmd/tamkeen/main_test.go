package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the tamkeen command built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tamkeen-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tamkeen")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tamkeen: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command runs tamkeen in dir with only the given environment.
func command(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd
}

// syncBuffer collects a process's output while tests read it.
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

var servingAddr = regexp.MustCompile(`(?:msg="serving HTTP" addr=|"msg":"serving HTTP","addr":")([^\s"]+)`)

// startServe runs `tamkeen serve` in dir with env and returns it once it
// listens, with its address and its logs. The process is killed at cleanup
// if the test has not stopped it.
func startServe(t testing.TB, dir string, env []string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cmd := command(dir, append([]string{"TAMKEEN_HTTP_ADDR=127.0.0.1:0"}, env...), "serve")
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAddr.FindStringSubmatch(logs.String()); m != nil {
			return cmd, m[1], logs
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not start listening:\n%s", logs.String())
	return nil, "", nil
}

func TestServeWithNoEnvironmentStartsAnswersAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, logs := startServe(t, dir, nil)
	for _, c := range []struct{ path, want string }{
		{"/healthz", `"status":"ok"`},
		{"/readyz", `"database":"ok"`},
		{"/metrics", `tamkeen_http_requests_total{code="200",route="healthz"} 1`},
	} {
		resp, err := http.Get("http://" + addr + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s = %d, want 200 with %q", c.path, resp.StatusCode, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tamkeen.db")); err != nil {
		t.Errorf("the default SQLite file was not created: %v", err)
	}
	for _, want := range []string{"channel off: telegram", "TELEGRAM_BOT_TOKEN is not set", "channel off: sms", "TWILIO_ACCOUNT_SID", "channel off: whatsapp", "WHATSAPP_ACCESS_TOKEN"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs do not say %q:\n%s", want, logs.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly on SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "stopped cleanly") {
		t.Errorf("no clean-stop log:\n%s", logs.String())
	}
}

func TestBadConfigurationExitsWithCode2AndNamesTheVariable(t *testing.T) {
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"TAMKEEN_TIMEZONE=Mars/Olympus"}, []string{"serve"}, "TAMKEEN_TIMEZONE"},
		{[]string{"TAMKEEN_QUIET_HOURS=late"}, []string{"chat"}, "TAMKEEN_QUIET_HOURS"},
		{[]string{"WHATSAPP_ACCESS_TOKEN=EAAG", "WHATSAPP_APP_SECRET=s"}, []string{"serve"}, "WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_VERIFY_TOKEN: not set"},
		{[]string{"TAMKEEN_TRUSTED_PROXIES=10.0.0.0/33"}, []string{"serve"}, "TAMKEEN_TRUSTED_PROXIES=\"10.0.0.0/33\""},
		{[]string{"TAMKEEN_COUNTRY=FR"}, []string{"chat", "--lang", "ar"}, "TAMKEEN_COUNTRY=\"FR\": allowed values are EG, JO, OM, SA"},
		{nil, []string{"chat", "--lang", "fr"}, "--lang"},
		{nil, []string{"chat", "--phone", "12"}, "--phone"},
		{nil, []string{"fly"}, "unknown command"},
		{[]string{"TAMKEEN_ADMIN_TOKEN=0123456789abcdef0", "TAMKEEN_ADMIN_TOKEN_FILE=/run/secrets/admin"}, []string{"serve"}, "TAMKEEN_ADMIN_TOKEN and TAMKEEN_ADMIN_TOKEN_FILE are both set"},
		{[]string{"TELEGRAM_BOT_TOKEN_FILE=/nonexistent/token"}, []string{"serve"}, `TELEGRAM_BOT_TOKEN_FILE="/nonexistent/token": cannot read the file`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := command(t.TempDir(), c.env, c.args...)
			cmd.Stderr = &stderr
			cmd.Stdin = strings.NewReader("")
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Fatalf("exit code %d (%v), want 2\n%s", code, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr does not name %q:\n%s", c.want, stderr.String())
			}
		})
	}
}

// chatSession runs one scripted chat session on the database in dir.
func chatSession(t *testing.T, dir string, lines ...string) string {
	t.Helper()
	return chatSessionAs(t, dir, "local", lines...)
}

// chatSessionAs runs one scripted chat session of the console user user.
func chatSessionAs(t *testing.T, dir, user string, lines ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := command(dir, nil, "chat", "--user", user)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chat failed: %v\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		t.Fatalf("chat did not finish")
	}
	return stdout.String()
}

// TAMKEEN_COUNTRY=JO tamkeen chat (and SA, EG, OM) offers that country's
// regions and names its program in the first lesson.
func TestChatShowsTheChosenCountrysRegionsAndProgram(t *testing.T) {
	cases := []struct{ country, region, program, foreign string }{
		{"OM", "ظفار", "«تمكين» برنامج من وزارة التنمية الاجتماعية", "إربد"},
		{"JO", "إربد", "صندوق المعونة الوطنية", "ظفار"},
		{"SA", "جازان", "التمكين الاجتماعي", "الجيزة"},
		{"EG", "الجيزة", "وزارة التضامن الاجتماعي", "جازان"},
	}
	for _, c := range cases {
		t.Run(c.country, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := command(t.TempDir(), []string{"TAMKEEN_COUNTRY=" + c.country}, "chat", "--lang", "ar")
			cmd.Stdin = strings.NewReader(strings.Join([]string{"مرحبا", "1", "اسم تجريبي", c.region, "1", "1"}, "\n") + "\n")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("chat: %v\n%s", err, stderr.String())
			}
			out := stdout.String()
			if !strings.Contains(out, c.region) || !strings.Contains(out, c.program) || strings.Contains(out, c.foreign) {
				t.Errorf("want %s and %q without %s:\n%s", c.region, c.program, c.foreign, out)
			}
		})
	}
}

func TestScriptedArabicChatReachesASignUpAndSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	// First session: language, consent and name, then the terminal closes.
	out := chatSession(t, dir, "مرحبا", "1", "١", "مريم الهنائية")
	if !strings.Contains(out, "ما محافظة سكنك؟") || strings.Contains(out, "لم أفهم") {
		t.Fatalf("first session did not reach the governorate question without a misunderstanding:\n%s", out)
	}
	// Second session: the bot remembers where the conversation was.
	out = chatSession(t, dir, "٢", "3", "1", "1")
	first, _ := bufio.NewReader(strings.NewReader(out)).ReadString('\n')
	if !strings.Contains(first, "ما محافظة سكنك؟") {
		t.Errorf("after a restart the chat should resume at the governorate question, began with %q", first)
	}
	if !strings.Contains(out, "تم تسجيلك في «تجريبي: ملتقى تمكين الأسر» يا مريم الهنائية") {
		t.Errorf("no confirmed sign-up in the transcript:\n%s", out)
	}
}

// The skills check as the least-skilled person answers it (the answers
// that once crashed `tamkeen chat` at the store for ever): the chat ends
// with her result, and that every skill can be learned.
func TestChatSkillsCheckWithNoStrengthsEndsWithTheResult(t *testing.T) {
	out := chatSession(t, t.TempDir(), "1", "1", "علياء", "1", "2", "1", "4", "6", "1", "4", "3", "3", "5", "4")
	if !strings.Contains(out, "نتيجتك") || !strings.Contains(out, "كل مهارة يمكن تعلّمها") {
		t.Fatalf("no result for the person with no strengths:\n%s", out)
	}
}

// `tamkeen chat` runs no scheduler: a place given up must still go to the
// first person waiting at once, not to whoever signs up next.
func TestChatGivesAFreedPlaceToTheFirstPersonWaiting(t *testing.T) {
	dir := t.TempDir()
	// Arabic, consent, name, Dhofar, opportunities, the forum (2 places), sign up.
	signUp := func(user, name string) string {
		return chatSessionAs(t, dir, user, "1", "1", name, "2", "3", "1", "1")
	}
	signUp("a", "علياء")
	signUp("b", "بدرية")
	if out := signUp("c", "سلمى"); !strings.Contains(out, "وأنت الأول فيها") {
		t.Fatalf("the third person should be first on the waiting list:\n%s", out)
	}
	// a gives up her place: menu, my sign-ups, the forum, cancel, yes.
	out := chatSessionAs(t, dir, "a", "قائمة", "4", "1", "1", "1")
	if !strings.Contains(out, "أُلغي تسجيلك") {
		t.Fatalf("cancelling did not go through:\n%s", out)
	}
	// The good news is c's: a's terminal shows it under c's name, if at all.
	if i := strings.Index(out, "خبر سار"); i >= 0 && !strings.Contains(out[:i], "— رسالة إلى c —") {
		t.Errorf("a's terminal shows c's promotion as if it were a's:\n%s", out)
	}
	if out := signUp("d", "دانة"); !strings.Contains(out, "قائمة الانتظار") || strings.Contains(out, "تم تسجيلك في") {
		t.Errorf("a newcomer took the freed place instead of the person waiting:\n%s", out)
	}
	if out := chatSessionAs(t, dir, "c", "قائمة", "4"); !strings.Contains(out, "(تسجيل مؤكد)") {
		t.Errorf("the person waiting did not get the freed place:\n%s", out)
	}
}

// The README's scripted example runs as written and reaches a confirmed
// sign-up without a single "I did not understand".
func TestREADMEScriptedChat(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`go build -o tamkeen \./cmd/tamkeen && (printf '[^']*' \\\| (TAMKEEN_DB=[^ ]*(?:\$\([^)]*\))?[^ ]* )?\./tamkeen chat)`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no `go build -o tamkeen ./cmd/tamkeen && printf '…' | ./tamkeen chat` line")
	}
	if len(m[2]) == 0 {
		t.Fatal("README: the scripted chat must use a fresh TAMKEEN_DB, or it continues the conversation `serve --chat` left in tamkeen.db")
	}
	// As a reader would: `serve --chat` first (its console user registered,
	// at the main menu, in ./tamkeen.db), then the scripted line, as written,
	// by a shell in the same folder.
	dir := t.TempDir()
	chatSession(t, dir, "مرحبا", "1", "1", "فاطمة", "1")
	line := strings.ReplaceAll(string(m[1]), `\|`, "|")
	line = strings.Replace(line, "./tamkeen chat", binary+" chat", 1)
	sh := exec.Command("sh", "-c", line)
	sh.Dir, sh.Env = dir, []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + t.TempDir()}
	out, err := sh.Output()
	if err != nil || !strings.Contains(string(out), "تم تسجيلك في «") || strings.Contains(string(out), "لم أفهم") {
		t.Errorf("the README's chat %q does not reach a sign-up cleanly (%v):\n%s", line, err, out)
	}
}

func TestVersion(t *testing.T) {
	out, err := command(t.TempDir(), nil, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "tamkeen ") {
		t.Fatalf("version = %q, %v", out, err)
	}
}

// Order events come from a marketplace for producer families (Maksab in
// Oman): in a pack without one the endpoint stays off even with a secret,
// and the log says why; in Oman's it is on.
func TestOrderEventsOnlyWhereThePackHasAMarketplace(t *testing.T) {
	for _, c := range []struct {
		country string
		on      bool
	}{{"OM", true}, {"JO", false}} {
		t.Run(c.country, func(t *testing.T) {
			_, addr, logs := startServe(t, t.TempDir(), []string{"TAMKEEN_COUNTRY=" + c.country, "TAMKEEN_ORDERS_SECRET=0123456789abcdef"})
			resp, err := http.Post("http://"+addr+"/api/v1/orders/events", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if off := resp.StatusCode == http.StatusServiceUnavailable; off == c.on {
				t.Errorf("POST order event = %d; on = %v", resp.StatusCode, c.on)
			}
			if !c.on && !strings.Contains(logs.String(), "the country pack has no marketplace") {
				t.Errorf("the log does not say why order events are off:\n%s", logs.String())
			}
		})
	}
}

// `tamkeen content` shows staff the chosen pack: its regions and each lesson
// with the article its facts come from.
func TestContentShowsThePacksLessonsAndSources(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := command(t.TempDir(), []string{"TAMKEEN_COUNTRY=EG"}, "content", "--lang", "en")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("content: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"EGP", "regions (27)", "giza Giza", "takaful_karama", "004", "Ministry of Social Solidarity"} {
		if !strings.Contains(out, want) {
			t.Errorf("content output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Muscat") || strings.Contains(out, "Maksab") {
		t.Errorf("Egypt's pack shows Omani content:\n%s", out)
	}
}
