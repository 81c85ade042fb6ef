package store

import (
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/vocab"
)

// Channel names as stored on outbox rows: the shared words of package vocab.
const (
	channelTelegram = vocab.Telegram
	channelSMS      = vocab.SMS
	channelConsole  = vocab.Console
	channelWeb      = vocab.Web
)

// WebUserPrefix marks the console users of the web console's bot simulator
// (ConsoleUser "web:<id>"): their notices go to the web channel.
const WebUserPrefix = "web:"

// PreferredChannel is where a notice nobody asked for in that moment goes:
// Telegram when the contact has a chat that has not blocked the bot, else
// SMS when it has a number not known to be dead, else the console user (a
// local test session, or the web console's simulator). ok is false when the contact cannot be reached at all.
// Opt-out and erasure are not judged here; see Reachable.
func (c *Contact) PreferredChannel() (channel, recipient string, ok bool) {
	switch {
	case c.TelegramChatID != nil && !c.TelegramBlocked:
		return channelTelegram, strconv.FormatInt(*c.TelegramChatID, 10), true
	case c.Phone != nil && *c.Phone != "" && !c.SMSUnreachable:
		return channelSMS, *c.Phone, true
	case c.ConsoleUser != nil && strings.HasPrefix(*c.ConsoleUser, WebUserPrefix):
		return channelWeb, *c.ConsoleUser, true
	case c.ConsoleUser != nil && *c.ConsoleUser != "":
		return channelConsole, *c.ConsoleUser, true
	}
	return "", "", false
}

// Whether a contacts row aliased c has an address on a channel, live or
// not (a broadcast audience's "on these channels"), and whether it can be
// reached there (the address is not known to be dead), in SQL: the one
// definition that the set-based choices below, broadcast audiences and
// broadcast expansion use.
const (
	telegramAddressSQL = `c.telegram_chat_id IS NOT NULL`
	smsAddressSQL      = `c.phone IS NOT NULL AND c.phone <> ''`
	consoleAddressSQL  = `c.console_user IS NOT NULL AND c.console_user <> ''`

	telegramReachSQL = telegramAddressSQL + ` AND NOT c.telegram_blocked`
	smsReachSQL      = smsAddressSQL + ` AND NOT c.sms_unreachable`
	consoleReachSQL  = consoleAddressSQL
)

// addressSQL returns a channel's "has an address there" condition.
func addressSQL(channel string) (cond string, ok bool) {
	switch channel {
	case channelTelegram:
		return telegramAddressSQL, true
	case channelSMS:
		return smsAddressSQL, true
	case channelConsole:
		return consoleAddressSQL, true
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
	case channelConsole:
		return consoleReachSQL, "c.console_user", true
	}
	return "", "", false
}

// The same choice as PreferredChannel in SQL, for set-based sweeps.
const (
	preferredChannelSQL = `CASE WHEN ` + telegramReachSQL + ` THEN '` + channelTelegram + `'
		WHEN ` + smsReachSQL + ` THEN '` + channelSMS + `'
		WHEN c.console_user LIKE '` + WebUserPrefix + `%' THEN '` + channelWeb + `'
		ELSE '` + channelConsole + `' END`
	preferredRecipientSQL = `CASE WHEN ` + telegramReachSQL + ` THEN CAST(c.telegram_chat_id AS TEXT)
		WHEN ` + smsReachSQL + ` THEN c.phone
		ELSE c.console_user END`
	// noticeableSQL: the contact may get notices (not opted out, not erased)
	// and has a channel that reaches them.
	noticeableSQL = `c.opted_out_at IS NULL AND c.erased_at IS NULL AND (
		` + telegramReachSQL + `
		OR ` + smsReachSQL + `
		OR ` + consoleReachSQL + `)`
)
