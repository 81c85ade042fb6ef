package whatsapp_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/whatsapp"
	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
)

var paramAlphabet = []string{"ب", "ت", "كَّ", "a", "Z", "7", "٣", "🌱", "👩\u200d👧\u200d👦", " ", " ", "  ", "     ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "،", "."}

func randomParam(r *rand.Rand) string {
	var b strings.Builder
	n := []int{0, 5, 60, 800, 3000}[r.IntN(5)]
	for range n {
		b.WriteString(paramAlphabet[r.IntN(len(paramAlphabet))])
	}
	return b.String()
}

// Template parameters, over many random texts (line breaks, tabs, runs of
// spaces, Arabic, emoji, up to three times the length allowed): Param
// always makes one WhatsApp takes, keeping every word in order (all of
// them when they fit); CheckParam says what WhatsApp says of the raw text,
// as the strict fake judges it; the template built from them is accepted.
func TestTemplateParams(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		ctx := context.Background()
		u := whatsapptest.User{ID: "OM.4242"}
		r := rand.New(rand.NewPCG(7, 11))
		for i := range 300 {
			raw := randomParam(r)
			p := whatsapp.Param(raw)
			if err := whatsapp.CheckParam(p); err != nil {
				t.Fatalf("Param(%q) = %q: %v", raw, p, err)
			}
			words, got := strings.Fields(raw), strings.Fields(strings.TrimSuffix(p, whatsapp.Ellipsis))
			if whatsapp.Units(strings.Join(words, " ")) <= whatsapp.MaxParam {
				if strings.Join(got, " ") != strings.Join(words, " ") && !(len(words) == 0 && p == "-") {
					t.Fatalf("Param(%q) = %q: words changed", raw, p)
				}
			} else if !strings.HasPrefix(strings.Join(words, " "), strings.Join(got, " ")) {
				t.Fatalf("Param(%q) = %q: not the first words", raw, p)
			}
			lang := []string{"ar", "en"}[i%2]
			if _, err := w.ch.SendTemplate(ctx, u.ID, whatsapp.TemplateMessage{Name: "tamkeen_notice", Language: lang, Params: []string{raw}}); err != nil {
				t.Fatalf("template with %q refused: %v", raw, err)
			}
			// The raw text as it is: the fake takes it exactly when CheckParam does.
			req := whatsapp.Request{Type: "template", Template: &whatsapp.Template{Name: "tamkeen_notice", Language: whatsapp.Language{Code: lang},
				Components: []whatsapp.Component{{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", Text: raw}}}}}}
			if err := whatsapp.Address(&req, u.ID); err != nil {
				t.Fatal(err)
			}
			_, err := w.ch.Post(ctx, req)
			if (err == nil) != (whatsapp.CheckParam(raw) == nil) {
				t.Fatalf("raw %q: WhatsApp says %v, CheckParam %v", raw, err, whatsapp.CheckParam(raw))
			}
		}
		sent := w.fake.Sent()
		if len(sent) == 0 || sent[0].Recipient != u.ID || sent[0].To != "" {
			t.Fatalf("a template to a user id goes by recipient: %+v", sent[0])
		}
	})
}

// A template needs a name and a language, and as many parameters as it has.
func TestTemplateRequest(t *testing.T) {
	if _, err := whatsapp.TemplateRequest(whatsapp.TemplateMessage{Language: "ar"}); err == nil {
		t.Error("a template without a name must fail")
	}
	r, err := whatsapp.TemplateRequest(whatsapp.TemplateMessage{Name: "tamkeen_notice", Language: "en", Params: []string{"a\tb", ""}})
	if err != nil {
		t.Fatal(err)
	}
	ps := r.Template.Components[0].Parameters
	if r.Type != "template" || r.Template.Language.Code != "en" || len(ps) != 2 || ps[0].Text != "a b" || ps[1].Text != "-" {
		t.Errorf("built %+v", r.Template)
	}
	each(t, func(t *testing.T, w *world) {
		if w.store.Dialect() != "sqlite" {
			t.Skip("no database involved")
		}
		_, err := w.ch.SendTemplate(context.Background(), "+96892000010", whatsapp.TemplateMessage{Name: "tamkeen_notice", Language: "en", Params: []string{"a", "b"}})
		if err == nil || !strings.Contains(err.Error(), "132000") {
			t.Errorf("two parameters for a template of one: %v", err)
		}
	})
}
