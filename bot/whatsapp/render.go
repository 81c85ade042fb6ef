package whatsapp

import (
	"slices"
	"strings"

	"github.com/tamkeen/tamkeen/bot"
)

// Catalog keys of the words only WhatsApp shows.
const (
	keyListButton = "whatsapp.list_button" // the button that opens a list of options
	keyChoose     = "whatsapp.choose"      // the body of options sent after a text too long to carry them
)

// Words are the channel's own words in one language.
type Words struct {
	ListButton string // opens a list ("Options")
	Choose     string // heads options that follow a long text ("Please choose:")
}

// Layout turns a rendered message into the requests that carry it, in
// order, without recipient:
//
//   - no options: text, split at MaxText on paragraph, line or word boundaries;
//   - 1 to 3 options: reply buttons (titles shortened to MaxButtonTitle);
//   - 4 to 10: a list (row titles shortened to MaxRowTitle, the whole
//     label as the row's description when the title had to be shortened);
//   - more than 10 (Egypt's 27 governorates): numbered lines, as on SMS.
//     WhatsApp lists hold 10 rows; a list that pages would need the
//     options kept between messages, and costs most people a second tap
//     for a question asked once; the name or number typed is understood.
//
// An interactive body holds MaxBody: a longer text goes first as text, and
// the buttons or list follow under words.Choose. Options whose payloads
// WhatsApp cannot carry, or whose shortened titles would look alike, go as
// numbered lines too. Typed numbers and words keep working whatever the
// layout: the conversation matches them, not the buttons.
func Layout(m bot.Message, words Words) []Request {
	n := len(m.Options)
	switch {
	case n == 0:
		return texts(m.Text)
	case n <= MaxButtons:
		if in, ok := buttons(m.Options); ok {
			return interactive(m.Text, in, words)
		}
		fallthrough
	case n <= MaxRows:
		if in, ok := list(m.Options, words); ok {
			return interactive(m.Text, in, words)
		}
	}
	return texts(bot.Lines(m))
}

// texts is text split into messages of at most MaxText (none for a text
// of nothing but spaces: WhatsApp refuses an empty body).
func texts(text string) []Request {
	var out []Request
	for _, part := range bot.Split(text, MaxText) {
		if strings.TrimSpace(part) != "" {
			out = append(out, Request{Type: "text", Text: &Text{Body: part}})
		}
	}
	return out
}

// interactive puts text in the body of in, or before it when too long (or empty).
func interactive(text string, in *Interactive, words Words) []Request {
	var out []Request
	body := text
	if Units(body) > MaxBody || strings.TrimSpace(body) == "" {
		out = texts(body)
		body = words.Choose
	}
	in.Body = TextBlock{Text: body}
	return append(out, Request{Type: "interactive", Interactive: in})
}

// buttons lays out options as reply buttons; false when a payload does
// not fit or two titles come out alike.
func buttons(opts []bot.Option) (*Interactive, bool) {
	in := &Interactive{Type: "button"}
	var titles []string
	for _, o := range opts {
		title := Shorten(o.Label, MaxButtonTitle)
		if o.Payload == "" || len(o.Payload) > MaxButtonID || title == "" || slices.Contains(titles, title) {
			return nil, false
		}
		titles = append(titles, title)
		in.Action.Buttons = append(in.Action.Buttons, Button{Type: "reply", Reply: Reply{ID: o.Payload, Title: title}})
	}
	return in, true
}

// list lays out options as the rows of a one-section list; false when a
// payload does not fit or two rows come out alike.
func list(opts []bot.Option, words Words) (*Interactive, bool) {
	label := Shorten(words.ListButton, MaxListButton)
	if label == "" {
		return nil, false
	}
	var rows []Row
	seen := map[[2]string]bool{}
	for _, o := range opts {
		r := Row{ID: o.Payload, Title: Shorten(o.Label, MaxRowTitle)}
		if r.Title != o.Label {
			r.Description = Shorten(o.Label, MaxRowDescription)
		}
		k := [2]string{r.Title, r.Description}
		if o.Payload == "" || len(o.Payload) > MaxRowID || r.Title == "" || seen[k] {
			return nil, false
		}
		seen[k] = true
		rows = append(rows, r)
	}
	return &Interactive{Type: "list", Action: Action{Button: label, Sections: []Section{{Rows: rows}}}}, true
}
