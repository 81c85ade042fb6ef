package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
)

var words = whatsapp.Words{ListButton: "الخيارات", Choose: "يرجى الاختيار:"}

var alphabet = []string{"ب", "ت", "م", "دِّ", "كَّ", "a", "e\u0301", "7", "٣", " ", " ", " ", "\n", "🌱", "👍🏽", "👩\u200d👧\u200d👦", "🇴🇲", "،", "."}

func randomText(r *rand.Rand, max int) string {
	var b strings.Builder
	n := r.IntN(max + 1)
	for i := 0; i < n; i++ {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// Whatever a reply holds (0 to 30 options with labels of any length in
// Arabic, English and emoji, some alike once shortened, payloads short,
// long or missing, and a text of up to 6,000 characters), the requests
// Layout makes are all accepted by the strict fake, which enforces
// WhatsApp's schema and limits; the options are offered in order as
// buttons (up to 3), a list (4 to 10) or numbered lines, and no word of
// the text is lost.
func TestLayoutAlwaysFitsWhatsApp(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("the layout does not touch the database")
		}
		u := whatsapptest.User{Phone: "+96892000001"}
		w.say(t, u, "hi") // opens the 24-hour window
		r := rand.New(rand.NewPCG(21, 21))
		ctx := context.Background()
		kinds := map[string]int{}
		for i := range 400 {
			m := bot.Message{Text: randomText(r, []int{0, 80, 1100, 6000}[i%4])}
			n := []int{0, 1, 2, 3, 4, 7, 10, 11, 27}[r.IntN(9)]
			for j := range n {
				p := fmt.Sprintf("opt:%d", j)
				switch r.IntN(20) {
				case 0:
					p = strings.Repeat("x", 300) // too long for a button or a row
				case 1:
					p = ""
				}
				label := strings.ReplaceAll(randomText(r, 40), "\n", " ")
				if strings.TrimSpace(label) == "" {
					label = "label"
				}
				m.Options = append(m.Options, bot.Option{Payload: p, Label: label})
			}
			reqs := whatsapp.Layout(m, words)
			if len(reqs) == 0 {
				if strings.TrimSpace(m.Text) != "" || n > 0 {
					t.Fatalf("nothing to send for %q with %d options", m.Text, n)
				}
				continue
			}
			var texts []string
			for _, req := range reqs {
				if err := whatsapp.Address(&req, u.Phone); err != nil {
					t.Fatal(err)
				}
				if _, err := w.ch.Post(ctx, req); err != nil {
					t.Fatalf("message %d (%d options, text of %d): refused: %v\n%+v", i, n, whatsapp.Units(m.Text), err, req)
				}
				switch {
				case req.Text != nil:
					texts = append(texts, req.Text.Body)
				case req.Interactive != nil && req.Interactive.Body.Text != words.Choose:
					texts = append(texts, req.Interactive.Body.Text)
				}
			}
			last := reqs[len(reqs)-1]
			sent := w.fake.Sent()
			kind := "text"
			if last.Interactive != nil {
				kind = last.Interactive.Type
				var ids []string
				for _, c := range sent[len(sent)-1].Choices() {
					ids = append(ids, c.ID)
				}
				var want []string
				for _, o := range m.Options {
					want = append(want, o.Payload)
				}
				if strings.Join(ids, "|") != strings.Join(want, "|") {
					t.Fatalf("choices %q, want the options' payloads %q", ids, want)
				}
				if kind == "button" && n > whatsapp.MaxButtons || kind == "list" && n > whatsapp.MaxRows {
					t.Fatalf("%d options as %s", n, kind)
				}
			} else if n > 0 {
				kind = "numbered"
				for j, o := range m.Options {
					if line := fmt.Sprintf("%d. %s", j+1, o.Label); !strings.Contains(strings.Join(texts, "\n"), line) {
						t.Fatalf("numbered lines lack %q", line)
					}
				}
			}
			kinds[kind]++
			whole := strings.Join(strings.Fields(m.Text), " ")
			if got := strings.Join(strings.Fields(strings.Join(texts, " ")), " "); !strings.HasPrefix(got, whole) {
				t.Fatalf("text lost words:\nwant %q\n got %q", whole, got)
			}
		}
		if r := w.fake.Refused(); len(r) > 0 {
			t.Fatalf("refused: %+v", r)
		}
		for _, k := range []string{"text", "button", "list", "numbered"} {
			if kinds[k] == 0 {
				t.Errorf("no message came out as %s: %v", k, kinds)
			}
		}
	})
}

// The layout by the number of options, and a body too long for buttons.
func TestLayoutByOptions(t *testing.T) {
	opts := func(n int) []bot.Option {
		var out []bot.Option
		for i := range n {
			out = append(out, bot.Option{Payload: fmt.Sprintf("p%d", i), Label: fmt.Sprintf("Option number %d", i+1)})
		}
		return out
	}
	long := strings.Repeat("كلمة ", 300) // 1,500 characters
	tests := []struct {
		name string
		m    bot.Message
		want string // the types of the requests
	}{
		{"no options", bot.Message{Text: "hello"}, "text"},
		{"a long text", bot.Message{Text: strings.Repeat("a ", 3000)}, "text text"},
		{"3 options", bot.Message{Text: "pick", Options: opts(3)}, "interactive/button"},
		{"4 options", bot.Message{Text: "pick", Options: opts(4)}, "interactive/list"},
		{"10 options", bot.Message{Text: "pick", Options: opts(10)}, "interactive/list"},
		{"27 governorates", bot.Message{Text: "pick", Options: opts(27)}, "text"},
		{"a body over 1,024", bot.Message{Text: long, Options: opts(2)}, "text interactive/button"},
		{"two titles alike go as a list", bot.Message{Text: "pick", Options: []bot.Option{
			{Payload: "a", Label: "Training for women in Muscat"}, {Payload: "b", Label: "Training for women in Dhofar"}}}, "interactive/list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range whatsapp.Layout(tt.m, words) {
				k := r.Type
				if r.Interactive != nil {
					k += "/" + r.Interactive.Type
				}
				got = append(got, k)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("layout %q, want %q", got, tt.want)
			}
		})
	}
	reqs := whatsapp.Layout(bot.Message{Text: long, Options: opts(2)}, words)
	if reqs[1].Interactive.Body.Text != words.Choose || strings.TrimSpace(reqs[0].Text.Body) != strings.TrimSpace(long) {
		t.Errorf("a long body goes whole as text, the buttons under %q", words.Choose)
	}
}

// A reply goes by "to" to a number and by "recipient" to a WhatsApp user
// id; anything else is refused before any call.
func TestAddressByNumberOrUserID(t *testing.T) {
	tests := []struct {
		recipient, to, userID string
		ok                    bool
	}{
		{"+96891234567", "96891234567", "", true},
		{"OM.1349120865530274", "", "OM.1349120865530274", true},
		{"OM.ENT.11815799212886844830", "", "OM.ENT.11815799212886844830", true},
		{"96891234567", "", "", false},
		{"whatsapp:+96891234567", "", "", false},
		{"om.123", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		var r whatsapp.Request
		err := whatsapp.Address(&r, tt.recipient)
		if (err == nil) != tt.ok || r.To != tt.to || r.Recipient != tt.userID {
			t.Errorf("Address(%q) = to %q recipient %q err %v", tt.recipient, r.To, r.Recipient, err)
		}
		if tt.ok && r.MessagingProduct != "whatsapp" {
			t.Errorf("Address(%q): messaging_product %q", tt.recipient, r.MessagingProduct)
		}
	}
}

// Each error WhatsApp answers with becomes the decision it implies: the
// throughput (130429) pauses the channel and the pair limit (131056) the
// person, like a 429; 131026 marks the person unreachable; 131047 says the
// window closed; 131050 and 131051 give the message up; 190 and 401 are
// the configuration's fault; 5xx and WhatsApp's own trouble are retried.
func TestErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		fl    whatsapptest.Failure
		kind  bot.ErrorKind
		scope bot.Scope
		after time.Duration
	}{
		{whatsapptest.Failure{Code: 130429}, bot.RetryLater, bot.ScopeChannel, time.Second},
		{whatsapptest.Failure{Code: 131056}, bot.RetryLater, bot.ScopeRecipient, 6 * time.Second},
		{whatsapptest.Failure{Code: 80007}, bot.RetryLater, bot.ScopeChannel, time.Minute},
		{whatsapptest.Failure{Code: 131026}, bot.Unreachable, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 131047}, bot.WindowClosed, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 131050}, bot.Permanent, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 131051}, bot.Permanent, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 131009}, bot.Permanent, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 190, HTTPStatus: 401}, bot.BadConfig, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{HTTPStatus: 401}, bot.BadConfig, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{HTTPStatus: 429}, bot.RetryLater, bot.ScopeChannel, time.Second},
		{whatsapptest.Failure{HTTPStatus: 500}, bot.RetryLater, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{HTTPStatus: 503}, bot.RetryLater, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 131000, HTTPStatus: 500}, bot.RetryLater, bot.ScopeUnknown, 0},
		{whatsapptest.Failure{Code: 2, HTTPStatus: 503}, bot.RetryLater, bot.ScopeUnknown, 0},
	}
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		u := whatsapptest.User{Phone: "+96892000002"}
		w.say(t, u, "hi")
		for _, tt := range tests {
			w.fake.FailNext(tt.fl)
			_, err := w.ch.Send(context.Background(), bot.Outgoing{Recipient: u.Phone, Body: "notice", Language: "ar"})
			var se *bot.SendError
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Scope != tt.scope || se.RetryAfter != tt.after {
				t.Errorf("%+v: got %v (%+v), want %v scope %v after %v", tt.fl, err, se, tt.kind, tt.scope, tt.after)
			}
		}
	})
}

// The access token is in the Authorization header only: no error and no
// log line shows it, not even when WhatsApp quotes it back, and a wrong
// token or number id is reported as the configuration's fault.
func TestTokenNeverShows(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000003"}
		w.say(t, u, "hi")
		var errs []error
		w.fake.FailNext(whatsapptest.Failure{Code: 190, HTTPStatus: 401, Message: "Error validating access token " + whatsapptest.Token + " for 96892000003"})
		_, err := w.ch.Send(ctx, bot.Outgoing{Recipient: u.Phone, Body: "x"})
		errs = append(errs, err)

		for _, cfg := range []config.WhatsApp{
			{AccessToken: "EAAGwrong0token0that0is0secret", PhoneNumberID: w.cfg.PhoneNumberID, AppSecret: "s", VerifyToken: "v", APIBaseURL: w.fake.URL()},
			{AccessToken: whatsapptest.Token, PhoneNumberID: "999", AppSecret: "s", VerifyToken: "v", APIBaseURL: w.fake.URL()},
			{AccessToken: whatsapptest.Token, PhoneNumberID: "999", AppSecret: "s", VerifyToken: "v", APIBaseURL: "http://127.0.0.1:1/v26.0"},
		} {
			s, err := whatsapp.NewSender(cfg, whatsapp.Options{Renderer: w.renderer, Log: logTo(w.logs)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Send(ctx, bot.Outgoing{Recipient: u.Phone, Body: "x"})
			if k, _ := bot.KindOf(err); cfg.APIBaseURL == w.fake.URL() && k != bot.BadConfig {
				t.Errorf("%s…/%s: kind %v, want bad config: %v", cfg.AccessToken[:6], cfg.PhoneNumberID, k, err)
			}
			errs = append(errs, err)
		}
		for _, err := range errs {
			if err == nil {
				t.Fatal("want an error")
			}
			for _, secret := range []string{whatsapptest.Token, "EAAGwrong0token0that0is0secret", "96892000003"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret or a number: %v", err)
				}
			}
		}
		for _, secret := range []string{whatsapptest.Token, "EAAGwrong0token0that0is0secret"} {
			if strings.Contains(w.logs.String(), secret) {
				t.Errorf("the log shows the token:\n%s", w.logs.String())
			}
		}
	})
}

// The 24-hour window as the fake keeps it: free messages go to a person
// who wrote within 24 hours, not to one who never wrote or wrote longer
// ago (131047: window closed); a template goes at any time.
func TestWindow(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000004"}
		send := func() bot.ErrorKind {
			_, err := w.ch.Send(ctx, bot.Outgoing{Recipient: u.Phone, Body: "notice"})
			if err == nil {
				return -1
			}
			k, _ := bot.KindOf(err)
			return k
		}
		if k := send(); k != bot.WindowClosed {
			t.Fatalf("to someone who never wrote: %v, want window closed", k)
		}
		w.say(t, u, "hi")
		w.clock.Advance(23*time.Hour + 58*time.Minute) // say moved a minute on: 23:59 after writing
		if k := send(); k != -1 {
			t.Fatalf("within the window: %v", k)
		}
		w.clock.Advance(2 * time.Minute)
		if k := send(); k != bot.WindowClosed {
			t.Fatalf("after 24 hours: %v, want window closed", k)
		}
		id, err := w.ch.SendTemplate(ctx, u.Phone, whatsapp.TemplateMessage{Name: "tamkeen_notice", Language: "ar", Params: []string{"سطر\nوسطر"}})
		if err != nil || id == "" {
			t.Fatalf("a template outside the window: %q, %v", id, err)
		}
		if _, err := w.ch.SendTemplate(ctx, u.Phone, whatsapp.TemplateMessage{Name: "tamkeen_unknown", Language: "ar"}); err == nil {
			t.Fatal("a template WhatsApp does not know must fail")
		}
	})
}

// Against a fake that allows 5 messages in any rolling second, a burst of
// 20 at once is partly refused with 130429, each refusal pausing the whole
// channel for a second; the sender declares WHATSAPP_RATE as its limit,
// which the dispatcher keeps.
func TestThroughput(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		ctx := context.Background()
		u := whatsapptest.User{Phone: "+96892000005"}
		w.say(t, u, "hi")
		slow := whatsapptest.New(t, whatsapptest.Config{Rate: 5, Clock: w.clock})
		slow.SetApp("http://127.0.0.1:1") // no service: the window is opened by hand below
		cfg := w.cfg
		cfg.APIBaseURL, cfg.Rate = slow.URL(), 5
		s, err := whatsapp.NewSender(cfg, whatsapp.Options{Renderer: w.renderer, Log: pipelinetest.Discard()})
		if err != nil {
			t.Fatal(err)
		}
		_, _, _ = slow.Text(u, "hi") // the post fails; the fake still dates the message
		var wg sync.WaitGroup
		var mu sync.Mutex
		throttled := 0
		for range 20 {
			wg.Go(func() {
				_, err := s.Send(ctx, bot.Outgoing{Recipient: u.Phone, Body: "burst"})
				var se *bot.SendError
				if errors.As(err, &se) && se.Kind == bot.RetryLater && se.Scope == bot.ScopeChannel && se.RetryAfter == time.Second {
					mu.Lock()
					throttled++
					mu.Unlock()
				} else if err != nil {
					t.Errorf("unexpected: %v", err)
				}
			})
		}
		wg.Wait()
		if throttled < 10 || throttled != slow.Throttled() {
			t.Fatalf("%d sends throttled (fake counted %d), want at least 10 of 20", throttled, slow.Throttled())
		}
		if got := s.Limits().PerSecond; got != 5 {
			t.Fatalf("Limits().PerSecond = %v, want WHATSAPP_RATE", got)
		}
	})
}

func logTo(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
