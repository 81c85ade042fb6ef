package pipelinetest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/internal/pipelinetest"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/vocab"
)

func checker(t *testing.T) *pipelinetest.Checker {
	t.Helper()
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	return (&pipelinetest.Pipeline{Bundle: b, Renderer: bot.NewRenderer(b, time.UTC)}).Checker()
}

// TestCheckRepliesCatchesWhatAPersonMustNotRead: the renderer check the
// golden transcripts run fails on an unknown key (of the text, of an
// option, or inside the data), on a template field left without data, and
// passes a reply that renders whole.
func TestCheckRepliesCatchesWhatAPersonMustNotRead(t *testing.T) {
	tests := []struct {
		name  string
		reply vocab.Reply
		want  error // nil: no problem
	}{
		{"renders whole", vocab.Reply{Key: "sms.more", Data: map[string]any{"N": 9}}, nil},
		{"unknown key", vocab.Reply{Key: "flows.no_such_text"}, locales.ErrMissing},
		{"unknown option key", vocab.Reply{Key: "sms.more", Data: map[string]any{"N": 9},
			Options: []vocab.Option{{Payload: "x", Key: "menu.no_such_option"}}}, locales.ErrMissing},
		{"unknown key inside the data", vocab.Reply{Key: "sms.more", Data: map[string]any{"N": vocab.T("gov.atlantis")}}, locales.ErrMissing},
		{"unknown key in a list", vocab.Reply{Key: "sms.more", Data: map[string]any{"N": vocab.List("gov.muscat", "gov.atlantis")}}, locales.ErrMissing},
		{"field without data (<no value>)", vocab.Reply{Key: "sms.more"}, locales.ErrMissingData},
	}
	c := checker(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.reply
			errs := c.CheckReplies([]bot.Outgoing{{ID: 1, Language: "ar", Reply: &r}})
			if tt.want == nil {
				if len(errs) != 0 {
					t.Fatalf("want no problem, got %v", errs)
				}
				return
			}
			// Each language, in full and short.
			if len(errs) != 4 {
				t.Fatalf("want the problem in each of 4 renderings, got %d: %v", len(errs), errs)
			}
			for _, err := range errs {
				if !errors.Is(err, tt.want) {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			}
		})
	}
}

// TestCheckTextCatchesLeaks: texts that show "<no value>", a Go map, a
// formatting error, template braces or a catalog key are refused; words,
// numbers and a web address are not.
func TestCheckTextCatchesLeaks(t *testing.T) {
	tests := []struct {
		text string
		bad  bool
	}{
		{"مرحباً يا فاطمة\n1. مسقط", false},
		{"See tamkeen.example.org for more.\nexample.org", false},
		{"Starts: 3.12.2026", false},
		{"Your sign-up for <no value> is confirmed.", true},
		{"Hello map[$t:gov.muscat]", true},
		{"%!s(MISSING)", true},
		{"Hello {{.Name}}", true},
		{"sms.more", true},                    // a key of the catalogs
		{"Choose:\nmenu.something_new", true}, // a line in a namespace the catalogs use
		{"Choose:\n  reg.name  \n1. x", true}, // padded
	}
	c := checker(t)
	for _, tt := range tests {
		if err := c.CheckText(tt.text); (err != nil) != tt.bad {
			t.Errorf("CheckText(%q) = %v, want bad %v", tt.text, err, tt.bad)
		}
	}
}
