package webconsole_test

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// element is a node of a page as a browser would build it, enough for
// what these tests ask: which labels sit with which fields, and in which
// writing direction each text is laid out.
type element struct {
	tag      string
	attrs    map[string]string
	parent   *element
	children []*element
	text     string // a text node's text ("" tag)
}

var (
	htmlToken = regexp.MustCompile(`(?s)<!--.*?-->|<![^>]*>|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*/?>`)
	htmlAttr  = regexp.MustCompile(`([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?`)
	voidTags  = []string{"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)

// parseHTML builds the element tree of a page the console renders (well
// formed: every element it opens it closes, apart from the void ones).
func parseHTML(page string) *element {
	root := &element{tag: "#root", attrs: map[string]string{}}
	cur := root
	addText := func(s string) {
		if strings.TrimSpace(s) != "" {
			cur.children = append(cur.children, &element{parent: cur, text: unescape(s)})
		}
	}
	last := 0
	for _, m := range htmlToken.FindAllStringSubmatchIndex(page, -1) {
		addText(page[last:m[0]])
		last = m[1]
		if m[4] < 0 { // a comment or doctype
			continue
		}
		tag := strings.ToLower(page[m[4]:m[5]])
		if m[3] > m[2] { // a closing tag: close up to its element
			for e := cur; e != root; e = e.parent {
				if e.tag == tag {
					cur = e.parent
					break
				}
			}
			continue
		}
		el := &element{tag: tag, attrs: map[string]string{}, parent: cur}
		for _, a := range htmlAttr.FindAllStringSubmatch(page[m[6]:m[7]], -1) {
			el.attrs[strings.ToLower(a[1])] = unescape(a[2] + a[3] + a[4])
		}
		cur.children = append(cur.children, el)
		if !slices.Contains(voidTags, tag) {
			cur = el
		}
	}
	addText(page[last:])
	return root
}

var entities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)

func unescape(s string) string { return entities.Replace(s) }

// walk calls fn on e and everything under it, in document order.
func (e *element) walk(fn func(*element)) {
	fn(e)
	for _, c := range e.children {
		c.walk(fn)
	}
}

// find returns the elements under e for which keep is true.
func (e *element) find(keep func(*element) bool) []*element {
	var out []*element
	e.walk(func(x *element) {
		if x.tag != "" && keep(x) {
			out = append(out, x)
		}
	})
	return out
}

// isControl reports whether e is a form field a person fills in.
func isControl(e *element) bool {
	switch e.tag {
	case "select", "textarea":
		return true
	case "input":
		t := e.attrs["type"]
		return t != "hidden" && t != "submit" && t != "button"
	}
	return false
}

// textOf is every text under e, joined.
func (e *element) textOf() string {
	var b strings.Builder
	e.walk(func(x *element) { b.WriteString(x.text) })
	return b.String()
}

// direction is the writing direction a text under e is laid out in, from
// the nearest dir attribute (a <bdi> without one is dir="auto"): "auto"
// takes the direction of the element's first strong letter.
func (e *element) direction() string {
	for x := e; x != nil; x = x.parent {
		d, ok := x.attrs["dir"]
		if !ok && x.tag == "bdi" {
			d, ok = "auto", true
		}
		if !ok {
			continue
		}
		if d != "auto" {
			return d
		}
		for _, r := range x.textOf() {
			if unicode.Is(unicode.Arabic, r) {
				return "rtl"
			}
			if unicode.IsLetter(r) {
				return "ltr"
			}
		}
		return "ltr"
	}
	return "ltr"
}

var arabicLetter = regexp.MustCompile(`[\x{0621}-\x{064A}]`)

// arabicInLeftToRight lists the Arabic texts of a page laid out left to
// right, where their words read backwards.
func arabicInLeftToRight(page string) []string {
	var out []string
	parseHTML(page).walk(func(x *element) {
		if x.tag == "" && arabicLetter.MatchString(x.text) && x.parent.direction() == "ltr" {
			out = append(out, "<"+x.parent.tag+"> "+strings.TrimSpace(x.text))
		}
	})
	return out
}

// labelProblems lists the labels of a page that name no field, the fields
// with no label, and each label[for] that does not share a box of its own
// with its field (the layout can then put it beside another field).
func labelProblems(page string) []string {
	var out []string
	doc := parseHTML(page)
	byID := map[string]*element{}
	doc.walk(func(x *element) {
		if id := x.attrs["id"]; id != "" {
			byID[id] = x
		}
	})
	labelled := map[*element]bool{}
	for _, l := range doc.find(func(x *element) bool { return x.tag == "label" }) {
		if l.attrs["for"] == "" {
			for _, c := range l.find(isControl) {
				labelled[c] = true
			}
			continue
		}
		c := byID[l.attrs["for"]]
		if c == nil || !isControl(c) {
			out = append(out, "label for="+l.attrs["for"]+" names no field")
			continue
		}
		labelled[c] = true
		if c.parent != l.parent || len(l.parent.find(isControl)) != 1 {
			out = append(out, "label for="+l.attrs["for"]+" does not share a box with its field alone")
		}
	}
	for _, c := range doc.find(isControl) {
		if !labelled[c] && c.attrs["aria-label"] == "" {
			out = append(out, "no label for <"+c.tag+" name="+c.attrs["name"]+">")
		}
	}
	return out
}
