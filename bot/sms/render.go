package sms

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
)

// MaxSegments is the most segments one SMS may cost. A longer message is
// cut into pages of at most this size; the person asks for the next with
// MoreDigit.
const MaxSegments = 3

// MoreDigit is what a person replies to get the next page. Pages that end
// with the "more" line carry no options, so it never shadows a choice.
const MoreDigit = 9

// Layout renders a message for SMS: its text, then its options as numbered
// lines, cut into pages of at most MaxSegments segments when longer. Every
// page but the last ends with more (the "reply 9 for more" line); the options
// all go on the last page.
func Layout(m bot.Message, more string) []string {
	var opts strings.Builder
	for i, o := range m.Options {
		if i > 0 {
			opts.WriteByte('\n')
		}
		opts.WriteString(strconv.Itoa(i + 1))
		opts.WriteString(". ")
		opts.WriteString(o.Label)
	}
	return paginate(strings.TrimSpace(m.Text), opts.String(), more, MaxSegments)
}

func join(text, options string) string {
	switch {
	case text == "":
		return options
	case options == "":
		return text
	}
	return text + "\n" + options
}

// paginate cuts text into pages that fit max segments with the more line,
// leaving the rest with the options for the last page. A last page whose
// options alone are too long is sent longer rather than cut between options.
func paginate(text, options, more string, max int) []string {
	var pages []string
	rest := text
	// Paging helps only when the options fit a page; if not, cut only text that is too long by itself.
	tail := options
	if !segment.Fits(options, max) {
		tail = ""
	}
	for rest != "" && !segment.Fits(join(rest, tail), max) {
		cut := cutAt(rest, func(p string) bool { return segment.Fits(p+"\n"+more, max) })
		if cut == 0 {
			break
		}
		pages = append(pages, strings.TrimSpace(rest[:cut])+"\n"+more)
		rest = strings.TrimSpace(rest[cut:])
	}
	return append(pages, join(rest, options))
}

// cutAt returns the byte length of the longest prefix of s accepted by fits,
// ending at a line break when that keeps most of the page, else at the end of
// a sentence, else at a space, else anywhere between two characters. 0 means
// not even one character fits.
func cutAt(s string, fits func(string) bool) int {
	if fits(s) {
		return len(s)
	}
	line, sentence, word, char := 0, 0, 0, 0
	prev := rune(0)
	for i, r := range s {
		if i == 0 {
			prev = r
			continue
		}
		if !fits(strings.TrimSpace(s[:i])) {
			break // a longer prefix never costs less
		}
		char = i
		switch {
		case r == '\n':
			line = i
		case r == ' ' && strings.ContainsRune(".!?؟؛:", prev):
			sentence, word = i, i
		case r == ' ':
			word = i
		}
		prev = r
	}
	enough := func(at int) bool { return at > 0 && at*10 >= char*6 }
	switch {
	case enough(line):
		return line
	case enough(sentence):
		return sentence
	case word > 0:
		return word
	case char > 0:
		return char
	}
	if _, size := utf8.DecodeRuneInString(s); size > 0 && fits(s[:size]) {
		return size
	}
	return 0
}

// moreLine renders the "reply 9 for more" line in lang.
func moreLine(r *bot.Renderer, lang string) (string, error) {
	s, err := r.Text(lang, "sms.more", map[string]any{"N": MoreDigit})
	if err != nil {
		return "", fmt.Errorf("sms: more line: %w", err)
	}
	return s, nil
}
