package telegram_test

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

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/telegram"
	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// newTranscriptChannel is the Telegram channel a transcript plays through:
// the harness's world in country's pack, its dispatcher sending through a
// recorder so that every reply can be checked afterwards.
func newTranscriptChannel(t *testing.T, s *store.Store, clk *clock.Manual, country string) (*world, *pipelinetest.Recorder) {
	t.Helper()
	w := newWorldIn(t, s, clk, country)
	rec := &pipelinetest.Recorder{Next: unpaced{w.bot}}
	w.dispatcher = notifier.NewDispatcher(s, []bot.Sender{rec}, clk, discard(), nil, notifier.DispatcherConfig{})
	return w, rec
}

// TestTranscripts plays each conversation script of the console's golden
// tests through the Telegram channel, as a person in the Telegram app would:
// where the last message has buttons and the script types an option's
// number or its exact label, the person taps that button; anything else is
// typed. The transcript (each message's text with its button rows and
// keyboard) must match testdata/transcripts/<script>.golden (rerun with
// -update after an intended change). Every reply is also rendered again in
// each language, in full and short, and must show no "<no value>", no
// catalog key and no template error. And the words must be the console's
// for the same script: a tap leads where typing does.
func TestTranscripts(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential and long under the race detector: -short (the race pass) leaves it to the full run")
	}
	for _, sc := range pipelinetest.LoadScripts(t, filepath.Join("..", "..", pipelinetest.Scripts)) {
		t.Run(sc.Name, func(t *testing.T) {
			var clk *clock.Manual
			newClock := func() clock.Clock { clk = clock.NewManual(t0); return clk }
			storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
				got := playTranscript(t, s, clk, sc)
				pipelinetest.Golden(t, filepath.Join("testdata", "transcripts", sc.Name+".golden"), got, *update && s.Dialect() == "sqlite")
				sameWordsAsConsole(t, sc, got)
			})
		})
	}
}

func playTranscript(t *testing.T, s *store.Store, clk *clock.Manual, sc pipelinetest.Script) string {
	w, rec := newTranscriptChannel(t, s, clk, sc.Country)
	users := map[string]telegramtest.User{}
	names := map[int64]string{}
	for i, name := range sc.Users() {
		u := telegramtest.User{ID: int64(1001 + i), FirstName: name}
		users[name], names[u.ID] = u, name
	}
	var b strings.Builder
	for _, line := range sc.Lines {
		u := users[line.User]
		if line.Staff {
			fmt.Fprintf(&b, "%s\n", line.Written())
			for _, m := range w.staff(t, line, vocab.Address{TelegramChatID: u.ID}) {
				writeSent(&b, m)
			}
			continue
		}
		text := line.Text
		switch text {
		case "":
			fmt.Fprintf(&b, "# %s> (an empty line: a new console session; Telegram sends no empty message, not sent)\n\n", line.User)
			continue
		case pipelinetest.LongText:
			text = strings.Repeat("ب", telegram.MaxTextUnits)
			fmt.Fprintf(&b, "%s> <long>\n# (%d characters, the most one Telegram message holds)\n", line.User, telegram.MaxTextUnits)
		}
		var sent []telegramtest.Sent
		if label, payload, ok := button(w.fake.SentTo(u.ID), text); ok {
			fmt.Fprintf(&b, "%s taps [%s]\n", line.User, label)
			sent = w.deliver(t, telegramtest.Tap(u, payload))
		} else {
			if text == line.Text {
				fmt.Fprintf(&b, "%s> %s\n", line.User, text)
			}
			sent = w.deliver(t, telegramtest.Message(u, text))
		}
		for _, m := range sent {
			if m.ChatID != u.ID {
				fmt.Fprintf(&b, "(to %s)\n", names[m.ChatID])
			}
			writeSent(&b, m)
		}
	}
	checkAllSent(t, w, rec)
	return b.String()
}

// button finds the inline button of the last message that text names: its
// number ("2", "٢") or its exact label. ok is false when the last message
// has no buttons or none is named: the person types instead.
func button(sent []telegramtest.Sent, text string) (label, payload string, ok bool) {
	if len(sent) == 0 || sent[len(sent)-1].Markup == nil {
		return "", "", false
	}
	var buttons []telegramtest.Button
	for _, row := range sent[len(sent)-1].Markup.InlineKeyboard {
		buttons = append(buttons, row...)
	}
	typed := textnorm.Normalize(text)
	if n, err := strconv.Atoi(typed); err == nil && n >= 1 && n <= len(buttons) {
		return buttons[n-1].Text, buttons[n-1].CallbackData, true
	}
	for _, btn := range buttons {
		if typed != "" && textnorm.Normalize(btn.Text) == typed {
			return btn.Text, btn.CallbackData, true
		}
	}
	return "", "", false
}

// writeSent writes a message as the person sees it: the text, each row of
// inline buttons on a line, and the keyboard under the text field.
func writeSent(b *strings.Builder, m telegramtest.Sent) {
	b.WriteString(m.Text)
	b.WriteString("\n")
	if m.Markup != nil {
		for _, row := range m.Markup.InlineKeyboard {
			labels := make([]string, len(row))
			for i, btn := range row {
				labels[i] = "[" + btn.Text + "]"
			}
			b.WriteString(strings.Join(labels, " ") + "\n")
		}
		for _, row := range m.Markup.Keyboard {
			for _, btn := range row {
				kind := ""
				if btn.RequestContact {
					kind = " (shares the phone number)"
				}
				fmt.Fprintf(b, "(keyboard: [%s]%s)\n", btn.Text, kind)
			}
		}
		if m.Markup.RemoveKeyboard {
			b.WriteString("(keyboard removed)\n")
		}
	}
	b.WriteString("\n")
}

// checkAllSent fails t unless every reply went out, every tap was answered,
// and every reply renders cleanly in every language.
func checkAllSent(t *testing.T, w *world, rec *pipelinetest.Recorder) {
	t.Helper()
	counts, err := w.store.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxFailed] != 0 || counts[store.OutboxPending] != 0 || counts[store.OutboxSending] != 0 {
		t.Errorf("every reply must be sent, outbox: %v", counts)
	}
	if q := w.fake.Unanswered(); len(q) != 0 {
		t.Errorf("taps left spinning: %v", q)
	}
	check := (&pipelinetest.Pipeline{Bundle: w.renderer.Bundle(), Renderer: w.renderer}).Checker()
	for _, m := range w.fake.Sent() {
		if err := check.CheckText(m.Text); err != nil {
			t.Errorf("sent to %d: %v", m.ChatID, err)
		}
	}
	for _, err := range check.CheckReplies(rec.Messages()) {
		t.Errorf("renderer check: %v", err)
	}
}

// sameWordsAsConsole fails t unless the texts of the Telegram transcript,
// without buttons, are the console golden's texts without option lines:
// tapping a button leads where typing its number or label does. Scripts
// with lines Telegram cannot send are left out.
func sameWordsAsConsole(t *testing.T, sc pipelinetest.Script, telegramTranscript string) {
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
	turn := regexp.MustCompile(`^[^ >]+(> | taps \[)`)
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
	got := words(telegramTranscript, func(l string) bool {
		return strings.HasPrefix(l, "[") || strings.HasPrefix(l, "(keyboard")
	})
	if got != want {
		t.Errorf("Telegram's words differ from the console's for the same script:\n%s", pipelinetest.Diff(want, got))
	}
}
