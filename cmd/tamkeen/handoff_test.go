package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The "done when", through the real binary: a newcomer chats
// «أريد التحدث مع موظف» in the terminal of `serve --chat`; a caseworker
// signs in to the console over HTTP, finds the conversation in the inbox,
// answers; the answer arrives in the terminal (within 2 s); the caseworker
// closes the conversation; the person is told, and the bot carries on.
func TestTerminalPersonAnsweredFromTheConsole(t *testing.T) {
	logs, out := &syncBuffer{}, &syncBuffer{}
	const admin = "a-long-admin-token-for-tests"
	cmd := command(t.TempDir(), []string{"TAMKEEN_HTTP_ADDR=127.0.0.1:0", "TAMKEEN_ADMIN_TOKEN=" + admin}, "serve", "--chat")
	cmd.Stderr, cmd.Stdout = logs, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	wait := func(what string, within time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > within {
				t.Fatalf("no %s within %s:\n%s\n--- logs:\n%s", what, within, out.String(), logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	var addr string
	wait("listening address", 20*time.Second, func() bool {
		m := servingAddr.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	say := func(line, want string) {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
		wait("«"+want+"» after «"+line+"»", 10*time.Second, func() bool { return strings.Contains(out.String(), want) })
	}
	wait("the greeting", 20*time.Second, func() bool { return strings.Contains(out.String(), "Choose your language") })
	say("1", "هل نتابع بموافقتك؟")
	say("1", "ما اسمك؟")
	say("سعاد العامري", "ما محافظة سكنك؟")
	say("2", "التحدث مع موظف")
	say("أريد التحدث مع موظف", "تم تحويل محادثتك إلى موظف")
	if _, err := io.WriteString(stdin, "متى تنزل المعونة؟\n"); err != nil {
		t.Fatal(err)
	}

	// The caseworker, in a browser: sign in with the token, open the inbox.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	base := "http://" + addr
	page := func(path string) string {
		t.Helper()
		res, err := browser.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	post := func(path string, form url.Values) {
		t.Helper()
		res, err := browser.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d\n%s", path, res.StatusCode, b)
		}
	}
	login := csrf.FindStringSubmatch(page("/console/login"))
	post("/console/login", url.Values{"token": {admin}, "csrf": {login[1]}})
	var thread string
	wait("the conversation in the inbox", 10*time.Second, func() bool {
		m := regexp.MustCompile(`href="(/console/inbox/\d+)">سعاد العامري`).FindStringSubmatch(page("/console/inbox"))
		if m != nil {
			thread = m[1]
		}
		return m != nil
	})
	wait("her question in the thread", 10*time.Second, func() bool { return strings.Contains(page(thread), "متى تنزل المعونة؟") })
	token := csrf.FindStringSubmatch(page(thread))[1]
	const answer = "تنزل المعونة في الأسبوع الأول من كل شهر."
	post(thread+"/reply", url.Values{"csrf": {token}, "text": {answer}})
	took := wait("the answer in the terminal", 2*time.Second, func() bool { return strings.Contains(out.String(), answer) })
	t.Logf("the answer reached the terminal %s after it was sent", took.Round(time.Millisecond))
	post(thread+"/close", url.Values{"csrf": {token}, "confirmed": {"yes"}})
	wait("the closing message", 5*time.Second, func() bool { return strings.Contains(out.String(), "انتهت محادثتك مع الموظفين") })
	before := strings.Count(out.String(), "القائمة الرئيسية يا سعاد العامري")
	say("شكرا", "العفو")
	wait("the menu again", 5*time.Second, func() bool {
		return strings.Count(out.String(), "القائمة الرئيسية يا سعاد العامري") > before
	})
}
