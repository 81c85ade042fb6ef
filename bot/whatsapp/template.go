package whatsapp

import (
	"errors"
	"fmt"
	"strings"
)

// TemplateMessage is an approved template to send: its name as registered
// in WhatsApp Manager, its language ("ar", "en") and the text of each body
// parameter ({{1}}, {{2}}…) in order.
type TemplateMessage struct {
	Name     string
	Language string
	Params   []string
}

// TemplateRequest builds the request that sends t, with each parameter made fit
// by Param. It fails only for a template without a name or language.
func TemplateRequest(t TemplateMessage) (Request, error) {
	if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Language) == "" {
		return Request{}, errors.New("whatsapp: a template needs a name and a language")
	}
	tpl := &Template{Name: t.Name, Language: Language{Code: t.Language, Policy: "deterministic"}}
	if len(t.Params) > 0 {
		body := Component{Type: "body"}
		for _, p := range t.Params {
			body.Parameters = append(body.Parameters, Parameter{Type: "text", Text: Param(p)})
		}
		tpl.Components = []Component{body}
	}
	return Request{Type: "template", Template: tpl}, nil
}

// Param makes text a valid template parameter, keeping its words: Meta
// refuses a parameter with a line break or a tab, or with more than four
// spaces in a row, and one longer than MaxParam. Line breaks and tabs
// become spaces (a paragraph break " — " would add words: a space it is),
// runs of spaces shrink to one, and a text too long is cut at a word
// boundary with an ellipsis. An empty text becomes a dash: a parameter
// may not be empty.
func Param(text string) string {
	p := Shorten(text, MaxParam) // also joins every run of whitespace into one space
	if p == "" {
		return "-"
	}
	return p
}

// CheckParam says why WhatsApp would refuse text as a template parameter
// (nil when it would take it).
func CheckParam(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return errors.New("whatsapp: a template parameter may not be empty")
	case strings.ContainsAny(text, "\n\r\t"):
		return errors.New("whatsapp: a template parameter may not hold a line break or a tab")
	case strings.Contains(text, "     "):
		return errors.New("whatsapp: a template parameter may not hold more than 4 spaces in a row")
	case Units(text) > MaxParam:
		return fmt.Errorf("whatsapp: a template parameter holds at most %d characters", MaxParam)
	}
	return nil
}
