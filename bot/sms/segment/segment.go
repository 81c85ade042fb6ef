// Package segment counts how many SMS segments a text costs: GSM-7 when
// every character is in the GSM 03.38 alphabet (extension-table characters
// count two septets), else UCS-2 (counted in UTF-16 code units). One segment
// holds 160 septets or 70 units; a concatenated message holds 153 or 67 per
// part. It is the one counter behind SMS rendering, the catalog budget test
// and cost estimates shown to staff.
package segment

import "strings"

// Encoding is how a text travels over SMS.
type Encoding int

// The two encodings an SMS text may use.
const (
	GSM7 Encoding = iota
	UCS2
)

func (e Encoding) String() string {
	if e == GSM7 {
		return "GSM-7"
	}
	return "UCS-2"
}

// Per-segment capacities.
const (
	GSM7Single = 160 // septets in a one-part message
	GSM7Multi  = 153 // septets per part of a longer message
	UCS2Single = 70  // UTF-16 units in a one-part message
	UCS2Multi  = 67  // UTF-16 units per part of a longer message
)

// Info is what a text costs.
type Info struct {
	Encoding Encoding
	Units    int // septets (GSM-7) or UTF-16 code units (UCS-2)
	Segments int // parts the text is sent as (0 for an empty text)
}

// The GSM 03.38 default alphabet (one septet each), its ASCII part apart
// for speed, and the extension table (an escape septet plus one: two each).
const (
	gsmBasicASCII = "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	gsmBasicOther = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"
	gsmExtension  = "\f^{}\\[~]|€"
)

// septets returns the cost of r in GSM-7, or 0 when r is not in the alphabet.
func septets(r rune) int {
	if r < 0x80 {
		switch {
		case strings.IndexByte(gsmBasicASCII, byte(r)) >= 0:
			return 1
		case strings.IndexByte(gsmExtension, byte(r)) >= 0:
			return 2
		}
		return 0
	}
	switch {
	case strings.ContainsRune(gsmBasicOther, r):
		return 1
	case r == '€':
		return 2
	}
	return 0
}

// IsGSM7 reports whether every character of s is in the GSM-7 alphabet.
func IsGSM7(s string) bool {
	for _, r := range s {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// Count returns the encoding, length and segment count of s. A character is
// never split between two parts (an extension pair or a surrogate pair moves
// whole to the next part), as phones and Twilio do.
func Count(s string) Info {
	if s == "" {
		return Info{}
	}
	if IsGSM7(s) {
		return count(s, GSM7, GSM7Single, GSM7Multi, septets)
	}
	return count(s, UCS2, UCS2Single, UCS2Multi, utf16Units)
}

func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func count(s string, enc Encoding, single, multi int, cost func(rune) int) Info {
	total := 0
	for _, r := range s {
		total += cost(r)
	}
	if total <= single {
		return Info{Encoding: enc, Units: total, Segments: 1}
	}
	segments, used := 1, 0
	for _, r := range s {
		c := cost(r)
		if used+c > multi {
			segments++
			used = 0
		}
		used += c
	}
	return Info{Encoding: enc, Units: total, Segments: segments}
}

// Segments returns how many parts s is sent as.
func Segments(s string) int { return Count(s).Segments }

// Fits reports whether s goes in at most n segments.
func Fits(s string, n int) bool { return Segments(s) <= n }
