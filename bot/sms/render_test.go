package sms_test

import (
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
)

func opts(labels ...string) []bot.Option {
	out := make([]bot.Option, len(labels))
	for i, l := range labels {
		out[i] = bot.Option{Payload: l, Label: l}
	}
	return out
}

func TestLayout(t *testing.T) {
	const more = "Reply 9 for more"
	longEN := strings.Repeat("Tamkeen helps families move from aid to income. ", 20)
	longAR := strings.Repeat("يساعد تمكين الأسر على الانتقال من المساعدة إلى الدخل. ", 12)
	tests := []struct {
		name      string
		msg       bot.Message
		pages     int
		oversized bool // the last page may exceed MaxSegments (options cannot be split)
	}{
		{"short with options", bot.Message{Text: "Main menu", Options: opts("Learn", "Sign up")}, 1, false},
		{"text only", bot.Message{Text: "Hello"}, 1, false},
		{"long english text", bot.Message{Text: longEN, Options: opts("Next", "Main menu")}, 3, false},
		{"long arabic text", bot.Message{Text: longAR, Options: opts("التالي", "القائمة الرئيسية")}, 4, false},
		{"one endless word", bot.Message{Text: strings.Repeat("x", 1000)}, 3, false},
		{"many options are never split", bot.Message{Text: "Pick", Options: opts(strings.Split(strings.Repeat("مسار طويل جداً للتجربة,", 14), ",")[:14]...)}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := sms.Layout(tt.msg, more)
			if len(pages) != tt.pages {
				t.Fatalf("%d pages, want %d:\n%s", len(pages), tt.pages, strings.Join(pages, "\n---\n"))
			}
			var text strings.Builder
			for i, p := range pages {
				last := i == len(pages)-1
				if n := segment.Segments(p); n > sms.MaxSegments && !(last && tt.oversized) {
					t.Errorf("page %d costs %d segments", i+1, n)
				}
				if strings.HasSuffix(p, "\n"+more) == last {
					t.Errorf("page %d of %d: the more line belongs on every page but the last:\n%s", i+1, len(pages), p)
				}
				if !last && strings.Contains(p, "\n1. ") {
					t.Errorf("page %d has options before the last page", i+1)
				}
				text.WriteString(strings.TrimSuffix(p, "\n"+more) + " ")
			}
			// No character is lost or changed by paging (only spaces move).
			if got, want := strings.Fields(text.String()), strings.Fields(bot.Lines(tt.msg)); strings.Join(got, "") != strings.Join(want, "") {
				t.Errorf("paging changed the words:\n got %q\nwant %q", got, want)
			}
		})
	}
}
