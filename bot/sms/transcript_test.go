package sms_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// maxInbound is the longest text Twilio hands a webhook (a concatenated SMS).
const maxInbound = 1600

// ownWay says why a script's conversation takes another path by SMS than
// on the console, on purpose (ok false when it does not). Such transcripts
// show what a person typing the script's words by SMS gets; the test checks
// that they still differ, so that a reason does not outlive its cause.
func ownWay(script string) (why string, ok bool) {
	switch script {
	case "country_eg_signup", "country_jo_signup", "country_om_maksab", "country_sa_signup", "en_learn_assess_signup":
		return lessonInOne, true
	case "keywords_by_context":
		return "CANCEL and END are the carrier's own stop words by SMS: they stop at once instead of asking (flows/engine.go)", true
	case "garbage_everywhere":
		return "a number that sent STOP hears nothing more by SMS, where the console says it is stopped (flows/engine.go)", true
	}
	return "", false
}

const lessonInOne = "by SMS a lesson is summed up in one text without Next (flows/awareness.go), so the script's next number picks another option and the conversation drifts from the console's"

// newTranscriptChannel is the SMS channel a transcript plays through: the
// harness's world in country's pack, its dispatcher sending through a
// recorder so that every reply can be checked afterwards.
func newTranscriptChannel(t *testing.T, s *store.Store, clk *clock.Manual, country string) (*world, *pipelinetest.Recorder) {
	t.Helper()
	w := newWorldIn(t, s, clk, country)
	rec := &pipelinetest.Recorder{Next: w.sender}
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{rec}, clk, pipelinetest.Discard(), nil, notifier.DispatcherConfig{})
	return w, rec
}

// TestTranscripts plays each conversation script of the console's golden
// tests through the SMS channel: each line is a signed inbound webhook from
// the person's number, and the person reads every page, replying 9 while an
// SMS ends with the "more" line. The transcript (each SMS as sent, with its
// segments and encoding) must match testdata/transcripts/<script>.golden
// (rerun with -update after an intended change). Every reply is also
// rendered again in each language, in full and short, and must show no
// "<no value>", no catalog key and no template error. And the replies, shown
// in full, must be the console golden's for the same script: SMS leads the
// person through the same conversation, only in shorter words.
func TestTranscripts(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	for _, sc := range pipelinetest.LoadScripts(t, filepath.Join("..", "..", pipelinetest.Scripts)) {
		t.Run(sc.Name, func(t *testing.T) {
			var clk *clock.Manual // the store's and the world's
			newClock := func() clock.Clock { clk = clock.NewManual(t0); return clk }
			storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
				w, rec := newTranscriptChannel(t, s, clk, sc.Country)
				got := playTranscript(t, w, rec, sc)
				pipelinetest.Golden(t, filepath.Join("testdata", "transcripts", sc.Name+".golden"), got, *update && s.Dialect() == "sqlite")
				sameRepliesAsConsole(t, w, sc, rec.Messages())
			})
		})
	}
}

func playTranscript(t *testing.T, w *world, rec *pipelinetest.Recorder, sc pipelinetest.Script) string {
	phones := map[string]string{}
	for i, name := range sc.Users() {
		phones[name] = fmt.Sprintf("+9689100%04d", i+1)
	}
	var mores []string
	for _, lang := range w.bundle.Languages() {
		mores = append(mores, "\n"+w.moreLine(lang))
	}
	endsWithMore := func(texts []string) bool {
		if len(texts) == 0 {
			return false
		}
		for _, m := range mores {
			if strings.HasSuffix(texts[len(texts)-1], m) {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	if why, ok := ownWay(sc.Name); ok {
		fmt.Fprintf(&b, "# Not the console's conversation: %s.\n\n", why)
	}
	for _, line := range sc.Lines {
		if line.Staff {
			fmt.Fprintf(&b, "%s\n", line.Written())
			before := len(w.fake.Messages())
			if err := pipelinetest.Staff(context.Background(), w.store, w.contact(phones[line.User]).ID, line.Text); err != nil {
				t.Fatal(err)
			}
			w.drain()
			w.clock.Advance(time.Minute)
			for _, m := range w.fake.Messages()[before:] {
				info := segment.Count(m.Body)
				fmt.Fprintf(&b, "[%d segment%s, %s]\n%s\n\n", info.Segments, plural(info.Segments), info.Encoding, m.Body)
			}
			continue
		}
		text := line.Text
		switch text {
		case "":
			fmt.Fprintf(&b, "# %s> (an empty line: a new console session; a person cannot send an empty SMS, not sent)\n\n", line.User)
			continue
		case pipelinetest.LongText:
			text = strings.Repeat("ب", maxInbound)
			fmt.Fprintf(&b, "%s> <long>\n# (%d characters, the longest SMS Twilio passes on)\n", line.User, maxInbound)
		default:
			fmt.Fprintf(&b, "%s> %s\n", line.User, text)
		}
		got := w.textAll(phones, line.User, text, &b)
		// The person reads on while the last SMS offers more.
		for pages := 0; endsWithMore(got); pages++ {
			if pages == 20 {
				t.Fatalf("%s> %s: still more pages after 20", line.User, line.Text)
			}
			more := strconv.Itoa(sms.MoreDigit)
			fmt.Fprintf(&b, "%s> %s\n", line.User, more)
			got = w.textAll(phones, line.User, more, &b)
		}
	}
	checkAllSent(t, w, rec)
	return b.String()
}

// textAll sends body from user's number, writes every SMS that went out
// meanwhile (to anyone) to b, and returns those that reached user.
func (w *world) textAll(phones map[string]string, user, body string, b *strings.Builder) []string {
	w.t.Helper()
	before := len(w.fake.Messages())
	w.text(phones[user], body)
	var mine []string
	for _, m := range w.fake.Messages()[before:] {
		if m.To != phones[user] {
			fmt.Fprintf(b, "(to %s)\n", nameOf(phones, m.To))
		} else {
			mine = append(mine, m.Body)
		}
		info := segment.Count(m.Body)
		budget := ""
		if info.Segments > sms.MaxSegments {
			budget = fmt.Sprintf(", over the %d-segment budget", sms.MaxSegments)
		}
		fmt.Fprintf(b, "[%d segment%s, %s%s]\n%s\n\n", info.Segments, plural(info.Segments), info.Encoding, budget, m.Body)
	}
	return mine
}

func nameOf(phones map[string]string, number string) string {
	for name, p := range phones {
		if p == number {
			return name
		}
	}
	return number
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// checkAllSent fails t unless every reply went out and every reply renders
// cleanly in every language.
func checkAllSent(t *testing.T, w *world, rec *pipelinetest.Recorder) {
	t.Helper()
	counts, err := w.store.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxFailed] != 0 || counts[store.OutboxPending] != 0 || counts[store.OutboxSending] != 0 {
		t.Errorf("every reply must be sent, outbox: %v", counts)
	}
	check := (&pipelinetest.Pipeline{Bundle: w.bundle, Renderer: w.renderer}).Checker()
	for _, m := range w.fake.Messages() {
		if err := check.CheckText(m.Body); err != nil {
			t.Errorf("sent to %s: %v", m.To, err)
		}
	}
	for _, err := range check.CheckReplies(rec.Messages()) {
		t.Errorf("renderer check: %v", err)
	}
}

// sameRepliesAsConsole fails t unless the replies sent by SMS, rendered in
// full as the console shows them, are the console golden's for the same
// script; for the scripts of ownWay, unless they differ. Scripts with lines
// SMS cannot send (an empty line) are left out.
func sameRepliesAsConsole(t *testing.T, w *world, sc pipelinetest.Script, sent []bot.Outgoing) {
	t.Helper()
	for _, l := range sc.Lines {
		if l.Text == "" {
			return
		}
	}
	console, err := os.ReadFile(filepath.Join("..", "..", pipelinetest.Scripts, sc.Name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	var full strings.Builder
	answers := sc.StaffTexts()
	for _, m := range sent {
		if m.Reply == nil {
			if answers[m.Body] { // a caseworker's answer, as the console shows it too
				full.WriteString(m.Body + "\n")
			}
			continue // a page after the first, which the console never cuts
		}
		msg, err := w.renderer.Render(m.Language, *m.Reply, false)
		if err != nil {
			t.Fatal(err)
		}
		full.WriteString(bot.Lines(msg) + "\n")
	}
	turn := regexp.MustCompile(`^[^ >]+> `)
	lines := func(transcript string) string {
		var keep []string
		for _, l := range strings.Split(transcript, "\n") {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "# ") && !turn.MatchString(l) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	want, got := lines(string(console)), lines(full.String())
	if why, ok := ownWay(sc.Name); ok {
		if got == want {
			t.Errorf("SMS now leads through the console's conversation; remove %s from ownWay (%s)", sc.Name, why)
		}
		return
	}
	if got != want {
		t.Errorf("SMS replies, shown in full, differ from the console's for the same script:\n%s", pipelinetest.Diff(want, got))
	}
}
