package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/contactimport"
)

// exampleList copies the example list shipped in demo/ into dir.
func exampleList(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "demo", "beneficiaries-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "beneficiaries.csv")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func importReport(t *testing.T, stdout string) contactimport.Report {
	t.Helper()
	var rep contactimport.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	return rep
}

func TestContactsImportExitCodes(t *testing.T) {
	dir := t.TempDir()
	env := []string{"TAMKEEN_DB=" + filepath.Join(dir, "tamkeen.db")}
	list := exampleList(t, dir)
	noPhone := filepath.Join(dir, "nophone.csv")
	if err := os.WriteFile(noPhone, []byte("name,region\nSalma,dhofar\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"no subcommand", []string{"contacts"}, exitUsage, "subcommand"},
		{"unknown subcommand", []string{"contacts", "delete", list}, exitUsage, "unknown subcommand"},
		{"no source", []string{"contacts", "import", list}, exitUsage, "--source"},
		{"no file", []string{"contacts", "import", "--source", "r"}, exitUsage, "FILE.csv"},
		{"two files", []string{"contacts", "import", "--source", "r", list, list}, exitUsage, "FILE.csv"},
		{"unknown flag", []string{"contacts", "import", "--sauce", "r", list}, exitUsage, "sauce"},
		{"unknown language", []string{"contacts", "import", "--source", "r", "--lang", "fr", list}, exitUsage, "--lang"},
		{"missing file", []string{"contacts", "import", "--source", "r", filepath.Join(dir, "none.csv")}, exitFailed, "none.csv"},
		{"no phone column", []string{"contacts", "import", "--source", "r", noPhone}, exitFailed, "no phone column"},
		{"read with rejected rows", []string{"contacts", "import", "--source", "r", "--dry-run", list}, exitOK, "rejected 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runBinary(t, dir, env, c.args...)
			if code != c.code || !strings.Contains(stdout+stderr, c.say) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
		})
	}
}

// TestContactsImportReport: the example list's report, its rejected rows
// with their lines and reasons in the reader's language, a dry run that
// changes nothing, a second import that changes nothing, and an export that
// imports back unchanged.
func TestContactsImportReport(t *testing.T) {
	dir := t.TempDir()
	env := []string{"TAMKEEN_DB=" + filepath.Join(dir, "tamkeen.db")}
	list := exampleList(t, dir)
	imp := func(extra ...string) contactimport.Report {
		t.Helper()
		args := append([]string{"contacts", "import", "--source", "registry-2026", "--json"}, extra...)
		code, stdout, stderr := runBinary(t, dir, env, append(args, list)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return importReport(t, stdout)
	}
	want := contactimport.Report{Created: 7, Rejected: 5}
	for _, dry := range []bool{true, false} {
		extra := []string{"--lang", "en"}
		if dry {
			extra = append(extra, "--dry-run")
		}
		if rep := imp(extra...); rep != want {
			t.Fatalf("dry run %v: %+v, want %+v", dry, rep, want)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "beneficiaries.rejected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, "\ufeffline,reason,phone,name,region") {
		t.Fatalf("rejected file starts %q", text[:min(len(text), 60)])
	}
	for _, line := range []string{
		"9,phone: not a valid phone number.,12345,",
		"10,region: not a governorate of this service.,91234509,",
		"11,phone: no phone number.,,",
		"12,\"phone: the same number as line 2, which was imported instead.\",'+96891234501,",
		"13,language: the language is neither Arabic nor English.,91234512,",
	} {
		if !strings.Contains(text, "\n"+line) {
			t.Errorf("rejected file lacks %q:\n%s", line, text)
		}
	}
	if rep := imp("--lang", "ar"); rep != (contactimport.Report{Unchanged: 7, Rejected: 5}) {
		t.Fatalf("second import: %+v", rep)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "beneficiaries.rejected.csv"))
	if !strings.Contains(string(data), "\n9,phone: رقم الهاتف غير صحيح.,12345,") {
		t.Fatalf("Arabic rejected file:\n%s", data)
	}

	out := filepath.Join(dir, "export.csv")
	code, stdout, stderr := runBinary(t, dir, env, "contacts", "export", out)
	if code != exitOK || !strings.Contains(stdout, "7 contacts") {
		t.Fatalf("export: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runBinary(t, dir, env, "contacts", "import", "--source", "registry-2026", "--json", out)
	if code != exitOK {
		t.Fatalf("import the export: exit %d: %s", code, stderr)
	}
	if rep := importReport(t, stdout); rep != (contactimport.Report{Unchanged: 7}) {
		t.Fatalf("the export imported back as %+v", rep)
	}
}
