package phone

import (
	"strings"
	"testing"
)

// FuzzNormalize: whatever is given, Normalize either refuses it or returns
// a "+" and digits only, which it gives back unchanged when given again.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"91234567", "+968 9123 4567", "0096891234567", "٩١٢٣٤٥٦٧", "+9689ABCDEFG", "whatsapp:+96891234567",
		"+9689123\x004567", "\u200e+968-9123-4567\u200e", "+1 (202) 555-0143", "", "+", "00", "\xff",
	} {
		f.Add(seed, "OM")
	}
	f.Add("0501234567", "SA")
	f.Add("123", "")
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := Normalize(raw, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) < 2 || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("Normalize(%q, %q) = %q: not + and digits", raw, region, got)
		}
		if again, err := Normalize(got, region); err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v; want it unchanged", got, again, err)
		}
		for _, r := range raw {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == ':' || r == 0 {
				t.Fatalf("Normalize(%q) accepted %q", raw, r)
			}
		}
	})
}
