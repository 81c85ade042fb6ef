package webconsole

import (
	"net/http"
	"strconv"

	"github.com/tamkeen/tamkeen/bot/sms/segment"
)

// contentModule is an awareness lesson as loaded, in one language.
type contentModule struct {
	ID, Title   string
	Pages       []string
	SMS         string
	SMSSegments int
}

// contentOption is one answer of a question with what it adds to each track.
type contentOption struct {
	ID, Text string
	Scores   map[string]int
}

type contentQuestion struct {
	ID, Text string
	Options  []contentOption
}

// content shows the lessons and the assessment's questions as the service
// loaded them (embedded, or overridden from TAMKEEN_CONTENT_DIR), in the
// page's language.
func (c *Console) content(w http.ResponseWriter, rq *request) error {
	text := func(key string) string {
		if !c.bundle.Has(rq.lang, key) {
			return ""
		}
		s, err := c.bundle.Text(rq.lang, key, nil)
		if err != nil {
			return key
		}
		return s
	}
	var modules []contentModule
	for _, m := range c.bundle.Content.Modules {
		cm := contentModule{ID: m.ID, Title: text("module." + m.ID + ".title"), SMS: text("module." + m.ID + ".sms")}
		for p := 1; p <= m.Pages; p++ {
			cm.Pages = append(cm.Pages, text("module."+m.ID+".page."+strconv.Itoa(p)))
		}
		cm.SMSSegments = segment.Segments(cm.SMS)
		modules = append(modules, cm)
	}
	var questions []contentQuestion
	for _, q := range c.bundle.Content.Questions {
		cq := contentQuestion{ID: q.ID, Text: text("question." + q.ID + ".text")}
		for _, o := range q.Options {
			cq.Options = append(cq.Options, contentOption{ID: o.ID, Text: text("question." + q.ID + ".option." + o.ID), Scores: o.Scores})
		}
		questions = append(questions, cq)
	}
	c.render(w, rq, http.StatusOK, "content", "content", map[string]any{"Modules": modules, "Questions": questions})
	return nil
}
