package bot

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"fits", "short", 10, []string{"short"}},
		{"paragraph first", "aaaa bbbb\n\ncccc\ndddd", 16, []string{"aaaa bbbb", "cccc\ndddd"}},
		{"then line", "aaaa bbbb\ncccc dddd", 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"then space", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"hard cut keeps whole characters", "🌱🌱🌱", 3, []string{"🌱", "🌱", "🌱"}},
		{"arabic words", "مرحبا بك في تمكين", 11, []string{"مرحبا بك في", "تمكين"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.text, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("Split = %q, want %q", got, tc.want)
			}
			for _, p := range got {
				if units(p) > tc.max {
					t.Fatalf("part %q over %d units", p, tc.max)
				}
			}
		})
	}
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat("فقرة عن برنامج التمكين الاقتصادي والتدريب المهني 🌱\n", 400)
	for b.Loop() {
		Split(text, 4096)
	}
}
