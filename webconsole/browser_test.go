package webconsole_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/webconsole"
)

// chromium finds Debian's Chromium (.ci/run installs it when missing).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on this machine: apt-get install chromium (.ci/run does) to run the browser test")
	return ""
}

// TestBrowserSignInComposeAndSend drives Chromium through a caseworker's
// day: sign in, create an opportunity, compose a broadcast and watch the
// segment count change while typing Arabic, send it, and watch its progress
// reach 100 % against a fake Twilio. Screenshots of the dashboard in both
// languages go to $TAMKEEN_SCREENSHOTS (default: a temporary folder).
func TestBrowserSignInComposeAndSend(t *testing.T) {
	exe := chromium(t)
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, SMSPrice: 0.012, SMSCurrency: "OMR"})
	account(t, s, "mona", store.RoleStaff, "caseworker pass phrase")
	for _, p := range []string{"+96890000001", "+96890000002", "+96890000003"} {
		phoneContact(t, s, p, "muscat", "ar", true)
	}
	fake := twiliotest.New(t, twiliotest.Config{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "twiliotoken0123", From: "+96880000000"})
	p := pipelinetest.New(t, s, clk)
	sender, err := sms.NewSender(config.Twilio{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "twiliotoken0123",
		From: "+96880000000", APIBaseURL: fake.URL(), Rate: 1000}, sms.Options{Renderer: p.Renderer, Pages: s,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dispatcher := notifier.NewDispatcher(s, []bot.Sender{sender}, clock.System{}, p.Log, metrics.New(), notifier.DispatcherConfig{})

	shots := os.Getenv("TAMKEEN_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shoot := func(name string) {
		t.Helper()
		var png []byte
		run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url := e.srv.URL

	run("sign in",
		chromedp.Navigate(url+"/console/login"),
		chromedp.SendKeys("#username", "mona", chromedp.ByQuery),
		chromedp.SendKeys("#password", "caseworker pass phrase", chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible(`span.who`, chromedp.ByQuery),
	)
	shoot("dashboard-ar.png")
	run("English", chromedp.Navigate(url+"/console/?lang=en"), chromedp.WaitVisible(`span.who`, chromedp.ByQuery))
	shoot("dashboard-en.png")
	run("impact over time", chromedp.Navigate(url+"/console/impact"), chromedp.WaitVisible(`#funnel-chart`, chromedp.ByQuery))
	shoot("impact-en.png")

	var loc string
	run("create an opportunity",
		chromedp.Navigate(url+"/console/opportunities/new?lang=ar"),
		chromedp.SendKeys(`input[name="title_ar"]`, "دورة تصوير المنتجات", chromedp.ByQuery),
		chromedp.SetValue(`input[name="starts_at"]`, "2026-12-10T09:30", chromedp.ByQuery),
		chromedp.SetValue(`input[name="capacity"]`, "10", chromedp.ByQuery),
		chromedp.Click(`form.form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#opportunity-state`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.Contains(loc, "/console/opportunities/") {
		t.Fatalf("after creating an opportunity: %s", loc)
	}

	// Typing Arabic: 60 letters are one segment, 20 more make two.
	var segs string
	run("compose",
		chromedp.Navigate(url+"/console/broadcasts/new"),
		chromedp.Click(`input[name="channel"][value="telegram"]`, chromedp.ByQuery), // SMS only
		chromedp.SendKeys(`textarea[name="text_ar"]`, strings.Repeat("ب", 60), chromedp.ByQuery),
		waitText("#preview .segments", "الشرائح 1 "),
		chromedp.Text("#preview .segments", &segs, chromedp.ByQuery),
	)
	t.Logf("after 60 letters: %s", segs)
	run("type more",
		chromedp.SendKeys(`textarea[name="text_ar"]`, strings.Repeat("ت", 20), chromedp.ByQuery),
		waitText("#preview .segments", "الشرائح 2 "),
		waitText("#audience-count", "3"),
		waitText("#sms-cost", "0.072 OMR"), // 3 people × 2 segments × 0.012
	)
	shoot("composer-ar.png")
	run("send",
		chromedp.Click(`.actions button[type="submit"]:not([formaction])`, chromedp.ByQuery),
		chromedp.WaitVisible(`#status`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.HasSuffix(loc, "/console/broadcasts/1") {
		t.Fatalf("after sending: %s", loc)
	}

	// The service expands and sends; the page shows the progress.
	bctx := context.Background()
	if err := e.broadcasts.Expand(bctx); err != nil {
		t.Fatal(err)
	}
	if err := dispatcher.Drain(bctx); err != nil {
		t.Fatal(err)
	}
	run("progress", chromedp.Reload(), waitText("#percent", "100 %"))
	shoot("broadcast-sent-ar.png")
	if got := len(fake.Messages()); got != 3 {
		rep, _ := e.broadcasts.Report(bctx, 1)
		var why string
		if prof, err := s.ContactProfile(bctx, 1); err == nil && len(prof.Messages) > 0 {
			why = prof.Messages[0].Error
		}
		t.Fatalf("the fake Twilio got %d messages, want 3; counts %+v; first error %q", got, rep.Counts, why)
	}
	t.Logf("screenshots in %s", shots)
}

// waitText waits until the element's text contains want.
func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var got string
			if err := chromedp.Text(sel, &got, chromedp.ByQuery, chromedp.NodeVisible).Do(ctx); err == nil && strings.Contains(got, want) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
