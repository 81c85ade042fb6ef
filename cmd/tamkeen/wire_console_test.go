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

// TestServeWebConsoleSimulatorAnswers: with TAMKEEN_ADMIN_TOKEN set, serve
// offers the console at / and its simulator gets the bot's answer through
// the real dispatcher (the web channel is wired in).
func TestServeWebConsoleSimulatorAnswers(t *testing.T) {
	_, addr, logs := startServe(t, t.TempDir(), []string{"TAMKEEN_ADMIN_TOKEN=serve-console-token"})
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	get := func(path string) string {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	login := get("/")
	if !strings.Contains(login, `name="token"`) {
		t.Fatal("/ does not lead to the console's login")
	}
	form := csrf.FindStringSubmatch(login) // the sign-in form's own token
	if form == nil {
		t.Fatalf("the sign-in form carries no token:\n%s", login)
	}
	res, err := client.PostForm(base+"/console/login", url.Values{"csrf": {form[1]}, "token": {"serve-console-token"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := csrf.FindStringSubmatch(get("/console/simulator"))
	if m == nil {
		t.Fatalf("not logged in:\n%s", logs.String())
	}
	res, err = client.PostForm(base+"/console/simulator", url.Values{"csrf": {m[1]}, "text": {"مرحبا"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(get("/console/simulator/messages"), "يرجى اختيار اللغة") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the simulator never showed the bot's answer:\n%s", logs.String())
}
