package webconsole

import (
	"fmt"
	"html/template"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/vocab"
)

// localInput is the layout of <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

// funcs are the template functions for pages in lang. Words come only
// through t: {{t "key"}} or {{t "key" "Name" .Value}}.
func (c *Console) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) (string, error) {
			if len(args)%2 != 0 {
				return "", fmt.Errorf("t %q: arguments must come in name, value pairs", key)
			}
			var data map[string]any
			if len(args) > 0 {
				data = make(map[string]any, len(args)/2)
				for i := 0; i < len(args); i += 2 {
					name, ok := args[i].(string)
					if !ok {
						return "", fmt.Errorf("t %q: argument %d is not a name", key, i)
					}
					data[name] = args[i+1]
				}
			}
			return c.bundle.Text(lang, key, data)
		},
		// when shows a time in TAMKEEN_TIMEZONE ("" for none).
		"when": func(v any) string {
			var t time.Time
			switch x := v.(type) {
			case time.Time:
				t = x
			case *time.Time:
				if x == nil {
					return ""
				}
				t = *x
			}
			if t.IsZero() {
				return ""
			}
			return t.In(c.cfg.Location).Format("2006-01-02 15:04")
		},
		// pick returns a text in the page's language, else Arabic, else English.
		"pick": func(m map[string]string) string { return pickText(m, lang) },
		// label names a stored code (a governorate, a status, a channel)
		// through the catalog key prefix+code; an unknown code shows as it is.
		"label": func(prefix, code string) (string, error) {
			if code == "" {
				return c.bundle.Text(lang, "console.none", nil)
			}
			if !c.bundle.Has(lang, prefix+code) {
				return code, nil
			}
			return c.bundle.Text(lang, prefix+code, nil)
		},
		"add": func(a, b int) int { return a + b },
		// dict passes several values to a template: dict "Name" value ….
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: arguments must come in name, value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				name, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: argument %d is not a name", i)
				}
				m[name] = kv[i+1]
			}
			return m, nil
		},
		// problemsFor picks the problems that belong next to one field.
		"problemsFor": func(problems []string, field string) []string {
			var out []string
			for _, p := range problems {
				if problemField[p] == field {
					out = append(out, p)
				}
			}
			return out
		},
		// add16 and addf place SVG text beside a bar.
		"add16": func(y float64) float64 { return y + 14 },
		"addf":  func(a int, b float64) float64 { return float64(a) + b },
		"in":    func(list []string, v string) bool { return slices.Contains(list, v) },
		// money shows an amount as the bot writes it (vocab.Money rendered by
		// bot.Renderer): «12.500 ريال عماني», "OMR 12.500"; "" stays "".
		"money": func(amount, currency string) (string, error) {
			if amount == "" {
				return "", nil
			}
			return c.renderer.Text(lang, "console.money", map[string]any{"Amount": vocab.Money(amount, currency)})
		},
	}
}

// problemField is the form field each problem is shown next to.
var problemField = map[string]string{
	"console.problem.text_ar_required":      "text",
	"console.problem.text_too_long":         "text",
	"console.problem.unsafe_text":           "text",
	"console.problem.audience_empty":        "audience",
	"console.problem.unknown_choice":        "audience",
	"console.problem.field_values":          "audience",
	"console.problem.channels_required":     "channels",
	"console.problem.no_channel_configured": "channels",
	"console.problem.bad_time":              "send_at",
	"console.problem.kind":                  "kind",
	"console.problem.title_ar_required":     "title_ar",
	"console.problem.capacity":              "capacity",
	"console.problem.starts_at":             "starts_at",
	"console.problem.deadline":              "signup_deadline",
	"console.problem.deadline_after_start":  "signup_deadline",
}
