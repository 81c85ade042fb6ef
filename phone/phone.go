// Package phone turns what people and providers write as phone numbers into
// E.164, and masks numbers for logs.
package phone

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/tamkeen/tamkeen/textnorm"
)

// ErrInvalid is returned for a string that is not a valid phone number.
var ErrInvalid = errors.New("phone: not a valid number")

// Normalize parses raw (any digit script, spaces, dashes, dots, brackets, a
// leading + or 00) as a number of region when it has no country code, and
// returns it in E.164. Anything else is refused rather than guessed at:
// letters (a keypad letter is not its digit), a channel prefix such as
// "whatsapp:", control characters such as NUL.
func Normalize(raw, region string) (string, error) {
	for _, r := range raw {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: control character %U", ErrInvalid, r)
		}
	}
	s := strings.TrimSpace(textnorm.Normalize(raw))
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == ' ', r == '-', r == '.', r == '(', r == ')':
		case r == '+' && i == 0:
		default:
			return "", fmt.Errorf("%w: %q is not part of a phone number", ErrInvalid, r)
		}
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", ErrInvalid
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Mask hides the middle of a number for logs: +96891234567 → +968*****567.
func Mask(e164 string) string {
	r := []rune(e164)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-3:])
}
