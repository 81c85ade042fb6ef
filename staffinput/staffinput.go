// Package staffinput holds the rules for what staff enter — broadcasts and
// opportunities — in one place, so that the staff API and the web console
// refuse the same things. Each front end parses its own format (JSON, a
// form) into store records, asks Rules for the problems, and words them its
// own way: the API as a message naming the field, the console from its
// catalog.
package staffinput

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

// MaxTextRunes bounds one broadcast text (Telegram's message size).
const MaxTextRunes = 4096

// MaxCapacity bounds an opportunity's places (PostgreSQL stores them in a
// 32-bit integer; no real opportunity comes near).
const MaxCapacity = 1_000_000

// Channels are the channels a broadcast may go out on and audiences may name.
func Channels() []string { return []string{vocab.Telegram, vocab.WhatsApp, vocab.SMS, vocab.Console} }

// Kinds are the kinds of opportunity.
func Kinds() []string { return []string{"training", "job", "event"} }

// Problem codes.
const (
	Required   = "required"    // nothing given where something must be
	Empty      = "empty"       // given, but blank
	Unknown    = "unknown"     // not one of the allowed values (Allowed lists them)
	TooLong    = "too_long"    // longer than Limit characters
	Negative   = "negative"    // below zero
	Conflict   = "conflict"    // cannot go with another field (audience.all with filters)
	NoFilter   = "no_filter"   // an audience that names nobody
	Duplicate  = "duplicate"   // given twice
	AfterStart = "after_start" // a sign-up deadline after the start
	Unsafe     = "unsafe"      // a NUL, another control or a direction-override character (Value names it, as U+XXXX)
	TooLarge   = "too_large"   // above Limit
)

// Problem is one reason a record cannot be saved.
type Problem struct {
	Field   string   // texts.ar, audience.languages, channels[0], title.ar, capacity, …
	Code    string   // one of the codes above
	Value   string   // the offending value, when there is one
	Allowed []string // for Unknown
	Limit   int      // for TooLong
	Length  int      // for TooLong: the length given
}

// Rules are the allowed values. A nil list is not checked.
type Rules struct {
	Languages    []string
	Governorates []string
	Tracks       []string
}

func (r Rules) unknown(ps *[]Problem, field, value string, allowed []string) {
	if allowed != nil && !slices.Contains(allowed, value) {
		*ps = append(*ps, Problem{Field: field, Code: Unknown, Value: value, Allowed: allowed})
	}
}

// unsafe adds a problem when text holds a character that may not be stored
// or shown (PostgreSQL refuses NUL; overrides make text read otherwise).
func unsafe(ps *[]Problem, field, text string, multiline bool) {
	if r, bad := textnorm.Unsafe(text, multiline); bad {
		*ps = append(*ps, Problem{Field: field, Code: Unsafe, Value: fmt.Sprintf("%U", r)})
	}
}

// Broadcast lists what is wrong with b, in a stable order (empty: nothing).
// An Arabic text is required: it is the text for everyone whose language has none.
func (r Rules) Broadcast(b *store.Broadcast) []Problem {
	var ps []Problem
	if strings.TrimSpace(b.Texts["ar"]) == "" {
		ps = append(ps, Problem{Field: "texts.ar", Code: Required})
	}
	langs := make([]string, 0, len(b.Texts))
	for lang := range b.Texts {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	for _, lang := range langs {
		text, field := b.Texts[lang], "texts."+lang
		r.unknown(&ps, field, lang, r.Languages)
		if strings.TrimSpace(text) == "" && lang != "ar" {
			ps = append(ps, Problem{Field: field, Code: Empty})
		}
		if n := utf8.RuneCountInString(text); n > MaxTextRunes {
			ps = append(ps, Problem{Field: field, Code: TooLong, Limit: MaxTextRunes, Length: n})
		}
		unsafe(&ps, field, text, true)
	}
	au := b.Audience
	filtered := len(au.Governorates)+len(au.Languages)+len(au.Channels)+len(au.Tracks)+len(au.Fields)+len(au.Sources) > 0 || au.OpportunityID != 0
	switch {
	case au.All && filtered:
		ps = append(ps, Problem{Field: "audience.all", Code: Conflict})
	case !au.All && !filtered:
		ps = append(ps, Problem{Field: "audience", Code: NoFilter})
	}
	for _, g := range au.Governorates {
		r.unknown(&ps, "audience.governorates", g, r.Governorates)
	}
	for _, l := range au.Languages {
		r.unknown(&ps, "audience.languages", l, r.Languages)
	}
	for _, t := range au.Tracks {
		r.unknown(&ps, "audience.tracks", t, r.Tracks)
	}
	for _, c := range au.Channels {
		r.unknown(&ps, "audience.channels", c, Channels())
	}
	fields := make([]string, 0, len(au.Fields))
	for name := range au.Fields {
		fields = append(fields, name)
	}
	slices.Sort(fields)
	for _, name := range fields {
		field := "audience.fields." + name
		if strings.TrimSpace(name) == "" {
			field = "audience.fields"
		}
		switch {
		case strings.TrimSpace(name) == "":
			ps = append(ps, Problem{Field: field, Code: Empty})
		case len(au.Fields[name]) == 0:
			ps = append(ps, Problem{Field: field, Code: Empty})
		}
		unsafe(&ps, field, name, false)
		for _, v := range au.Fields[name] {
			unsafe(&ps, field, v, false)
		}
	}
	for _, src := range au.Sources {
		if strings.TrimSpace(src) == "" {
			ps = append(ps, Problem{Field: "audience.sources", Code: Empty})
		}
		unsafe(&ps, "audience.sources", src, false)
	}
	if au.OpportunityID < 0 {
		ps = append(ps, Problem{Field: "audience.opportunity_id", Code: Negative})
	}
	if len(b.Channels) == 0 {
		ps = append(ps, Problem{Field: "channels", Code: Required})
	}
	for i, c := range b.Channels {
		field := "channels[" + strconv.Itoa(i) + "]"
		r.unknown(&ps, field, c, Channels())
		if slices.Index(b.Channels, c) != i {
			ps = append(ps, Problem{Field: field, Code: Duplicate, Value: c})
		}
	}
	return ps
}

// Opportunity lists what is wrong with o (empty: nothing). An Arabic title
// is required; a sign-up deadline may not fall after the start.
func (r Rules) Opportunity(o *store.Opportunity) []Problem {
	var ps []Problem
	r.unknown(&ps, "kind", o.Kind, Kinds())
	if o.Track != "" {
		r.unknown(&ps, "track", o.Track, r.Tracks)
	}
	if o.Governorate != "" {
		r.unknown(&ps, "governorate", o.Governorate, r.Governorates)
	}
	for _, f := range []struct {
		name string
		m    map[string]string
	}{{"title", o.Title}, {"description", o.Description}} {
		langs := make([]string, 0, len(f.m))
		for lang := range f.m {
			langs = append(langs, lang)
		}
		slices.Sort(langs)
		for _, lang := range langs {
			r.unknown(&ps, f.name+"."+lang, lang, r.Languages)
			unsafe(&ps, f.name+"."+lang, f.m[lang], f.name == "description")
		}
	}
	if strings.TrimSpace(o.Title["ar"]) == "" {
		ps = append(ps, Problem{Field: "title.ar", Code: Required})
	}
	if o.Capacity < 0 {
		ps = append(ps, Problem{Field: "capacity", Code: Negative})
	}
	if o.Capacity > MaxCapacity {
		ps = append(ps, Problem{Field: "capacity", Code: TooLarge, Limit: MaxCapacity})
	}
	if o.SignupDeadline != nil && !o.StartsAt.IsZero() && o.SignupDeadline.After(o.StartsAt) {
		ps = append(ps, Problem{Field: "signup_deadline", Code: AfterStart})
	}
	return ps
}
