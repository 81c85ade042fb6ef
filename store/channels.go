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
)

// PreferredChannel is where a notice nobody asked for in that moment goes:
// Telegram when the contact has a chat that has not blocked the bot, else
// SMS when it has a number not known to be dead, else the web console's
// simulator session, else the console user (a local test session). ok is
// false when the contact cannot be reached at all.
// Opt-out and erasure are not judged here; see Reachable.
func (c *Contact) PreferredChannel() (channel, recipient string, ok bool) {
	switch {
	case c.TelegramChatID != nil && !c.TelegramBlocked:
		return channelTelegram, strconv.FormatInt(*c.TelegramChatID, 10), true
	case c.Phone != nil && *c.Phone != "" && !c.SMSUnreachable:
		return channelSMS, *c.Phone, true
	case c.WebSession != nil && *c.WebSession != "":
		return channelWeb, *c.WebSession, true
	case c.ConsoleUser != nil && *c.ConsoleUser != "":
		return channelConsole, *c.ConsoleUser, true
	}
	return "", "", false
}

// Whether a contacts row aliased c can be reached on a channel, in SQL: the
// one definition that the set-based choices below and broadcast expansion use.
const (
	telegramReachSQL = `c.telegram_chat_id IS NOT NULL AND NOT c.telegram_blocked`
	smsReachSQL      = `c.phone IS NOT NULL AND c.phone <> '' AND NOT c.sms_unreachable`
	webReachSQL      = `c.web_session IS NOT NULL AND c.web_session <> ''`
	consoleReachSQL  = `c.console_user IS NOT NULL AND c.console_user <> ''`
)

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
	}
	return "", "", false
}

// The same choice as PreferredChannel in SQL, for set-based sweeps.
const (
	preferredChannelSQL = `CASE WHEN ` + telegramReachSQL + ` THEN '` + channelTelegram + `'
		WHEN ` + smsReachSQL + ` THEN '` + channelSMS + `'
		WHEN ` + webReachSQL + ` THEN '` + channelWeb + `'
		ELSE '` + channelConsole + `' END`
	preferredRecipientSQL = `CASE WHEN ` + telegramReachSQL + ` THEN CAST(c.telegram_chat_id AS TEXT)
		WHEN ` + smsReachSQL + ` THEN c.phone
		WHEN ` + webReachSQL + ` THEN c.web_session
		ELSE c.console_user END`
	// noticeableSQL: the contact may get notices (not opted out, not erased)
	// and has a channel that reaches them.
	noticeableSQL = `c.opted_out_at IS NULL AND c.erased_at IS NULL AND (
		` + telegramReachSQL + `
		OR ` + smsReachSQL + `
		OR ` + webReachSQL + `
		OR ` + consoleReachSQL + `)`
)
