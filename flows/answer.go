package flows

import (
	"slices"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/textnorm"
)

// answer reads typed text as one of the options: by its number, as yes or
// no, by the option's words, or by the one number in a short sentence
// ("2 please"). Words that fit several options say which they could mean.
// false when the text is none of these.
func (t *turn) answer(s step, options []Option, text, cmd string) bool {
	norm := textnorm.Normalize(text)
	if n, ok := textnorm.Number(norm); ok {
		t.optionNumber(s, options, n)
		return true
	}
	var labels []string
	if t.e.labels != nil {
		labels = t.e.labels.OptionLabels(t.lang(), options)
	}
	if (cmd == "yes" || cmd == "no") && t.yesNo(s, options, labels, cmd) {
		return true
	}
	if labels != nil {
		c := t.e.matcher.Choose(text, labels)
		if c.Named {
			t.choose(s, options[c.Index].Payload)
			return true
		}
		if len(c.Fits) > 1 {
			t.fits(c.Fits)
			return true
		}
	}
	if n, ok := textnorm.NumberIn(norm); ok {
		t.optionNumber(s, options, n)
		return true
	}
	return false
}

// optionNumber chooses option n (from 1), or says which numbers there are.
func (t *turn) optionNumber(s step, options []Option, n int) {
	if n >= 1 && n <= len(options) {
		t.choose(s, options[n-1].Payload)
		return
	}
	t.missed(Reply{Key: "not_understood.number", Data: map[string]any{"Count": len(options)}})
}

// fits says which options (indexes) an answer could mean, and asks again.
func (t *turn) fits(indexes []int) {
	numbers := make([]int, len(indexes))
	for i, x := range indexes {
		numbers[i] = x + 1
	}
	t.say(Reply{Key: "not_understood.which", Data: map[string]any{"Numbers": numbers}})
	t.reprompt()
}

// yesNo reads a typed yes or no where it has one obvious meaning: the option
// that is the yes or the no, else what the step says they mean (sign up on an
// opportunity's page), else the one option that opens with a yes («نعم، عبر
// الإنترنت») or a no («لا أملك أيًّا منهما», "Never worked"). Two such
// options are reported, never guessed between. false when yes or no means
// nothing here.
func (t *turn) yesNo(s step, options []Option, labels []string, cmd string) bool {
	for _, o := range options {
		if o.Payload == cmd {
			t.choose(s, o.Payload)
			return true
		}
	}
	if a, ok := s.(answerer); ok {
		yes, no := a.yesNo(t)
		if p := map[string]string{"yes": yes, "no": no}[cmd]; p != "" {
			t.choose(s, p)
			return true
		}
		return false
	}
	kw := t.e.content.Keywords
	words := kw[cmd]
	if cmd == "no" {
		words = append(slices.Clone(words), kw[locales.Negations]...)
	}
	shortest := 3 // a yes opens an answer as a word («نعم»), not as «أي» (any) or "y"
	if cmd == "no" {
		shortest = 2 // «لا», «لم», "no", not "n"
	}
	var said []string
	for _, w := range words {
		if utf8.RuneCountInString(textnorm.Normalize(w)) >= shortest {
			said = append(said, w)
		}
	}
	switch opening := textnorm.Opening(labels, said); len(opening) {
	case 0:
		return false
	case 1:
		t.choose(s, options[opening[0]].Payload)
	default:
		t.fits(opening)
	}
	return true
}
