package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/console"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/reminders"
	"github.com/tamkeen/tamkeen/vocab"
)

type chatFlags struct {
	phone, lang, user string
}

func (f *chatFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.phone, "phone", "", "act as the SMS user with this phone number (local or international)")
	fs.StringVar(&f.lang, "lang", "", "start in this language (ar or en) instead of being asked")
	fs.StringVar(&f.user, "user", "local", "console user name, when --phone is not given")
}

// session turns the flags into a console session.
func (f *chatFlags) session(a *app) (console.Session, error) {
	s := console.Session{Language: strings.ToLower(f.lang)}
	if s.Language != "" && !a.bundle.Supported(s.Language) {
		return s, usageError{fmt.Errorf("--lang=%q: allowed values are %s", f.lang, strings.Join(a.bundle.Languages(), ", "))}
	}
	switch {
	case f.phone != "":
		p, err := phone.Normalize(f.phone, a.cfg.DefaultRegion)
		if err != nil {
			return s, usageError{fmt.Errorf("--phone=%q: not a valid number for region %s (TAMKEEN_DEFAULT_REGION): %w", f.phone, a.cfg.DefaultRegion, err)}
		}
		s.From = vocab.Address{Phone: p}
	default:
		s.From = vocab.Address{ConsoleUser: f.user}
	}
	return s, nil
}

func chat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f chatFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, newLogger(stderr, cfg))
	if err != nil {
		return err
	}
	defer a.store.Close()
	s, err := f.session(a)
	if err != nil {
		return err
	}
	// No scheduler runs here: a place given up goes to the first person
	// waiting right after the cancellation is saved, before the next line.
	sw := reminders.New(a.store, reminders.Config{QuietHours: cfg.QuietHours, Location: cfg.Location, Log: a.log})
	promote := func() {
		if _, err := sw.Promotions(ctx, a.clock.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("chat: waitlist promotion failed", "err", err)
		}
	}
	failed := 0
	err = runConsole(ctx, a, s, notifier.NewInstance(), stdin, stdout, false, promote, func() { failed++ })
	if err == nil && failed > 0 {
		return fmt.Errorf("chat: %d of your lines could not be handled (the log above says why)", failed)
	}
	return err
}

// runConsole chats on the terminal with a dispatcher of its own that sends
// only console messages, named instance (the name of every dispatcher of
// this process). placesFreed runs after a turn cancelled a sign-up
// (the waitlist promotion). A line that cannot be handled is logged as an
// error, the person is told to send it again, failed is called, and the
// chat goes on. With live (serve --chat), what reaches the person without
// being asked in that moment (a caseworker's answer, a freed place) is
// printed as it comes, not only after their next line: a second
// dispatcher of the same name sends console messages in the background,
// looking every quarter of a second.
func runConsole(ctx context.Context, a *app, s console.Session, instance string, stdin io.Reader, stdout io.Writer, live bool, placesFreed, failed func()) error {
	self := s.From.ConsoleUser
	if s.From.Phone != "" {
		self = s.From.Phone
	}
	sender := console.NewSender(stdout, a.renderer).For(self)
	d := notifier.NewDispatcher(a.store, []bot.Sender{sender}, a.clock, a.log, a.metrics, notifier.DispatcherConfig{Instance: instance})
	if live {
		background := notifier.NewDispatcher(a.store, []bot.Sender{sender}, a.clock, a.log, a.metrics,
			notifier.DispatcherConfig{Instance: instance, PollInterval: 250 * time.Millisecond})
		ctx2, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := background.Run(ctx2); err != nil && ctx2.Err() == nil {
				a.log.Error("chat: background sending stopped", "err", err)
			}
		}()
		defer func() { cancel(); <-done }()
	}
	ib := inbox.New(a.store, a.engine, a.clock, a.log, nil).Instrument(a.metrics).OnPlacesFreed(placesFreed)
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		s.Prompt = func() error { _, err := io.WriteString(stdout, "> "); return err }
	}
	s.Failed = func(ctx context.Context, line string, err error) error {
		a.log.Error("chat: a line could not be handled; nothing of it was saved", "err", err)
		failed()
		sorry, terr := a.renderer.Text(s.Language, "error.not_saved", nil)
		if terr != nil {
			return fmt.Errorf("chat: %w (and its apology: %w)", err, terr)
		}
		_, werr := fmt.Fprintf(stdout, "%s\n\n", sorry)
		return werr
	}
	return console.Run(ctx, s, stdin, ib, d)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
