package phone

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		raw, region, want string
		err               error
	}{
		{"91234567", "OM", "+96891234567", nil},
		{"+968 9123 4567", "OM", "+96891234567", nil},
		{"0096891234567", "SA", "+96891234567", nil},
		{"٩١٢٣٤٥٦٧", "OM", "+96891234567", nil},
		{"0501234567", "SA", "+966501234567", nil},
		{"12", "OM", "", ErrInvalid},
		{"hello", "OM", "", ErrInvalid},
		{"\u200e+968 9123 4567\u200e", "OM", "+96891234567", nil}, // direction marks from an Arabic keyboard
		{"+968-9123-4567", "OM", "+96891234567", nil},
		{"+9689ABCDEFG", "OM", "", ErrInvalid},          // keypad letters are not digits
		{"+968 9123 456A", "OM", "", ErrInvalid},        // nor is one letter
		{"whatsapp:+96891234567", "OM", "", ErrInvalid}, // another channel's address
		{"tel:+96891234567", "OM", "", ErrInvalid},
		{"+9689123\x004567", "OM", "", ErrInvalid}, // NUL
		{"+96891234567\n", "OM", "", ErrInvalid},
		{"9123+4567", "OM", "", ErrInvalid},
		{"+96891234567;ext=1", "OM", "", ErrInvalid},
	}
	for _, c := range cases {
		got, err := Normalize(c.raw, c.region)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("Normalize(%q, %s) = %q, %v; want %q, %v", c.raw, c.region, got, err, c.want, c.err)
		}
	}
}

func TestMaskHidesTheMiddle(t *testing.T) {
	if got := Mask("+96891234567"); got != "+968*****567" {
		t.Fatalf("Mask = %q", got)
	}
	if got := Mask("+1234"); got != "*****" {
		t.Fatalf("Mask short = %q", got)
	}
}
