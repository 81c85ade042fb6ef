// Package console is the terminal channel: it reads a person's lines from a
// reader and prints the bot's replies, options numbered, to a writer. It
// serves demos and scripted conversations without any provider account.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/vocab"
)

// MaxLineRunes bounds one typed line; the rest is dropped.
const MaxLineRunes = 4096

// Sender prints replies to a writer.
type Sender struct {
	mu       sync.Mutex
	out      io.Writer
	renderer *bot.Renderer
	self     string // the session's own recipient; "" prints every message alike
}

// NewSender returns a console sender writing to out.
func NewSender(out io.Writer, r *bot.Renderer) *Sender { return &Sender{out: out, renderer: r} }

// For makes the sender print a message meant for another console person
// (a waitlist promotion caused by this session, say) under a line naming
// them, so nobody reads another's news as their own.
func (s *Sender) For(recipient string) *Sender {
	s.self = recipient
	return s
}

// Channel is "console".
func (s *Sender) Channel() string { return bot.Console }

var _ bot.Channel = (*Sender)(nil)

// Routes: none; the terminal is read by Run.
func (s *Sender) Routes() []bot.Route { return nil }

// Jobs: none; Run is the terminal's loop.
func (s *Sender) Jobs() []bot.Job { return nil }

// Send prints one message.
func (s *Sender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	text := m.Body
	if m.Reply != nil {
		msg, err := s.renderer.Render(m.Language, *m.Reply, false)
		if err != nil {
			return "", &bot.SendError{Kind: bot.Permanent, Err: err}
		}
		text = bot.Lines(msg)
	}
	if s.self != "" && m.Recipient != "" && m.Recipient != s.self {
		to, err := s.renderer.Text(m.Language, "console.for_other", map[string]any{"User": m.Recipient})
		if err != nil {
			return "", &bot.SendError{Kind: bot.Permanent, Err: err}
		}
		text = to + "\n" + text
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := fmt.Fprintf(s.out, "%s\n\n", text); err != nil {
		return "", &bot.SendError{Kind: bot.RetryLater, Err: err}
	}
	return "console:" + strconv.FormatInt(m.ID, 10), nil
}

// Drainer sends what is due; notifier.Dispatcher fits.
type Drainer interface {
	Drain(ctx context.Context) error
}

// Session is one person chatting at the terminal.
type Session struct {
	From     vocab.Address
	Language string       // a language to start in ("" asks)
	Prompt   func() error // called before each line is read (prints "> " on a terminal); may be nil
	// Failed is told of a line that could not be handled (nothing of it was
	// saved) and says whether the chat goes on: nil keeps reading, so one
	// bad turn does not end the conversation. Nil Failed ends Run with err.
	Failed func(ctx context.Context, line string, err error) error
}

// Run reads lines until in ends or ctx is done, handling each and printing
// its replies before the next line is read. An empty first input still
// greets: the session opens with a hello as a new chat would. Run returns as
// soon as ctx is done, even while waiting for a line (a terminal's read
// cannot be interrupted: the reader is left to end with the process).
func Run(ctx context.Context, s Session, in io.Reader, h bot.Handler, d Drainer) error {
	if err := turn(ctx, s, "", h, d); err != nil {
		return err
	}
	lines := make(chan read)
	next := make(chan struct{})
	go readLines(in, lines, next)
	defer close(next)
	for ctx.Err() == nil {
		if s.Prompt != nil {
			if err := s.Prompt(); err != nil {
				return err
			}
		}
		var r read
		select {
		case <-ctx.Done():
			return nil
		case r = <-lines:
		}
		if line := clean(r.line); line != "" {
			if terr := turn(ctx, s, line, h, d); terr != nil {
				if ctx.Err() != nil {
					return nil // stopped in the middle of a turn: what was saved stays, the rest goes at the next start
				}
				if s.Failed == nil {
					return terr
				}
				if err := s.Failed(ctx, line, terr); err != nil {
					return err
				}
			}
		}
		if errors.Is(r.err, io.EOF) {
			return nil
		}
		if r.err != nil {
			return fmt.Errorf("console: read: %w", r.err)
		}
		select {
		case next <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// read is one line, or the error that ended the input.
type read struct {
	line string
	err  error
}

// readLines sends the lines of in one by one, each after the previous was
// handled (a signal on next), and stops when next is closed or in ends.
func readLines(in io.Reader, lines chan<- read, next <-chan struct{}) {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		select {
		case lines <- read{line: line, err: err}:
		case <-next: // closed: Run has returned
			return
		}
		if err != nil {
			return
		}
		if _, ok := <-next; !ok {
			return
		}
	}
}

func turn(ctx context.Context, s Session, text string, h bot.Handler, d Drainer) error {
	if _, err := h.Handle(ctx, bot.Input{Channel: bot.Console, From: s.From, Text: text, Language: s.Language}); err != nil {
		return err
	}
	return d.Drain(ctx)
}

// clean trims a line and bounds its length, keeping whole characters.
func clean(line string) string {
	line = strings.TrimSpace(strings.ToValidUTF8(line, ""))
	if utf8.RuneCountInString(line) <= MaxLineRunes {
		return line
	}
	return string([]rune(line)[:MaxLineRunes])
}
