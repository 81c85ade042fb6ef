package store

import (
	"strconv"

	"github.com/tamkeen/tamkeen/vocab"
)

// Channel names as stored on outbox rows: the shared words of package vocab.
const (
	channelTelegram = vocab.Telegram
	channelSMS      = vocab.SMS
	channelConsole  = vocab.Console
	channelWeb      = vocab.Web
	channelWhatsApp = vocab.WhatsApp
)

// PreferredChannel is where a notice nobody asked for in that moment goes,
// in reach.Choose's order of cost: Telegram when the contact has a chat
// that has not blocked the bot, else WhatsApp when they wrote there and it
// reaches them (free inside the window; outside it the dispatcher sends
// the kind's template, or moves the message to SMS when that is cheaper or
// there is no template), else SMS when it has a number not known to be
// dead, else the web console's simulator session, else the console user (a
// local test session). ok is false when the contact cannot be reached at
// all. Opt-out and erasure are not judged here; see Reachable.
func (c *Contact) PreferredChannel() (channel, recipient string, ok bool) {
	wa, onWhatsApp := c.WhatsAppRecipient()
	switch {
	case c.TelegramChatID != nil && !c.TelegramBlocked:
		return channelTelegram, strconv.FormatInt(*c.TelegramChatID, 10), true
	case onWhatsApp && !c.WhatsAppUnreachable:
		return channelWhatsApp, wa, true
	case c.Phone != nil && *c.Phone != "" && !c.SMSUnreachable:
		return channelSMS, *c.Phone, true
	case c.WebSession != nil && *c.WebSession != "":
		return channelWeb, *c.WebSession, true
	case c.ConsoleUser != nil && *c.ConsoleUser != "":
		return channelConsole, *c.ConsoleUser, true
	}
	return "", "", false
}

// WhatsAppRecipient is how WhatsApp addresses the contact: their number
// when it is known (Meta's advice: it keeps numbers in the webhooks), else
// their WhatsApp user id. ok is false for someone who never wrote on
// WhatsApp: nothing says WhatsApp knows them.
func (c *Contact) WhatsAppRecipient() (recipient string, ok bool) {
	hasID := c.WhatsAppID != nil && *c.WhatsAppID != ""
	if !hasID && c.WhatsAppLastInboundAt == nil {
		return "", false
	}
	if c.Phone != nil && *c.Phone != "" {
		return *c.Phone, true
	}
	if hasID {
		return *c.WhatsAppID, true
	}
	return "", false
}

// Whether a contacts row aliased c has an address on a channel, live or
// not (a broadcast audience's "on these channels"), and whether it can be
// reached there (the address is not known to be dead), in SQL: the one
// definition that the set-based choices below, broadcast audiences and
// broadcast expansion use.
const (
	telegramAddressSQL = `c.telegram_chat_id IS NOT NULL`
	smsAddressSQL      = `c.phone IS NOT NULL AND c.phone <> ''`
	webAddressSQL      = `c.web_session IS NOT NULL AND c.web_session <> ''`
	consoleAddressSQL  = `c.console_user IS NOT NULL AND c.console_user <> ''`
	// On WhatsApp: the person wrote there, and a number or a user id names them.
	whatsappAddressSQL = `((c.whatsapp_id IS NOT NULL AND c.whatsapp_id <> '') OR (c.whatsapp_last_inbound_at IS NOT NULL AND ` + smsAddressSQL + `))`
	whatsappRecipient  = `COALESCE(NULLIF(c.phone, ''), c.whatsapp_id)`

	telegramReachSQL = telegramAddressSQL + ` AND NOT c.telegram_blocked`
	smsReachSQL      = smsAddressSQL + ` AND NOT c.sms_unreachable`
	webReachSQL      = webAddressSQL
	consoleReachSQL  = consoleAddressSQL
	whatsappReachSQL = whatsappAddressSQL + ` AND NOT c.whatsapp_unreachable`
)

// whatsappWindowOpenSQL is reach.WhatsAppWindow in SQL, with @wsince the
// time a day before now: the person wrote within the last 24 hours, and
// WhatsApp has not said 131047 since (a mark is never after now).
const whatsappWindowOpenSQL = `(c.whatsapp_last_inbound_at > @wsince
	AND (c.whatsapp_window_closed_at IS NULL OR c.whatsapp_window_closed_at < c.whatsapp_last_inbound_at))`

// addressSQL returns a channel's "has an address there" condition.
func addressSQL(channel string) (cond string, ok bool) {
	switch channel {
	case channelTelegram:
		return telegramAddressSQL, true
	case channelSMS:
		return smsAddressSQL, true
	case channelWeb:
		return webAddressSQL, true
	case channelConsole:
		return consoleAddressSQL, true
	case channelWhatsApp:
		return whatsappAddressSQL, true
	}
	return "", false
}

// reachSQL returns a channel's reach condition and address expression.
func reachSQL(channel string) (cond, address string, ok bool) {
	switch channel {
	case channelTelegram:
		return telegramReachSQL, "CAST(c.telegram_chat_id AS TEXT)", true
	case channelSMS:
		return smsReachSQL, "c.phone", true
	case channelWeb:
		return webReachSQL, "c.web_session", true
	case channelConsole:
		return consoleReachSQL, "c.console_user", true
	case channelWhatsApp:
		return whatsappReachSQL, whatsappRecipient, true
	}
	return "", "", false
}

// The same choice as PreferredChannel in SQL, for set-based sweeps.
const (
	preferredChannelSQL = `CASE WHEN ` + telegramReachSQL + ` THEN '` + channelTelegram + `'
		WHEN ` + whatsappReachSQL + ` THEN '` + channelWhatsApp + `'
		WHEN ` + smsReachSQL + ` THEN '` + channelSMS + `'
		WHEN ` + webReachSQL + ` THEN '` + channelWeb + `'
		ELSE '` + channelConsole + `' END`
	preferredRecipientSQL = `CASE WHEN ` + telegramReachSQL + ` THEN CAST(c.telegram_chat_id AS TEXT)
		WHEN ` + whatsappReachSQL + ` THEN ` + whatsappRecipient + `
		WHEN ` + smsReachSQL + ` THEN c.phone
		WHEN ` + webReachSQL + ` THEN c.web_session
		ELSE c.console_user END`
	// noticeableSQL: the contact may get notices (not opted out, not erased)
	// and has a channel that reaches them.
	// reachableSQL: some channel reaches the contact.
	reachableSQL = `(` + telegramReachSQL + `
		OR ` + smsReachSQL + `
		OR ` + whatsappReachSQL + `
		OR ` + webReachSQL + `
		OR ` + consoleReachSQL + `)`
	noticeableSQL = `c.opted_out_at IS NULL AND c.erased_at IS NULL AND ` + reachableSQL
)
