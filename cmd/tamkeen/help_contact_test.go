package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpNamesHowToReachTheOfficeOnlyWhenSet: help and `tamkeen content`
// show the office's phone, address and hours that the deployment sets, in
// countries/<cc>/help.toml under TAMKEEN_CONTENT_DIR or in TAMKEEN_HELP_*
// (which win), and nothing when none is set; a bad help.toml stops the start.
func TestHelpNamesHowToReachTheOfficeOnlyWhenSet(t *testing.T) {
	content := t.TempDir()
	if err := os.MkdirAll(filepath.Join(content, "countries", "om"), 0o755); err != nil {
		t.Fatal(err)
	}
	help := "phone = \"+968 2321 0000\"\n[address]\nar = \"المديرية العامة للتنمية الاجتماعية، صلالة\"\nen = \"Directorate General of Social Development, Salalah\"\n"
	if err := os.WriteFile(filepath.Join(content, "countries", "om", "help.toml"), []byte(help), 0o644); err != nil {
		t.Fatal(err)
	}
	// Arabic, consent, name, Dhofar, help.
	const chat = "1\n1\nمريم\n2\nمساعدة\n"
	cases := []struct {
		name       string
		env        []string
		shown      []string // in help and in `tamkeen content`
		notInHelp  []string
		contentSay []string
	}{
		{"none set", nil, nil, []string{"الهاتف", "العنوان", "أوقات العمل"},
			[]string{"(not set: TAMKEEN_HELP_PHONE or countries/om/help.toml)", "(not set: TAMKEEN_HELP_ADDRESS", "(not set: TAMKEEN_HELP_HOURS"}},
		{"content folder", []string{"TAMKEEN_CONTENT_DIR=" + content}, []string{"+968 2321 0000", "المديرية العامة للتنمية الاجتماعية، صلالة"}, []string{"أوقات العمل"},
			[]string{"(not set: TAMKEEN_HELP_HOURS"}},
		{"environment over the folder", []string{"TAMKEEN_CONTENT_DIR=" + content, "TAMKEEN_HELP_PHONE=+968 2400 1111", "TAMKEEN_HELP_HOURS=8:00-14:00"},
			[]string{"+968 2400 1111", "المديرية العامة للتنمية الاجتماعية، صلالة", "8:00-14:00"}, []string{"2321"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runBinaryWithInput(t, t.TempDir(), c.env, chat, "chat")
			if code != 0 {
				t.Fatalf("chat: exit %d\n%s", code, errs)
			}
			helpText := out[strings.LastIndex(out, "«تمكين» يساعدك"):]
			for _, s := range c.shown {
				if !strings.Contains(helpText, s) {
					t.Errorf("help lacks %q:\n%s", s, helpText)
				}
			}
			for _, s := range c.notInHelp {
				if strings.Contains(helpText, s) {
					t.Errorf("help shows %q, which nobody set:\n%s", s, helpText)
				}
			}
			code, out, errs = runBinary(t, t.TempDir(), c.env, "content")
			if code != 0 {
				t.Fatalf("content: exit %d\n%s", code, errs)
			}
			for _, s := range append(c.shown, c.contentSay...) {
				if !strings.Contains(out, s) {
					t.Errorf("tamkeen content lacks %q:\n%s", s, out)
				}
			}
		})
	}
	bad := t.TempDir()
	if err := os.MkdirAll(filepath.Join(bad, "countries", "om"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "countries", "om", "help.toml"), []byte("phone = \"call us\"\nopening = \"8-2\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runBinary(t, t.TempDir(), []string{"TAMKEEN_CONTENT_DIR=" + bad}, "content"); code != 2 || !strings.Contains(errs, "help.toml") || !strings.Contains(errs, "opening") {
		t.Errorf("a help.toml with an unknown setting: exit %d, want 2 naming it:\n%s", code, errs)
	}
}
