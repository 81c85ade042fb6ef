package store

import "testing"

func TestPreferredChannel(t *testing.T) {
	chat, phone, local, web, oldWeb := int64(42), "+96891234567", "local", "abc", "web:abc"
	cases := []struct {
		name          string
		c             Contact
		channel, to   string
		wantReachable bool
	}{
		{"telegram first", Contact{TelegramChatID: &chat, Phone: &phone}, "telegram", "42", true},
		{"sms when the bot is blocked", Contact{TelegramChatID: &chat, TelegramBlocked: true, Phone: &phone}, "sms", phone, true},
		{"nothing when both are dead", Contact{TelegramChatID: &chat, TelegramBlocked: true, Phone: &phone, SMSUnreachable: true}, "", "", false},
		{"the terminal's user", Contact{ConsoleUser: &local}, "console", local, true},
		{"the web simulator's session", Contact{WebSession: &web}, "web", web, true},
		{"a console user named like an old web one stays on the console", Contact{ConsoleUser: &oldWeb}, "console", oldWeb, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			channel, to, ok := c.c.PreferredChannel()
			if channel != c.channel || to != c.to || ok != c.wantReachable {
				t.Errorf("PreferredChannel = %q, %q, %v; want %q, %q, %v", channel, to, ok, c.channel, c.to, c.wantReachable)
			}
		})
	}
}
