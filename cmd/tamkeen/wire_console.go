package main

import (
	"context"
	"errors"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/web"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/webconsole"
)

// wireConsole mounts the staff web console (/console/, and / redirects to it)
// and adds the web channel its bot simulator talks through.
func wireConsole(ctx context.Context, w *wiring) error {
	a := w.app
	b := w.broadcasts // made by wireStaff, which runs first
	if b == nil {
		return errors.New("wireConsole needs wireStaff first (the broadcast service)")
	}
	// wireSchedule runs later and sets placesFreed: ask for it when a reset happens.
	sim := webconsole.NewSimulator(a.store, w.inbox, a.renderer).OnPlacesFreed(func() {
		if w.placesFreed != nil {
			w.placesFreed()
		}
	})
	w.addChannel(web.NewSender())
	cfg := webconsole.Config{
		Token: a.cfg.AdminToken, Location: a.cfg.Location, Region: a.cfg.DefaultRegion,
		Channels: broadcastChannels(w.senders), SMSPrice: a.cfg.SMSPrice.Amount, SMSCurrency: a.cfg.SMSPrice.Currency,
		QuietUntil: quietUntil(a.cfg), Notify: w.notify, OfficeHours: a.cfg.OfficeHours, Importer: w.importer,
		TemplatePrice: a.cfg.TemplatePrice.Amount,
	}
	if a.cfg.WhatsApp.Enabled() {
		cfg.StaffTemplate, _ = a.cfg.WhatsApp.Template(reach.Staff)
		cfg.BroadcastTemplate, _ = a.cfg.WhatsApp.Template(reach.Broadcast)
	}
	c, err := webconsole.New(a.store, b, sim, a.bundle, a.clock, a.log, cfg)
	if err != nil {
		return err
	}
	c.OnPlacesFreed(func() {
		if w.placesFreed != nil {
			w.placesFreed()
		}
	})
	w.server.Upload(webconsole.ImportRoute, importMaxBytes, importMaxTime)
	c.Mount(w.server)
	if a.cfg.AdminToken == "" {
		a.log.Info("web console off", "why", "TAMKEEN_ADMIN_TOKEN is not set")
	}
	return nil
}

// broadcastChannels are the channels of the configured senders a broadcast
// can go out on (wireTelegram, wireSMS and wireWhatsApp run first).
func broadcastChannels(senders []bot.Sender) []string {
	var out []string
	for _, s := range senders {
		if ch := s.Channel(); ch == bot.Telegram || ch == bot.SMS || ch == bot.WhatsApp {
			out = append(out, ch)
		}
	}
	return out
}
