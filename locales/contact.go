package locales

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/tamkeen/tamkeen/textnorm"
)

// Contact is how a person reaches the office that helps in person (the
// pack's pack.office): a phone number, an address and opening hours, each
// shown under "help" only when set. None is invented: the embedded packs set
// none, as their articles give none; a deployment sets them in
// countries/<cc>/help.toml (under TAMKEEN_CONTENT_DIR) or in the
// environment (TAMKEEN_HELP_PHONE, TAMKEEN_HELP_ADDRESS, TAMKEEN_HELP_HOURS).
type Contact struct {
	Phone   string            `toml:"phone"`
	Address map[string]string `toml:"address"` // language → text
	Hours   map[string]string `toml:"hours"`   // language → text
}

// The longest phone number, address and hours accepted, in characters: with
// all three, the SMS form of help still fits its segments (help.sms).
const (
	MaxHelpPhone   = 20
	MaxHelpAddress = 50
	MaxHelpHours   = 30
)

// Empty reports whether nothing is set.
func (c Contact) Empty() bool { return c.Phone == "" && len(c.Address) == 0 && len(c.Hours) == 0 }

// With returns c with each part that o sets replacing c's.
func (c Contact) With(o Contact) Contact {
	if o.Phone != "" {
		c.Phone = o.Phone
	}
	if len(o.Address) > 0 {
		c.Address = o.Address
	}
	if len(o.Hours) > 0 {
		c.Hours = o.Hours
	}
	return c
}

// Everywhere is a text written once (a setting in the environment), the same
// in every language; nil for "".
func Everywhere(text string) map[string]string {
	if text == "" {
		return nil
	}
	out := map[string]string{}
	for _, l := range languages {
		out[l] = text
	}
	return out
}

// CheckHelpPhone says what is wrong with a help phone number, nil when it
// is fine: digits (any script), spaces, +, -, ( and ), 3 to 15 digits, at
// most MaxHelpPhone characters.
func CheckHelpPhone(s string) error {
	if n := len([]rune(s)); n > MaxHelpPhone {
		return fmt.Errorf("%d characters, at most %d", n, MaxHelpPhone)
	}
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')':
		default:
			return fmt.Errorf("%q is not part of a phone number: use digits, spaces, +, -, ( and ), such as +968 2469 0000", r)
		}
	}
	if digits < 3 || digits > 15 {
		return fmt.Errorf("%d digits, a phone number has 3 to 15", digits)
	}
	return nil
}

// CheckHelpText says what is wrong with a help address or hours text of at
// most max characters, nil when it is fine: one line, no control or hidden
// direction characters.
func CheckHelpText(s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("empty")
	}
	if n := len([]rune(s)); n > max {
		return fmt.Errorf("%d characters, at most %d (help on SMS must stay short)", n, max)
	}
	if r, bad := textnorm.Unsafe(s, false); bad {
		return fmt.Errorf("character %U is not allowed (one line of plain text)", r)
	}
	return nil
}

// validate checks a contact read from help.toml.
func (c Contact) validate() error {
	var errs []error
	if c.Phone != "" {
		if err := CheckHelpPhone(c.Phone); err != nil {
			errs = append(errs, fmt.Errorf("help.toml: phone %q: %w", c.Phone, err))
		}
	}
	for _, part := range []struct {
		name  string
		texts map[string]string
		max   int
	}{{"address", c.Address, MaxHelpAddress}, {"hours", c.Hours, MaxHelpHours}} {
		langs := make([]string, 0, len(part.texts))
		for l := range part.texts {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			if !contains(languages, l) {
				errs = append(errs, fmt.Errorf("help.toml: %s.%s: the languages are %s", part.name, l, strings.Join(languages, ", ")))
				continue
			}
			if err := CheckHelpText(part.texts[l], part.max); err != nil {
				errs = append(errs, fmt.Errorf("help.toml: %s.%s: %w", part.name, l, err))
			}
		}
	}
	return errors.Join(errs...)
}
