package bot

import "strings"

// Split cuts text into parts of at most max UTF-16 code units (what Telegram
// counts, and the stricter way WhatsApp's limits may be counted), preferring paragraph breaks, then line breaks, then spaces, and
// never cutting a character in two.
func Split(text string, max int) []string {
	var parts []string
	for rest := text; ; {
		cut, fits := prefixUnits(rest, max)
		if fits {
			if strings.TrimSpace(rest) != "" || len(parts) == 0 {
				parts = append(parts, rest)
			}
			return parts
		}
		at, skip := cut, 0
		for _, sep := range []string{"\n\n", "\n", " "} {
			// The separator itself may lie just past the cut: it is not sent.
			if i := strings.LastIndex(rest[:min(len(rest), cut+len(sep))], sep); i > cut/3 {
				at, skip = i, len(sep)
				break
			}
		}
		if part := strings.TrimRight(rest[:at], " \n"); part != "" {
			parts = append(parts, part)
		}
		rest = strings.TrimLeft(rest[at+skip:], "\n")
	}
}

// prefixUnits returns the byte length of the longest prefix of s within max
// UTF-16 units, and whether that is all of s.
func prefixUnits(s string, max int) (int, bool) {
	units := 0
	for i, r := range s {
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > max {
			return i, false
		}
		units += n
	}
	return len(s), true
}
