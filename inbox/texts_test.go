package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// What each person sends is kept with their record, whatever it was, also
// when the messages of many people are handled together in one batch; the
// words only of those who agreed to the privacy notice.
func TestWhatPeopleSendIsKeptWithTheirRecord(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		ctx := context.Background()
		long := strings.Repeat("ب", store.MaxInboundText+10)
		tg := func(chat int64, id string) bot.Input {
			return bot.Input{Channel: bot.Telegram, ExternalID: id, From: vocab.Address{TelegramChatID: chat}}
		}
		cases := []struct {
			in         bot.Input
			kind, text string
		}{
			{func() bot.Input { i := tg(1, "1"); i.Text = "متى تنزل المعونة؟"; return i }(), store.InboundText, "متى تنزل المعونة؟"},
			{func() bot.Input { i := tg(2, "2"); i.Payload = "l:ar"; return i }(), store.InboundButton, "l:ar"},
			{func() bot.Input { i := tg(3, "3"); i.Kind, i.Media = bot.KindUnreadable, bot.MediaVoice; return i }(), bot.MediaVoice, ""},
			{func() bot.Input { i := tg(4, "4"); i.Kind, i.Media = bot.KindUnreadable, bot.MediaPhoto; return i }(), bot.MediaPhoto, ""},
			{func() bot.Input { i := tg(5, "5"); i.Kind = bot.KindUnreadable; return i }(), bot.MediaOther, ""},
			{func() bot.Input {
				i := tg(6, "6")
				i.Kind, i.Text = bot.KindEdited, "مرحبا مرة أخرى"
				return i
			}(), store.InboundEdited, "مرحبا مرة أخرى"},
			{func() bot.Input { i := tg(7, "7"); i.Text = long; return i }(), store.InboundText, long[:len(long)-20]},
			{func() bot.Input { i := tg(8, "8"); i.Text = "hello"; return i }(), store.InboundText, "hello"},
		}
		// Words are kept only from people who agreed to the privacy notice.
		for _, c := range cases {
			agree(t, s, c.in.From)
		}
		silent := tg(9, "9")
		silent.Text = "كلام قبل الموافقة"
		cases = append(cases, struct {
			in         bot.Input
			kind, text string
		}{silent, store.InboundText, ""})
		ins := make([]bot.Input, 0, len(cases)+1)
		for _, c := range cases {
			ins = append(ins, c.in)
		}
		repeat := tg(8, "8")
		repeat.Text = "a repeated delivery says something else"
		ins = append(ins, repeat)
		for _, h := range queueTogether(t, w.inbox, ctx, ins) {
			if h.err != nil {
				t.Fatal(h.err)
			}
		}
		for _, c := range cases {
			id := contactAt(t, s, c.in.From)
			got, err := s.InboundOf(ctx, id, t0.Add(-time.Hour), t0.Add(time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("chat %d: %d messages kept, want 1: %+v", c.in.From.TelegramChatID, len(got), got)
			}
			m := got[0]
			text := ""
			if m.Text != nil {
				text = *m.Text
			}
			if m.Kind != c.kind || text != c.text || m.Channel != bot.Telegram {
				t.Errorf("chat %d: kept %s %q (%d characters) on %s, want %s %q (%d)", c.in.From.TelegramChatID,
					m.Kind, cut(text), len([]rune(text)), m.Channel, c.kind, cut(c.text), len([]rune(c.text)))
			}
			if c.text == "" && m.Text != nil {
				t.Errorf("a voice note keeps a text: %q", *m.Text)
			}
		}
	})
}

func cut(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// agree makes the person at a someone who agreed to the privacy notice.
func agree(t *testing.T, s *store.Store, a vocab.Address) {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(a, "ar")
		if err != nil {
			return err
		}
		at := t0
		c.ConsentAt = &at
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// contactAt is the id of the contact at an address.
func contactAt(t *testing.T, s *store.Store, a vocab.Address) int64 {
	t.Helper()
	var id int64
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(a, "")
		id = c.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A person who asked for staff and then changes their governorate under
// "my details" is found by the caseworkers of the new one, not the old.
func TestAConversationFollowsThePersonWhoMoves(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s, clock.NewManual(t0))
		for _, line := range []string{"مرحبا", "1", "1", "هند", "2", "موظف", "قائمة", "8", "2", "1"} {
			w.say(t, "hind", line)
		}
		ctx := context.Background()
		for gov, want := range map[string]int{"muscat": 1, "dhofar": 0} {
			rows, err := s.ListConversations(ctx, store.ConversationFilter{Regions: store.Regions{gov}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != want {
				t.Errorf("%s's caseworkers see %d conversations, want %d:\n%s", gov, len(rows), want, w.transcript.String())
			}
		}
	})
}
