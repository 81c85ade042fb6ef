package whatsapp_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// TestTranscripts plays each conversation script of the console's golden
// tests through the WhatsApp channel, as a person in the WhatsApp app
// would, through the strict fake Cloud API: where the last message has
// buttons or a list and the script types an option's number or its exact
// title, the person taps it; anything else is typed. The transcript (each
// message's text with its buttons or list rows) must match
// testdata/transcripts/<script>.golden (rerun with -update after an
// intended change). The fake refuses anything outside WhatsApp's schema
// and limits, so every message of every script is checked against them.
// Every reply is also rendered again in each language, in full and short,
// and must show no "<no value>", no catalog key and no template error. And
// the words must be the console's for the same script.
func TestTranscripts(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	for _, sc := range pipelinetest.LoadScripts(t, filepath.Join("..", "..", pipelinetest.Scripts)) {
		t.Run(sc.Name, func(t *testing.T) {
			var clk *clock.Manual
			newClock := func() clock.Clock { clk = clock.NewManual(t0); return clk }
			storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
				w := newWorld(t, s, clk, sc.Country)
				rec := &pipelinetest.Recorder{Next: w.ch}
				w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{rec}, clk, pipelinetest.Discard(), nil, notifier.DispatcherConfig{})
				got := playTranscript(t, w, rec, sc)
				pipelinetest.Golden(t, filepath.Join("testdata", "transcripts", sc.Name+".golden"), got, *update && s.Dialect() == "sqlite")
				sameWordsAsConsole(t, sc, got)
			})
		})
	}
}

// Lines of a transcript that are WhatsApp's own, not words of the
// conversation: buttons, a list's button and rows, and the words that head
// options sent after a text too long to carry them.
const (
	markButtons = "buttons: "
	markList    = "list: "
	markRow     = "  row: "
	markThen    = "(then) "
)

func playTranscript(t *testing.T, w *world, rec *pipelinetest.Recorder, sc pipelinetest.Script) string {
	users := map[string]whatsapptest.User{}
	names := map[string]string{}
	for i, name := range sc.Users() {
		u := whatsapptest.User{Phone: fmt.Sprintf("+9689200%04d", i+1), ID: fmt.Sprintf("OM.%d", 1349120865530274+i), Name: name}
		users[name], names[u.Phone] = u, name
	}
	chooseWords := map[string]bool{}
	for _, lang := range w.renderer.Bundle().Languages() {
		chooseWords[w.word(t, lang, "whatsapp.choose")] = true
	}
	var b strings.Builder
	for _, line := range sc.Lines {
		u := users[line.User]
		if line.Staff {
			fmt.Fprintf(&b, "%s\n", line.Written())
			id := w.contact(t, vocab.Address{Phone: u.Phone}).ID
			sent := w.deliver(t, func() (string, int, error) {
				return "", http.StatusOK, pipelinetest.Staff(context.Background(), w.store, id, line.Text)
			})
			for _, m := range sent {
				writeSent(&b, m, false)
			}
			continue
		}
		text := line.Text
		switch text {
		case "":
			fmt.Fprintf(&b, "# %s> (an empty line: a new console session; WhatsApp sends no empty message, not sent)\n\n", line.User)
			continue
		case pipelinetest.LongText:
			text = strings.Repeat("ب", whatsapp.MaxText)
			fmt.Fprintf(&b, "%s> <long>\n# (%d characters, the most one WhatsApp message holds)\n", line.User, whatsapp.MaxText)
		}
		var sent []whatsapptest.Sent
		if m, c, ok := choice(w.fake.SentTo(u), text); ok {
			verb := "taps"
			if m.Request.Interactive.Type == "list" {
				verb = "picks"
			}
			fmt.Fprintf(&b, "%s %s [%s]\n", line.User, verb, c.Title)
			sent = w.deliver(t, func() (string, int, error) { return tap(w.fake, u, m, c) })
		} else {
			if text == line.Text {
				fmt.Fprintf(&b, "%s> %s\n", line.User, text)
			}
			sent = w.deliver(t, func() (string, int, error) { return w.fake.Text(u, text) })
		}
		for i, m := range sent {
			if m.To != u.Phone {
				fmt.Fprintf(&b, "(to %s)\n", names[m.To])
			}
			// Options after a text too long to carry them come under the channel's own heading.
			then := i > 0 && sent[i-1].To == m.To && m.Request.Interactive != nil && chooseWords[m.Request.Interactive.Body.Text]
			writeSent(&b, m, then)
		}
	}
	checkAllSent(t, w, rec)
	return b.String()
}

// choice finds the button or row of the last message that text names: its
// number ("2", "٢") or its exact title. ok is false when the last message
// has no choices or none is named: the person types instead.
func choice(sent []whatsapptest.Sent, text string) (whatsapptest.Sent, whatsapp.Reply, bool) {
	if len(sent) == 0 {
		return whatsapptest.Sent{}, whatsapp.Reply{}, false
	}
	last := sent[len(sent)-1]
	choices := last.Choices()
	typed := textnorm.Normalize(text)
	if n, err := strconv.Atoi(typed); err == nil && n >= 1 && n <= len(choices) {
		return last, choices[n-1], true
	}
	for _, c := range choices {
		if typed != "" && textnorm.Normalize(c.Title) == typed {
			return last, c, true
		}
	}
	return whatsapptest.Sent{}, whatsapp.Reply{}, false
}

// writeSent writes a message as the person sees it: the text (a body that
// only heads options after a long text marked so), then its buttons on a
// line, or its list's button and each row.
func writeSent(b *strings.Builder, m whatsapptest.Sent, then bool) {
	r := m.Request
	switch {
	case r.Text != nil:
		b.WriteString(r.Text.Body + "\n")
	case r.Interactive != nil:
		if then {
			b.WriteString(markThen)
		}
		b.WriteString(r.Interactive.Body.Text + "\n")
		a := r.Interactive.Action
		if len(a.Buttons) > 0 {
			var labels []string
			for _, btn := range a.Buttons {
				labels = append(labels, "["+btn.Reply.Title+"]")
			}
			b.WriteString(markButtons + strings.Join(labels, " ") + "\n")
		}
		if a.Button != "" {
			b.WriteString(markList + "{" + a.Button + "}\n")
			for _, s := range a.Sections {
				for _, row := range s.Rows {
					b.WriteString(markRow + row.Title)
					if row.Description != "" {
						b.WriteString(" — " + row.Description)
					}
					b.WriteString("\n")
				}
			}
		}
	default:
		b.WriteString(m.Show() + "\n")
	}
	b.WriteString("\n")
}

// checkAllSent fails t unless every reply went out, the fake refused
// nothing, and every reply renders cleanly in every language.
func checkAllSent(t *testing.T, w *world, rec *pipelinetest.Recorder) {
	t.Helper()
	counts, err := w.store.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxFailed] != 0 || counts[store.OutboxPending] != 0 || counts[store.OutboxSending] != 0 {
		t.Errorf("every reply must be sent, outbox: %v", counts)
	}
	if r := w.fake.Refused(); len(r) != 0 {
		t.Errorf("the fake Cloud API refused %d requests: %+v", len(r), r)
	}
	check := (&pipelinetest.Pipeline{Bundle: w.renderer.Bundle(), Renderer: w.renderer}).Checker()
	for _, m := range w.fake.Sent() {
		if err := check.CheckText(m.Show()); err != nil {
			t.Errorf("sent to %s: %v", m.To, err)
		}
	}
	for _, err := range check.CheckReplies(rec.Messages()) {
		t.Errorf("renderer check: %v", err)
	}
}

// sameWordsAsConsole fails t unless the texts of the WhatsApp transcript,
// without buttons, list rows and the words heading options after a long
// text, are the console golden's texts without option lines: tapping a
// button leads where typing its number or label does. Scripts with lines
// WhatsApp cannot send are left out.
func sameWordsAsConsole(t *testing.T, sc pipelinetest.Script, transcript string) {
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
	option := regexp.MustCompile(`^\d+\. `)
	turn := regexp.MustCompile(`^[^ >]+(> | taps \[| picks \[)`)
	words := func(transcript string, drop func(string) bool) string {
		var keep []string
		for _, l := range strings.Split(transcript, "\n") {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "# ") && !turn.MatchString(l) && !drop(l) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	want := words(string(console), option.MatchString)
	got := words(transcript, func(l string) bool {
		for _, mark := range []string{markButtons, markList, markRow, markThen} {
			if strings.HasPrefix(l, mark) {
				return true
			}
		}
		return option.MatchString(l)
	})
	if got != want {
		t.Errorf("WhatsApp's words differ from the console's for the same script:\n%s", pipelinetest.Diff(want, got))
	}
}
