package textnorm

import "testing"

func TestUnsafe(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		multiline bool
		want      bool
	}{
		{"arabic with marks", "\u200fمرحبا\u200f، أهلاً", false, false},
		{"emoji with joiner", "👨\u200d👩\u200d👧", false, false},
		{"replacement character written as such", "a\uFFFDb", false, false},
		{"NUL", "ORD\x00-1", false, true},
		{"NUL in text", "hello\x00", true, true},
		{"bell", "a\x07", true, true},
		{"C1 control", "a\u0085b", true, true},
		{"right-to-left override", "ORD-\u202E1234", false, true},
		{"isolate", "a\u2067b\u2069", true, true},
		{"not UTF-8", "a\xffb", true, true},
		{"newline in an id", "a\nb", false, true},
		{"newline in a text", "line one\nline two\r\n\tend", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, got := Unsafe(c.in, c.multiline); got != c.want {
				t.Errorf("Unsafe(%q, %v) = %v, want %v", c.in, c.multiline, got, c.want)
			}
		})
	}
}
