package pipelinetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Scripts is where the conversation scripts live, relative to the module root.
const Scripts = "inbox/testdata/conversations"

// Script is one conversation script: "user> text" lines a person types, in
// the pack of Country ("" for the default). Comments and blank lines are
// left out.
type Script struct {
	Name    string // file name without .txt
	Country string
	Lines   []Line
}

// Line is one thing a person types, or (Staff) what a caseworker does in
// the person's conversation with staff: "staff@mona> text" answers mona,
// "staff@mona> /close" closes her conversation, "/reopen" reopens it.
type Line struct {
	User  string
	Text  string // LongText for the pseudo-line "<long>"
	Staff bool
}

// StaffPrefix begins the user of a staff line: "staff@mona".
const StaffPrefix = "staff@"

// Written is how the line reads in a transcript: "mona> text", "staff@mona> text".
func (l Line) Written() string {
	if l.Staff {
		return StaffPrefix + l.User + "> " + l.Text
	}
	return l.User + "> " + l.Text
}

// StaffTexts are the answers staff give in the script (for a channel's
// check that compares only the bot's replies with the console's).
func (s Script) StaffTexts() map[string]bool {
	out := map[string]bool{}
	for _, l := range s.Lines {
		if l.Staff && !strings.HasPrefix(l.Text, "/") {
			out[l.Text] = true
		}
	}
	return out
}

// Staff carries out a staff line on the latest conversation of the
// contact: answers it, closes it ("/close") or reopens it ("/reopen"), as
// the caseworker "staff" of the console would.
func Staff(ctx context.Context, s *store.Store, contactID int64, text string) error {
	v, err := s.LatestConversation(ctx, contactID)
	if err != nil {
		return fmt.Errorf("staff line %q: %w", text, err)
	}
	actor := store.Actor{Name: "staff"}
	switch text {
	case "/close":
		return s.CloseConversation(ctx, v.ID, actor)
	case "/reopen":
		return s.ReopenConversation(ctx, v.ID, actor)
	}
	_, err = s.ReplyToConversation(ctx, v.ID, actor, text)
	return err
}

// LongText is the script pseudo-text "<long>": a message longer than any
// channel carries, which each channel cuts to what a person could send.
const LongText = "<long>"

// LoadScripts reads every script of dir (a path to Scripts from the test's
// package).
func LoadScripts(t testing.TB, dir string) []Script {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in %s: %v", dir, err)
	}
	out := make([]Script, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := Script{Name: strings.TrimSuffix(filepath.Base(f), ".txt")}
		if first, rest, ok := strings.Cut(string(data), "\n"); ok && strings.HasPrefix(first, "country: ") {
			s.Country = strings.TrimSpace(strings.TrimPrefix(first, "country: "))
			data = []byte(rest)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			user, text, ok := strings.Cut(line, "> ")
			if !ok {
				t.Fatalf("%s: bad script line %q: want user> text", f, line)
			}
			name, staff := strings.CutPrefix(user, StaffPrefix)
			s.Lines = append(s.Lines, Line{User: name, Text: text, Staff: staff})
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// Users lists the script's people in the order they first speak.
func (s Script) Users() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range s.Lines {
		if !seen[l.User] {
			seen[l.User] = true
			out = append(out, l.User)
		}
	}
	return out
}

// Golden compares got with the file at path, or writes it when update is
// set. A difference fails t with the first differing lines.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (rerun with -update if intended, then read the diff):\n%s", path, Diff(string(want), got))
	}
}

// Diff shows where got first departs from want, with two lines of context.
func Diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-2); j < i; j++ {
		fmt.Fprintf(&b, "  %4d   %s\n", j+1, wl[j])
	}
	for j := i; j < min(len(wl), i+3); j++ {
		fmt.Fprintf(&b, "- %4d   %s\n", j+1, wl[j])
	}
	for j := i; j < min(len(gl), i+3); j++ {
		fmt.Fprintf(&b, "+ %4d   %s\n", j+1, gl[j])
	}
	fmt.Fprintf(&b, "(want %d lines, got %d)", len(wl), len(gl))
	return b.String()
}

// rawKey is a line that looks like a catalog key ("flows.menu.title").
var rawKey = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// Checker finds what a person should never read in a rendered text.
type Checker struct {
	p          *Pipeline
	namespaces map[string]bool // first parts of the catalogs' keys ("flows", "reg", ...)
}

// Checker returns a checker for the pipeline's catalogs.
func (p *Pipeline) Checker() *Checker {
	c := &Checker{p: p, namespaces: map[string]bool{}}
	for _, l := range p.Bundle.Languages() {
		for _, k := range p.Bundle.Keys(l) {
			ns, _, _ := strings.Cut(k, ".")
			c.namespaces[ns] = true
		}
	}
	return c
}

// CheckText returns what is wrong with a text a person received: a field
// the template was not given ("<no value>"), a value printed as a Go map, a
// formatting error or template braces, or a line that is a catalog key
// (or looks like one of its namespaces) instead of its words.
func (c *Checker) CheckText(text string) error {
	for _, bad := range []string{"<no value>", "map[", "%!", "{{", "}}"} {
		if strings.Contains(text, bad) {
			return fmt.Errorf("text shows %q:\n%s", bad, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !rawKey.MatchString(line) {
			continue
		}
		ns, _, _ := strings.Cut(line, ".")
		if c.namespaces[ns] || c.p.Bundle.Has(locales.Default, line) {
			return fmt.Errorf("text shows the catalog key %q instead of its words:\n%s", line, text)
		}
	}
	return nil
}

// CheckReplies renders each reply of outs in every language, in full and in
// its short form, and checks each text a person could read (and each ready
// body) with CheckText. It returns every problem found: an unknown catalog
// key, a template error, a field missing from the data, a raw key.
func (c *Checker) CheckReplies(outs []bot.Outgoing) []error {
	var errs []error
	for _, m := range outs {
		if m.Reply == nil {
			if err := c.CheckText(m.Body); err != nil {
				errs = append(errs, fmt.Errorf("outbox %d: %w", m.ID, err))
			}
			continue
		}
		for _, lang := range c.p.Bundle.Languages() {
			for _, short := range []bool{false, true} {
				if err := c.checkReply(lang, *m.Reply, short); err != nil {
					errs = append(errs, fmt.Errorf("reply %s in %s (short %v): %w", m.Reply.Key, lang, short, err))
				}
			}
		}
	}
	return errs
}

func (c *Checker) checkReply(lang string, r vocab.Reply, short bool) error {
	p := c.p
	msg, err := p.Renderer.Render(lang, r, short)
	if err != nil {
		return err
	}
	if err := c.CheckText(msg.Text); err != nil {
		return err
	}
	// The SMS versions of the labels ("<key>.sms") are what SMS shows.
	for _, o := range r.Options {
		keys := []string{o.Key}
		if p.Bundle.Has(lang, o.Key+".sms") {
			keys = append(keys, o.Key+".sms")
		}
		for _, k := range keys {
			label, err := p.Renderer.Text(lang, k, o.Data)
			if err != nil {
				return err
			}
			if label == "" {
				return errors.New("option " + k + " has an empty label")
			}
			if err := c.CheckText(label); err != nil {
				return err
			}
		}
	}
	return nil
}

// Recorder is a sender that keeps every message it is asked to send, then
// hands it to the channel's sender, so a test can check every reply of a
// conversation. It declares no limits: a conversation drains at once.
type Recorder struct {
	Next bot.Sender
	mu   sync.Mutex
	sent []bot.Outgoing
}

// Channel is the wrapped sender's.
func (r *Recorder) Channel() string { return r.Next.Channel() }

// Send records m and sends it.
func (r *Recorder) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	r.mu.Lock()
	r.sent = append(r.sent, m)
	r.mu.Unlock()
	return r.Next.Send(ctx, m)
}

// Messages returns what the sender was asked to send so far.
func (r *Recorder) Messages() []bot.Outgoing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Outgoing(nil), r.sent...)
}
