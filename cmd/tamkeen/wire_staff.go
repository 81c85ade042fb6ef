package main

import (
	"context"
	"time"

	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/staffapi"
)

// A contact list sent over HTTP (the staff API, the console) may be this
// large (about 1.5 million rows of a few columns) and take this long; larger
// lists go through tamkeen contacts import.
const (
	importMaxBytes = 100 << 20
	importMaxTime  = 10 * time.Minute
)

// wireStaff mounts the staff API (/api/v1) and runs the broadcast expansion;
// it makes the broadcast service the web console uses too.
func wireStaff(ctx context.Context, w *wiring) error {
	a := w.app
	b := notifier.NewBroadcasts(a.store, a.clock, a.log, w.notify, notifier.BroadcastConfig{QuietUntil: quietUntil(a.cfg)})
	w.broadcasts = b
	w.addJob("broadcasts", b.Run)
	w.importer = contactimport.New(a.store, a.bundle, a.cfg.DefaultRegion)
	w.server.Upload(staffapi.ImportRoute, importMaxBytes, importMaxTime)
	staffapi.New(a.store, b, a.clock, a.log, staffapi.Config{
		Token: a.cfg.AdminToken, Region: a.cfg.DefaultRegion, Languages: a.bundle.Languages(),
		Governorates: a.bundle.Content.Governorates, Tracks: a.bundle.Content.Tracks,
		Configured: broadcastChannels(w.senders), CheckChannels: true, // wireTelegram and wireSMS run first
		Location: a.cfg.Location, Words: a.bundle, Renderer: a.renderer, Notify: w.notify, Importer: w.importer,
	}).Mount(w.server)
	if a.cfg.AdminToken == "" {
		a.log.Info("staff API off", "why", "TAMKEEN_ADMIN_TOKEN is not set")
	}
	return nil
}

// quietUntil holds bulk messages until TAMKEEN_QUIET_HOURS end, in TAMKEEN_TIMEZONE.
func quietUntil(cfg config.Config) func(time.Time) time.Time {
	return func(t time.Time) time.Time { return cfg.QuietHours.NextAllowed(t, cfg.Location) }
}

// dispatcherConfig is the dispatcher's settings for serve.
func dispatcherConfig(cfg config.Config) notifier.DispatcherConfig {
	return notifier.DispatcherConfig{QuietUntil: quietUntil(cfg), Lease: cfg.OutboxLease,
		Prices: reach.Prices{Template: cfg.TemplatePrice.Amount, SMSSegment: cfg.SMSPrice.Amount}}
}
