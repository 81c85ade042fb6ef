package segment

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		enc      Encoding
		units    int
		segments int
	}{
		{"empty", "", GSM7, 0, 0},
		{"ascii", "Reply 1 or 2", GSM7, 12, 1},
		{"160 septets is one part", strings.Repeat("a", 160), GSM7, 160, 1},
		{"161 septets is two parts", strings.Repeat("a", 161), GSM7, 161, 2},
		{"306 septets is two parts", strings.Repeat("a", 306), GSM7, 306, 2},
		{"307 septets is three parts", strings.Repeat("a", 307), GSM7, 307, 3},
		{"extension counts two", "{}", GSM7, 4, 1},
		{"euro counts two", "€5", GSM7, 3, 1},
		{"80 extension chars fill one part", strings.Repeat("€", 80), GSM7, 160, 1},
		{"81 extension chars", strings.Repeat("€", 81), GSM7, 162, 2},
		// 152 plain septets then an escape pair: the pair moves whole to part two.
		{"pair not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), GSM7, 306, 3},
		{"gsm accents", "àéèùìòÇØøÅåÄÖÑÜäöñüß", GSM7, 20, 1},
		{"newline is gsm", "a\nb", GSM7, 3, 1},
		{"arabic", "مرحبا", UCS2, 5, 1},
		{"70 units one part", strings.Repeat("ب", 70), UCS2, 70, 1},
		{"71 units two parts", strings.Repeat("ب", 71), UCS2, 71, 2},
		{"134 units two parts", strings.Repeat("ب", 134), UCS2, 134, 2},
		{"135 units three parts", strings.Repeat("ب", 135), UCS2, 135, 3},
		{"one non-gsm char makes ucs2", strings.Repeat("a", 100) + "«", UCS2, 101, 2},
		{"emoji is two units", "😀", UCS2, 2, 1},
		{"35 emoji fill one part", strings.Repeat("😀", 35), UCS2, 70, 1},
		// 66 units then a surrogate pair: the pair moves whole to part two.
		{"surrogates not split", strings.Repeat("ب", 66) + "😀" + strings.Repeat("ب", 66), UCS2, 134, 3},
		{"arabic-indic digits are ucs2", "١٢٣", UCS2, 3, 1},
		{"ascii digits in arabic", "1. مسقط", UCS2, 7, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Count(tt.text)
			want := Info{Encoding: tt.enc, Units: tt.units, Segments: tt.segments}
			if got != want {
				t.Errorf("Count(%q) = %+v, want %+v", tt.text, got, want)
			}
			if Fits(tt.text, tt.segments) != true || (tt.segments > 0 && Fits(tt.text, tt.segments-1)) {
				t.Errorf("Fits disagrees with Count for %q", tt.text)
			}
		})
	}
}

func TestIsGSM7(t *testing.T) {
	for s, want := range map[string]bool{"Hello {x}": true, "naïve": false, "سلام": false, "`": false, "@£$¥": true} {
		if got := IsGSM7(s); got != want {
			t.Errorf("IsGSM7(%q) = %v, want %v", s, got, want)
		}
	}
}

func BenchmarkCountArabic(b *testing.B) {
	s := strings.Repeat("التمكين الاقتصادي ", 20)
	for b.Loop() {
		Count(s)
	}
}

func BenchmarkCountGSM(b *testing.B) {
	s := strings.Repeat("Economic empowerment {x} ", 20)
	for b.Loop() {
		Count(s)
	}
}
