package export

import "testing"

func TestCellKeepsFormulasFromRunning(t *testing.T) {
	cases := map[string]string{
		"=HYPERLINK(\"x\")":                   "'=HYPERLINK(\"x\")",
		"@SUM(A1)":                            "'@SUM(A1)",
		"+cmd":                                "'+cmd",
		"-1+2":                                "'-1+2",
		"+96891234567":                        "+96891234567",
		"-12.5":                               "-12.5",
		"+1+HYPERLINK(\"http://evil\",\"x\")": "'+1+HYPERLINK(\"http://evil\",\"x\")",
		"-1+cmd|' /C calc'!A0":                "'-1+cmd|' /C calc'!A0",
		"+1.":                                 "'+1.",
		"-1.2.3":                              "'-1.2.3",
		"+968 9123 4567":                      "'+968 9123 4567",
		"فاطمة":                               "فاطمة",
		"":                                    "",
		"-":                                   "'-",
	}
	for in, want := range cases {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}
