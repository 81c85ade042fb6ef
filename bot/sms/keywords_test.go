package sms_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/store"
)

// paths lead a new number to a step, per language.
var paths = map[string][]string{
	"ar": {"مرحبا", "١", "٩", "١", "فاطمة", "١", "١", "١"},
	"en": {"hello", "2", "1", "Fatma", "1", "1", "1"},
}

// steps name how many inputs of the path reach them.
var steps = map[string]map[string]int{
	"ar": {"language": 1, "consent (mid-page)": 2, "consent": 3, "name": 4, "governorate": 5, "menu": 6, "modules": 7, "module page": 8},
	"en": {"language": 1, "consent": 2, "name": 3, "governorate": 4, "menu": 5, "modules": 6, "module page": 7},
}

var (
	// Words that stop at once on SMS: the plain stop words, and the everyday
	// English words the provider itself takes as an opt-out (CANCEL, END).
	stopWords  = []string{"STOP", "stop", "STOPALL", "UNSUBSCRIBE", "Cancel", "END", "quit", "إيقاف", "ايقاف", "توقف", "أوقف", "  Stop  ", "إِيقاف"}
	startWords = []string{"START", "start", "ابدأ", "ابدا"}
	helpWords  = []string{"HELP", "help", "مساعدة", "المساعدة"}
)

type phoneSeq struct{ n int }

func (p *phoneSeq) next() string { p.n++; return fmt.Sprintf("+9689%07d", 1000000+p.n) }

// TestKeywords: at every step, in both languages, STOP answers once and then
// nothing reaches the number (a broadcast included) until START; HELP is one
// SMS segment.
func TestKeywords(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		var phones phoneSeq
		i := 0
		for _, lang := range []string{"ar", "en"} {
			for _, step := range slices.Sorted(maps.Keys(steps[lang])) {
				n := steps[lang][step]
				for _, stop := range []string{stopWords[i%len(stopWords)], stopWords[(i+1)%len(stopWords)]} {
					start := startWords[i%len(startWords)]
					help := helpWords[i%len(helpWords)]
					i++
					name := fmt.Sprintf("%s/%s/%q", lang, step, stop)
					from := phones.next()
					for _, in := range paths[lang][:n] {
						w.text(from, in)
					}
					// The language a reply comes in: none chosen yet means Arabic.
					replyLang := lang
					if step == "language" {
						replyLang = "ar"
					}

					got := w.text(from, help)
					if len(got) != 1 || segment.Segments(got[0]) != 1 || !strings.HasPrefix(got[0], w.word(replyLang, "help.sms")) {
						t.Errorf("%s: HELP %q: want the one-segment help, got %q", name, help, got)
					}

					got = w.text(from, stop)
					if len(got) != 1 || got[0] != w.word(replyLang, "stop.done") {
						t.Errorf("%s: want one confirmation, got %q", name, got)
					}
					c := w.contact(from)
					if c.OptedOutAt == nil {
						t.Errorf("%s: contact not opted out", name)
					}
					for _, in := range []string{"1", "hello", "9", help} {
						if got := w.text(from, in); len(got) != 0 {
							t.Errorf("%s: after STOP, %q got %q", name, in, got)
						}
					}
					if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{
						ContactID: c.ID, Channel: bot.SMS, Recipient: from, Language: lang, Priority: store.PriorityBulk,
						Body: "broadcast", DedupeKey: "test:broadcast:" + from,
					}); err != nil {
						t.Fatal(err)
					}
					w.drain()
					if got := w.fake.To(from); got[len(got)-1] != w.word(replyLang, "stop.done") {
						t.Errorf("%s: after STOP a broadcast arrived: %q", name, got[len(got)-1])
					}

					got = w.text(from, start)
					if len(got) == 0 || got[0] != w.word(replyLang, "stop.resumed") {
						t.Errorf("%s: START %q: want welcome back, got %q", name, start, got)
					}
					if c := w.contact(from); c.OptedOutAt != nil {
						t.Errorf("%s: still opted out after START", name)
					}
				}
			}
		}
	})
}

// TestOptOutCheckedAtSendTime: a message queued before STOP is not sent
// after it; only the confirmation goes.
func TestOptOutCheckedAtSendTime(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		const from = "+96891234567"
		for _, in := range paths["en"][:5] {
			w.text(from, in)
		}
		c := w.contact(from)
		before := len(w.fake.To(from))
		for i, prio := range []int{store.PriorityBulk, store.PriorityNotice} {
			if _, err := w.store.Enqueue(ctx, &store.OutboxMessage{
				ContactID: c.ID, Channel: bot.SMS, Recipient: from, Language: "en", Priority: prio,
				Body: "queued before STOP", DedupeKey: fmt.Sprintf("test:queued:%d", i),
			}); err != nil {
				t.Fatal(err)
			}
		}
		// STOP arrives before the dispatcher ran.
		if _, code, err := w.fake.Text(sms.InboundPath, from, "STOP"); err != nil || code != http.StatusOK {
			t.Fatalf("STOP: %d %v", code, err)
		}
		w.drain()
		got := w.fake.To(from)[before:]
		if len(got) != 1 || got[0] != w.word("en", "stop.done") {
			t.Fatalf("after STOP want only the confirmation, got %q", got)
		}
		counts, err := w.store.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[store.OutboxSkipped] != 2 {
			t.Errorf("want the two queued messages skipped, outbox: %v", counts)
		}
	})
}

// TestCancelWordsBySMS: over real SMS webhooks, «إلغاء» on a sign-up's page
// asks to cancel that sign-up and at the menu says there is nothing to
// cancel; nobody is opted out by it. CANCEL in English, which the provider
// itself takes as an opt-out, stops at once.
func TestCancelWordsBySMS(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		const from = "+96891230000"
		// Arabic, consent, name, Muscat, opportunities, the first, sign up, my sign-ups, the sign-up.
		for _, in := range []string{"مرحبا", "١", "١", "فاطمة", "١", "٣", "١", "١", "١", "١"} {
			w.text(from, in)
		}
		got := w.text(from, "إلغاء")
		if len(got) != 1 || !strings.HasPrefix(got[0], "هل نلغي تسجيلك في") || w.contact(from).OptedOutAt != nil {
			t.Fatalf("«إلغاء» on the sign-up's page: want the cancel question, got %q (opted out: %v)", got, w.contact(from).OptedOutAt != nil)
		}
		w.text(from, "قائمة")
		got = w.text(from, "إلغاء")
		if len(got) != 2 || got[0] != w.word("ar", "cancel.nothing") || w.contact(from).OptedOutAt != nil {
			t.Fatalf("«إلغاء» at the menu: want nothing to cancel and the menu, got %q", got)
		}
		got = w.text(from, "CANCEL")
		if len(got) != 1 || got[0] != w.word("ar", "stop.done") || w.contact(from).OptedOutAt == nil {
			t.Fatalf("CANCEL on SMS: want an immediate stop, got %q", got)
		}
	})
}
