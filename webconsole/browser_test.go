package webconsole_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
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
	words, err := locales.Load("", "OM")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, SMSPrice: 0.012, SMSCurrency: "OMR",
		Importer: contactimport.New(s, words, "OM")})
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
	ctx, cancel := chromedp.NewContext(actx, quietEvents)
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

	// Typing Arabic: 60 letters are one SMS, 20 more make two. Only SMS is
	// set up here, so only SMS starts ticked.
	var segs string
	var telegramTicked bool
	run("compose",
		chromedp.Navigate(url+"/console/broadcasts/new"),
		chromedp.Evaluate(`document.querySelector('input[name="channel"][value="telegram"]').checked`, &telegramTicked),
		chromedp.SendKeys(`textarea[name="text_ar"]`, strings.Repeat("ب", 60), chromedp.ByQuery),
		waitText("#preview .segments", "60 حرفاً، تُرسل في رسالة قصيرة واحدة."),
		chromedp.Text("#preview .segments", &segs, chromedp.ByQuery),
	)
	if telegramTicked {
		t.Error("the composer ticks Telegram, which is not set up on this server")
	}
	t.Logf("after 60 letters: %s", segs)
	run("type more",
		chromedp.SendKeys(`textarea[name="text_ar"]`, strings.Repeat("ت", 20), chromedp.ByQuery),
		waitText("#preview .segments", "80 حرفاً، تُرسل في رسالتين قصيرتين."),
		waitText("#audience-count", "ستصل الرسالة الآن إلى 3 أشخاص"),
		waitText("#sms-cost", "0.072 ريال عماني"), // 3 people × 2 SMS × 0.012
	)
	shoot("composer-ar.png")
	// Sending asks first, in a dialog over the form: people and cost.
	run("send",
		chromedp.Click(`.actions button[data-confirm]`, chromedp.ByQuery),
		waitText("dialog.confirm-dialog", "ستصل إلى 3 أشخاص."),
		waitText("dialog.confirm-dialog", "الكلفة التقديرية: 0.072 ريال عماني مقابل 6 رسائل قصيرة."),
	)
	shoot("composer-confirm-ar.png")
	run("go back", chromedp.Click(`dialog #confirm-back`, chromedp.ByQuery), chromedp.WaitNotVisible(`dialog.confirm-dialog`, chromedp.ByQuery))
	if list, err := e.broadcasts.List(context.Background(), 0, 10); err != nil || len(list) != 0 {
		t.Fatalf("going back from the question sent a broadcast: %+v %v", list, err)
	}
	run("send, yes",
		chromedp.Click(`.actions button[data-confirm]`, chromedp.ByQuery),
		chromedp.WaitVisible(`dialog #confirm-yes button`, chromedp.ByQuery),
		chromedp.Click(`dialog #confirm-yes button`, chromedp.ByQuery),
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

	// A beneficiary list: uploaded, its dry run read, then applied.
	list, err := filepath.Abs("../demo/beneficiaries-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	var rejected string
	run("upload a list for a dry run",
		chromedp.Navigate(url+"/console/contacts/import?lang=ar"),
		chromedp.SendKeys("#source", "registry-2026", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{list}, chromedp.ByQuery),
		chromedp.Submit("#file", chromedp.ByQuery),
		chromedp.WaitVisible("#import-apply", chromedp.ByQuery),
		chromedp.Text("#import-rejected", &rejected, chromedp.ByQuery),
	)
	shoot("import-dry-run-ar.png")
	if !strings.Contains(rejected, "رقم الهاتف غير صحيح") || strings.Count(rejected, "phone:")+strings.Count(rejected, "region:")+strings.Count(rejected, "language:") != 5 {
		t.Fatalf("the dry run's rejected rows:\n%s", rejected)
	}
	if people, _ := s.ListContacts(bctx, store.ContactFilter{Limit: 100}); len(people) != 3 {
		t.Fatalf("the dry run changed the contacts: %d", len(people))
	}
	run("apply", chromedp.Click("#import-apply button", chromedp.ByQuery), chromedp.WaitVisible("#import-counts", chromedp.ByQuery))
	deadline := time.Now().Add(30 * time.Second)
	for people, _ := s.ListContacts(bctx, store.ContactFilter{Limit: 100}); len(people) != 3+7; people, _ = s.ListContacts(bctx, store.ContactFilter{Limit: 100}) {
		if time.Now().After(deadline) {
			t.Fatalf("after applying the list: %d contacts, want 10", len(people))
		}
		time.Sleep(20 * time.Millisecond)
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

// consolePages is every page of the console, for an administrator (who
// sees them all), once the fixture of busyConsole is in place.
var consolePages = []string{
	"/console/", "/console/impact", "/console/contacts?q=968", "/console/contacts/1", "/console/broadcasts",
	"/console/broadcasts/new", "/console/broadcasts/1", "/console/opportunities", "/console/opportunities/new",
	"/console/opportunities/1", "/console/orders", "/console/content", "/console/simulator", "/console/staff",
	"/console/audit", "/console/opportunities/999", "/console/inbox", "/console/inbox/1", "/console/inbox/canned",
	"/console/contacts/import",
}

// busyConsole is a console with data on every page: people with long Arabic
// names, sign-ups, a broadcast, orders and audit events, and an
// administrator "manager" to see it all.
func busyConsole(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(t0)
	s := storetest.SQLite(t, clk)
	words, err := locales.Load("", "OM")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, SMSPrice: 0.012, SMSCurrency: "OMR",
		Importer: contactimport.New(s, words, "OM")})
	account(t, s, "manager", store.RoleAdmin, "manager pass phrase")
	account(t, s, "mona", store.RoleStaff, "caseworker pass phrase")
	names := []string{"عائشة بنت سالم بن حمد المعمرية", "أحمد بن سعيد البلوشي", "إيمان الحارثية", "Fatma Al Balushi"}
	var ids []int64
	for i, n := range names {
		id := contact(t, s, vocab.Address{Phone: "+9689000000" + strconv.Itoa(i+1)}, func(c *store.Contact) {
			c.Name, c.Governorate, c.Language, c.ConsentAt = n, "north_al_batinah", "ar", &t0
			chat := 7000000000 + int64(i)
			c.TelegramChatID = &chat
		})
		ids = append(ids, id)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		for i, id := range ids {
			status := store.SignupRegistered
			if i == len(ids)-1 {
				status = store.SignupWaitlisted
			}
			if err := tx.SetSignup(id, 1, status); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	notice := func(*store.Contact, *store.Order) (string, error) { return `{"key":"order.status.placed"}`, nil }
	for i, st := range []string{"placed", "shipped"} {
		ev := store.OrderEventInput{EventID: "e" + st, OrderRef: "ORD-2026-000" + strconv.Itoa(i), Phone: "+96890000001", Status: st,
			OccurredAt: t0, Items: 3, Total: "12.500", Currency: "OMR"}
		if _, err := s.RecordOrderEvent(ctx, ev, notice); err != nil {
			t.Fatal(err)
		}
	}
	b := &store.Broadcast{Texts: map[string]string{"ar": "تبدأ غداً ورشة التسويق عبر الإنترنت في مركز صحار، الساعة التاسعة صباحاً. يرجى الحضور قبل الموعد بربع ساعة.",
		"en": "The online marketing workshop starts tomorrow at the Sohar centre, 9 am."},
		Audience: store.Audience{All: true}, Channels: []string{"sms"}, CreatedBy: "console:manager"}
	if _, err := e.broadcasts.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := e.broadcasts.Expand(ctx); err != nil {
		t.Fatal(err)
	}
	// A conversation waiting for a caseworker: /console/inbox/1.
	if id := asking(t, s, 7100000001, "مريم بنت خلفان بن سيف الشكيلية", "dhofar", "متى تنزل المعونة؟ ابني معاق، هل يحق له التدريب في مركز صلالة؟"); id != 1 {
		t.Fatalf("the conversation is %d, the pages list /console/inbox/1", id)
	}
	return e
}

// layoutProblems is run in the page: what makes it hard to use at this
// width, one line each. It checks that nothing widens the page beyond the
// window, that the menu stays compact, that every form control has a label
// placed next to it (nearer than any other control), that chart labels
// are legible and apart, and, in Arabic, that no Arabic words sit in a
// left-to-right box (where they read backwards).
const layoutProblems = `(function (maxMenu) {
  var out = [];
  function what(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) { s += "#" + el.id; }
    if (el.getAttribute("name")) { s += "[name=" + el.getAttribute("name") + "]"; }
    if (el.className && typeof el.className === "string") { s += "." + el.className.trim().split(/\s+/).join("."); }
    return s;
  }
  function shown(el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  }
  var vw = document.documentElement.clientWidth;
  var sw = document.documentElement.scrollWidth;
  if (sw > vw) {
    var wide = [];
    document.querySelectorAll("body *").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if ((r.right > vw + 1 || r.left < -1) && wide.length < 5 && shown(el)) { wide.push(what(el) + " " + Math.round(r.left) + ".." + Math.round(r.right)); }
    });
    out.push("the page is " + sw + " px wide in a " + vw + " px window: " + wide.join(", "));
  }
  document.querySelectorAll("dialog[open]").forEach(function (d) {
    var r = d.getBoundingClientRect();
    if (r.left < 0 || r.right > vw || r.top < 0 || r.bottom > window.innerHeight) {
      out.push("the dialog sticks out of the window: " + Math.round(r.left) + ".." + Math.round(r.right) + " × " + Math.round(r.top) + ".." + Math.round(r.bottom));
    }
  });
  var nav = document.querySelector("header nav");
  if (nav) {
    var h = nav.getBoundingClientRect().height;
    if (h > maxMenu) { out.push("the menu is " + Math.round(h) + " px high (at most " + maxMenu + ")"); }
  }
  var controls = Array.prototype.filter.call(document.querySelectorAll("input, select, textarea"), function (c) {
    return c.type !== "hidden" && c.type !== "submit" && c.type !== "button" && shown(c);
  });
  controls.forEach(function (c) {
    if ((!c.labels || c.labels.length === 0) && !c.getAttribute("aria-label")) { out.push("no label for " + what(c)); }
  });
  function gap(a, b) {
    var dx = Math.max(0, a.left - b.right, b.left - a.right);
    var dy = Math.max(0, a.top - b.bottom, b.top - a.bottom);
    return Math.sqrt(dx * dx + dy * dy);
  }
  document.querySelectorAll("label[for]").forEach(function (l) {
    var own = document.getElementById(l.htmlFor);
    if (!own) { out.push("label for=" + l.htmlFor + " names no control"); return; }
    if (!shown(l) || !shown(own)) { return; }
    var lr = l.getBoundingClientRect(), mine = gap(lr, own.getBoundingClientRect());
    controls.forEach(function (c) {
      if (c !== own && gap(lr, c.getBoundingClientRect()) < mine) {
        out.push("the label «" + l.textContent.trim() + "» is nearer " + what(c) + " than its own " + what(own));
      }
    });
  });
  document.querySelectorAll("svg").forEach(function (svg) {
    var vb = svg.viewBox && svg.viewBox.baseVal;
    if (!vb || !vb.width || !shown(svg)) { return; }
    var scale = svg.getBoundingClientRect().width / vb.width;
    var texts = Array.prototype.slice.call(svg.querySelectorAll("text"));
    texts.forEach(function (t, i) {
      var px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 11) { out.push("chart label «" + t.textContent + "» is " + px.toFixed(1) + " px"); }
      var a = t.getBoundingClientRect();
      for (var j = i + 1; j < texts.length; j++) {
        var b = texts[j].getBoundingClientRect();
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
          out.push("chart labels «" + t.textContent + "» and «" + texts[j].textContent + "» overlap");
        }
      }
    });
  });
  if (document.documentElement.lang === "ar") {
    var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (var n = walk.nextNode(); n; n = walk.nextNode()) {
      var el = n.parentElement;
      if (/[\u0621-\u064A]/.test(n.nodeValue) && shown(el) && !el.matches(":dir(rtl)")) {
        out.push("Arabic in a left-to-right box, read backwards: " + what(el) + " «" + n.nodeValue.trim().slice(0, 60) + "»");
      }
    }
  }
  return out;
})`

// TestBrowserEveryPageAtPhoneAndDesktopWidths opens every console page in
// Chromium at 390 px (a phone) and 1280 px, in Arabic and English, and
// checks what makes a page usable there (see layoutProblems). With
// TAMKEEN_SCREENSHOTS=dir it saves a full-page screenshot of each as
// dir/<page>-<lang>-<width>.png.
func TestBrowserEveryPageAtPhoneAndDesktopWidths(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	exe := chromium(t)
	e := busyConsole(t)
	shots := os.Getenv("TAMKEEN_SCREENSHOTS")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx, quietEvents)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	widths := []struct {
		w, h    int64
		maxMenu int // px: one line of links
		opts    []chromedp.EmulateViewportOption
	}{
		{390, 844, 48, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)}},
		{1280, 900, 48, nil},
	}
	// check opens page in lang at each width, does then (typing, a click),
	// and checks what layoutProblems checks; name names its screenshots.
	check := func(page, lang, name string, then ...chromedp.Action) {
		t.Helper()
		for _, w := range widths {
			var problems []string
			actions := []chromedp.Action{chromedp.EmulateViewport(w.w, w.h, w.opts...),
				chromedp.Navigate(e.srv.URL + withLang(page, lang)), chromedp.WaitReady("body", chromedp.ByQuery)}
			actions = append(actions, then...)
			run(name+" at "+strconv.Itoa(int(w.w)), append(actions,
				chromedp.Evaluate(layoutProblems+"("+strconv.Itoa(w.maxMenu)+")", &problems))...)
			for _, p := range problems {
				t.Errorf("%s in %s at %d px: %s", name, lang, w.w, p)
			}
			if shots != "" {
				png := pageShot(t, ctx, name, lang, w.w)
				if err := os.WriteFile(filepath.Join(shots, shotName(name, lang, w.w)), png, 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(name, "/typed") { // the preview alone, to read its lines
					var png []byte
					run("screenshot", chromedp.Screenshot("#preview", &png, chromedp.ByQuery))
					if err := os.WriteFile(filepath.Join(shots, shotName("/console/broadcasts/preview", lang, w.w)), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for _, lang := range []string{"ar", "en"} {
		check("/console/login", lang, "/console/login")
	}
	run("sign in",
		chromedp.Navigate(e.srv.URL+"/console/login"),
		chromedp.SendKeys("#username", "manager", chromedp.ByQuery),
		chromedp.SendKeys("#password", "manager pass phrase", chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible(`span.who`, chromedp.ByQuery),
	)
	for _, lang := range []string{"ar", "en"} {
		for _, page := range consolePages {
			check(page, lang, page)
		}
		// The composer's preview with both texts typed: the SMS page lines.
		check("/console/broadcasts/new", lang, "/console/broadcasts/new/typed",
			chromedp.SendKeys(`textarea[name="text_ar"]`, "تبدأ غداً ورشة التسويق عبر الإنترنت في مركز صحار، الساعة التاسعة صباحاً.", chromedp.ByQuery),
			chromedp.SendKeys(`textarea[name="text_en"]`, "The online marketing workshop starts tomorrow at 9 am.", chromedp.ByQuery),
			chromedp.WaitVisible(`#preview-en .sms-page`, chromedp.ByQuery))
		// Cancelling a place asks first: in a dialog over the page...
		check("/console/opportunities/1", lang, "/console/confirm/dialog",
			chromedp.Click(`#signups button[data-confirm]`, chromedp.ByQuery),
			chromedp.WaitVisible(`dialog.confirm-dialog #confirm-yes button`, chromedp.ByQuery))
	}
	// ...and without JavaScript, on a page of its own.
	run("no script", emulation.SetScriptExecutionDisabled(true))
	for _, lang := range []string{"ar", "en"} {
		check("/console/opportunities/1", lang, "/console/confirm/page",
			chromedp.Click(`#signups button[data-confirm]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#confirm-yes button`, chromedp.ByQuery))
	}
	rows, err := e.store.ListSignups(context.Background(), store.SignupFilter{OpportunityID: 1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status == store.SignupCancelled {
			t.Errorf("a place was cancelled without a yes: %+v", r)
		}
	}
	if shots != "" {
		t.Logf("screenshots in %s", shots)
	}
}

// quietEvents keeps chromedp from logging, as errors, the events of a newer
// Chromium that its protocol package does not know (dom.topLayerElementsUpdated,
// hundreds a run); anything else it reports is still logged.
var quietEvents = chromedp.WithErrorf(func(format string, args ...any) {
	if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unhandled node event") {
		log.Print(msg)
	}
})

// pageShot is a screenshot of the whole page as a person sees it. Chromium's
// capture beyond the viewport draws a right-to-left page that fits the
// window shifted sideways (the audit page by 266 px at 1280), so a page no
// taller than the window is captured as the window shows it; a taller one
// is captured whole. Either way the header's band must reach both edges
// at the top, or the picture is not the page.
func pageShot(t *testing.T, ctx context.Context, name, lang string, width int64) []byte {
	t.Helper()
	var tall bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollHeight > window.innerHeight`, &tall)); err != nil {
		t.Fatalf("screenshot of %s: %v", name, err)
	}
	var shot []byte
	var err error
	if tall {
		err = chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 100))
	} else {
		err = chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			shot, err = page.CaptureScreenshot().Do(ctx)
			return err
		}))
	}
	if err != nil {
		t.Fatalf("screenshot of %s: %v", name, err)
	}
	img, _, err := image.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", name, err)
	}
	b := img.Bounds()
	for _, x := range []int{b.Min.X + 2, b.Max.X - 3} {
		if r, g, bl, _ := img.At(x, b.Min.Y+2).RGBA(); r>>8 > 120 || g>>8 < 90 || bl>>8 > 140 { // the brand's green, lit or not
			t.Errorf("the screenshot of %s in %s at %d px is not the page as shown: at (%d, 2) it is rgb(%d, %d, %d), not the header", name, lang, width, x, r>>8, g>>8, bl>>8)
		}
	}
	return shot
}

// withLang adds lang= to a console path.
func withLang(page, lang string) string {
	if strings.Contains(page, "?") {
		return page + "&lang=" + lang
	}
	return page + "?lang=" + lang
}

// shotName is a screenshot's file name: console-contacts-q-968-ar-390.png.
func shotName(page, lang string, w int64) string {
	name := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, page), "-")
	if name == "console" {
		name = "console-dashboard"
	}
	return name + "-" + lang + "-" + strconv.Itoa(int(w)) + ".png"
}
