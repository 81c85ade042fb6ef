package vocab

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAddressKeyTellsChannelsApart(t *testing.T) {
	tests := []struct {
		addr Address
		want string
	}{
		{Address{TelegramChatID: 968}, "t:968"},
		{Address{Phone: "968"}, "p:968"},
		{Address{ConsoleUser: "968"}, "c:968"},
		{Address{Phone: "+96891234567"}, "p:+96891234567"},
		{Address{ConsoleUser: "web:ab12"}, "c:web:ab12"},
		{Address{WebSession: "ab12"}, "w:ab12"},
		{Address{WhatsAppID: "OM.968"}, "wa:OM.968"},
		{Address{WhatsAppID: "OM.968", Phone: "+96891234567"}, "wa:OM.968"},
	}
	for _, tt := range tests {
		if got := tt.addr.Key(); got != tt.want {
			t.Errorf("%+v.Key() = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// Queued outbox rows hold replies as JSON: a reply written before a release
// must read the same after it, so the field names and markers are fixed.
func TestReplyJSONIsTheStoredFormat(t *testing.T) {
	stored := `{"key":"order.status","short_key":"order.status.sms",` +
		`"data":{"Count":{"$d":{"N":2},"$t":"plural.items"},"Items":{"$list":["a","b"]},"Name":"مريم",` +
		`"Title":{"$l":{"ar":"خياطة","en":"Sewing"}},"Total":{"$cur":"OMR","$money":"12.500"},` +
		`"What":{"$t":"kind.training"},"When":{"$date":"2026-12-01T10:00:00Z"}},` +
		`"options":[{"p":"yes","k":"option.yes"}],"always":true}`
	built := Reply{
		Key: "order.status", ShortKey: "order.status.sms", Always: true,
		Data: map[string]any{
			"Count": TD("plural.items", map[string]any{"N": 2}),
			"Items": List("a", "b"),
			"Name":  "مريم",
			"Title": L(map[string]string{"ar": "خياطة", "en": "Sewing"}),
			"Total": Money("12.500", "OMR"),
			"When":  Date(time.Date(2026, 12, 1, 14, 0, 0, 0, time.FixedZone("GST", 4*3600))),
			"What":  T("kind.training"),
		},
		Options: []Option{{Payload: "yes", Key: "option.yes"}},
	}
	got, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stored {
		t.Errorf("reply JSON changed:\n got %s\nwant %s", got, stored)
	}
	var back Reply
	if err := json.Unmarshal([]byte(stored), &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != stored {
		t.Errorf("stored reply does not survive a round trip:\n got %s\nwant %s", again, stored)
	}
}

// vocab is the leaf every part imports; importing any of ours would bring
// back the tangle it exists to remove (or an import cycle).
func TestVocabImportsNothingOfOurs(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			if strings.HasPrefix(path, "github.com/tamkeen/") {
				t.Errorf("%s imports %s", e.Name(), path)
			}
		}
	}
}

// Only SMS costs per message and has carrier stop words; the conversation
// reads these traits, never the channel's name.
func TestTraitsOf(t *testing.T) {
	tests := []struct {
		channel string
		want    Traits
	}{
		{SMS, Traits{Paid: true, CarrierStops: true}},
		{Telegram, Traits{}},
		{Console, Traits{}},
		{Web, Traits{}},
		{WhatsApp, Traits{}},
	}
	for _, tt := range tests {
		if got := TraitsOf(tt.channel); got != tt.want {
			t.Errorf("TraitsOf(%q) = %+v, want %+v", tt.channel, got, tt.want)
		}
	}
}
