package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// staffCmd runs `tamkeen staff …` in dir with stdin, returning its output and exit code.
func staffCmd(t *testing.T, dir, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := command(dir, nil, append([]string{"staff"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestStaffCommand(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"a long pass phrase\n", []string{"add", "--role", "staff", "Mona"}, 0, "staff add: mona done"},
		{"كلمة مرور عربية طويلة\r\n", []string{"add", "--role", "viewer", "data"}, 0, "staff add: data done"},
		{"a long pass phrase\n", []string{"add", "--role", "staff", "mona"}, 2, `"mona" already exists`},
		{"a long pass phrase\n", []string{"add", "--role", "boss", "sami"}, 2, "--role must be one of admin, staff, viewer"},
		{"short\n", []string{"add", "--role", "staff", "sami"}, 2, "at least 10 characters"},
		{"", []string{"add", "--role", "staff", "sami"}, 2, "the password is read from stdin"},
		{"a long pass phrase\n", []string{"add", "--role", "staff", "two words"}, 2, "use letters, digits"},
		{"", []string{"disable", "nobody"}, 2, `no account "nobody"`},
		{"", []string{"frobnicate"}, 2, `unknown subcommand "frobnicate"`},
		{"", []string{"disable", "data"}, 0, "staff disable: data done"},
		{"another long phrase\n", []string{"reset", "mona"}, 0, "staff reset: mona done"},
		{"a long pass phrase\n", []string{"add", "--role", "staff", "--regions", "Dhofar, muscat", "salim"}, 0, "staff add: salim done"},
		{"a long pass phrase\n", []string{"add", "--role", "staff", "--regions", "dhofar,paris", "nour"}, 2, `"paris" is not a governorate of the OM pack`},
		{"", []string{"edit", "--regions", "musandam", "mona"}, 0, "staff edit: mona done"},
		{"", []string{"edit", "mona"}, 2, "--regions is required"},
		{"", []string{"edit", "--regions", "dhofar", "nobody"}, 2, `no account "nobody"`},
		{"", []string{"disable", "--regions", "dhofar", "mona"}, 2, "--regions goes with add or edit"},
	} {
		out, code := staffCmd(t, dir, c.stdin, c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("staff %v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, out)
		}
	}
	out, code := staffCmd(t, dir, "", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[1], "data  ") || !strings.Contains(lines[1], "disabled") || !strings.Contains(lines[1], " all ") ||
		!strings.HasPrefix(lines[2], "mona  ") || !strings.Contains(lines[2], "staff") || !strings.Contains(lines[2], "enabled") || !strings.Contains(lines[2], " musandam ") ||
		!strings.HasPrefix(lines[3], "salim  ") || !strings.Contains(lines[3], " dhofar,muscat ") {
		t.Fatalf("staff list: exit %d\n%s", code, out)
	}
	if out, code := staffCmd(t, dir, "", "edit", "--regions", "all", "mona"); code != 0 {
		t.Fatalf("staff edit --regions all: exit %d\n%s", code, out)
	}
	if out, _ := staffCmd(t, dir, "", "list"); !strings.Contains(strings.Split(out, "\n")[2], " all ") {
		t.Errorf("after --regions all, mona still limited:\n%s", out)
	}
}
