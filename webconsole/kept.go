package webconsole

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tamkeen/tamkeen/store"
)

// keptFields are the form fields where staff type text worth keeping when
// a request is refused (an expired session, a stale form): the broadcast
// texts and an opportunity's title and description.
var keptFields = []string{"text_ar", "text_en", "title_ar", "title_en", "description_ar", "description_en"}

// kept is what an error page gives back of a refused form.
type kept struct {
	Texts []keptText
	// Fields go back to the composer with a fresh token (the session is
	// valid and the form was the composer's); nil otherwise.
	Fields []formField
	Reopen string // the form action that shows them again, "" for none
}

type keptText struct{ Name, Text string }

// keptText returns the text typed into a POST that was refused, so the
// error page can show it (and, for the composer, reopen it) instead of
// losing it. Only for a request from the console's own pages: a form
// posted from another site is never echoed back.
func (c *Console) keptText(rq *request) *kept {
	if rq.Method != http.MethodPost || http.NewCrossOriginProtection().Check(rq.Request) != nil {
		return nil
	}
	// The form has been read already when the refusal came from a handler or
	// the CSRF check; a body too large reads as empty here.
	_ = rq.ParseForm()
	k := &kept{}
	for _, name := range keptFields {
		if t := rq.PostForm.Get(name); strings.TrimSpace(t) != "" {
			k.Texts = append(k.Texts, keptText{name, t})
		}
	}
	if len(k.Texts) == 0 {
		return nil
	}
	composer := rq.URL.Path == "/console/broadcasts" || rq.URL.Path == "/console/broadcasts/preview"
	if composer && rq.sess != nil && allows(rq.sess.Role, store.RoleStaff) {
		k.Reopen = "/console/broadcasts/preview"
		for _, name := range slices.Sorted(maps.Keys(rq.PostForm)) {
			if name == "csrf" || name == confirmField {
				continue
			}
			for _, v := range rq.PostForm[name] {
				k.Fields = append(k.Fields, formField{name, v})
			}
		}
	}
	return k
}
