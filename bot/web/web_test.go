package web_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/web"
	"github.com/tamkeen/tamkeen/vocab"
)

// What staff type in the simulator reaches the inbox as a web input from the
// session's own address, trimmed, valid UTF-8 and bounded; a missing
// session is refused.
func TestInput(t *testing.T) {
	long := strings.Repeat("ب", web.MaxTextRunes+10)
	tests := []struct {
		name, id, text, payload string
		want                    bot.Input
		wantErr                 bool
	}{
		{name: "typed", id: "s1", text: "  مرحبا  ", want: bot.Input{Channel: vocab.Web, From: vocab.Address{WebSession: "s1"}, Text: "مرحبا"}},
		{name: "tapped", id: "s1", payload: "opp:7", want: bot.Input{Channel: vocab.Web, From: vocab.Address{WebSession: "s1"}, Payload: "opp:7"}},
		{name: "invalid utf-8 dropped", id: "s2", text: "a\xffb", want: bot.Input{Channel: vocab.Web, From: vocab.Address{WebSession: "s2"}, Text: "ab"}},
		{name: "long text cut on a character", id: "s3", text: long, want: bot.Input{Channel: vocab.Web, From: vocab.Address{WebSession: "s3"}, Text: long[:2*web.MaxTextRunes]}},
		{name: "no session", id: "", text: "hi", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := web.Input(tt.id, tt.text, tt.payload)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got != tt.want {
				t.Errorf("Input = %+v, want %+v", got, tt.want)
			}
			if !utf8.ValidString(got.Text) {
				t.Errorf("text is not valid UTF-8: %q", got.Text)
			}
		})
	}
}
