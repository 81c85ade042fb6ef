package main

import (
	"context"
	"flag"
	"io"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/inbox"
	"github.com/tamkeen/tamkeen/notifier"
)

// wiring collects what serve runs. Each channel or feature adds itself in
// its own wireX function (one file each), so the pieces stay apart.
type wiring struct {
	app     *app
	server  *httpapi.Server
	inbox   *inbox.Inbox
	notify  func() // wakes the dispatcher after rows were enqueued
	senders []bot.Sender
	jobs    []job
	// broadcasts is the one broadcast service (set by wireStaff), shared by
	// the staff API and the web console.
	broadcasts *notifier.Broadcasts
	// importer applies contact lists (set by wireStaff), for the API and the console.
	importer *contactimport.Importer
	// placesFreed asks for a waitlist promotion at once (set by wireSchedule);
	// every inbox that cancels sign-ups calls it.
	placesFreed func()
}

// job is a long-running part of serve; it returns when ctx ends.
type job struct {
	name string
	run  func(ctx context.Context) error
}

func (w *wiring) addJob(name string, run func(ctx context.Context) error) {
	w.jobs = append(w.jobs, job{name: name, run: run})
}

// addChannel switches a channel on: its sender joins the dispatcher, its
// routes the HTTP server, its jobs the rest of serve.
func (w *wiring) addChannel(ch bot.Channel) {
	w.senders = append(w.senders, ch)
	w.app.metrics.InitChannel(ch.Channel())
	for _, r := range ch.Routes() {
		w.server.Handle(r.Pattern, r.Name, r.Handler)
	}
	for _, j := range ch.Jobs() {
		w.addJob(j.Name, j.Run)
	}
}

func serve(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	withChat := fs.Bool("chat", false, "also chat with the bot on this terminal")
	var f chatFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.store.Close()

	var dispatcher *notifier.Dispatcher
	w := &wiring{app: a, server: httpapi.New(cfg.HTTPAddr, a.store, a.metrics, log)}
	w.server.TrustProxies(cfg.TrustedProxies)
	w.notify = func() { dispatcher.Notify() }
	w.inbox = inbox.New(a.store, a.engine, a.clock, log, w.notify).Instrument(a.metrics)

	for _, wire := range []func(context.Context, *wiring) error{wireTelegram, wireSMS, wireWhatsApp, wireStaff, wireConsole, wireOrders, wireSchedule, wireConversationGauges, wireDebug} {
		if err := wire(ctx, w); err != nil {
			return err
		}
	}
	// One name for this process's dispatchers (serve's and the terminal
	// chat's): the chat's rows are not a stopped dispatcher's to serve, nor
	// is the chat a second replica to share the providers' rates with.
	instance := notifier.NewInstance()
	dcfg := dispatcherConfig(a.cfg)
	dcfg.Instance = instance
	dispatcher = notifier.NewDispatcher(a.store, w.senders, a.clock, log, a.metrics, dcfg)
	w.addJob("dispatcher", dispatcher.Run)
	watchMetrics(a, w.senders, dispatcher)
	w.addJob("http", func(ctx context.Context) error {
		return w.server.ListenAndServe(ctx, 10*time.Second, func(addr string) {
			log.Info("serving HTTP", "addr", addr, "database", a.store.Dialect(),
				"timezone", cfg.Location.String(), "quiet_hours", cfg.QuietHours.String())
		})
	})
	if *withChat {
		s, err := f.session(a)
		if err != nil {
			return err
		}
		w.addJob("console", func(ctx context.Context) error {
			err := runConsole(ctx, a, s, instance, stdin, stdout, true, w.placesFreed, func() {})
			if err != nil {
				log.Error("console closed by an error; still serving (Ctrl-C to stop)", "err", err)
			} else {
				log.Info("console closed; still serving (Ctrl-C to stop)")
			}
			<-ctx.Done()
			return err
		})
	}
	return runJobs(ctx, w.jobs, log)
}

// runJobs runs every job until ctx ends or one fails, then stops them all and
// waits for each to return.
func runJobs(ctx context.Context, jobs []job, log interface{ Info(string, ...any) }) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(jobs))
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.run(ctx); err != nil && ctx.Err() == nil {
				errc <- err
				cancel()
			}
		}()
	}
	<-ctx.Done()
	log.Info("shutting down")
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}
