package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/config"
)

// The alert rules load in Prometheus, and each fires on the trouble it
// names and not on the ordinary day beside it (tamkeen-alerts.test.yml).
func TestAlertRulesLoadAndFireAsIntended(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("alert rules check skipped: promtool is missing (apt-get install prometheus; .ci/run does)")
	}
	for _, args := range [][]string{
		{"check", "rules", "tamkeen-alerts.yml"},
		{"test", "rules", "tamkeen-alerts.test.yml"},
	} {
		cmd := exec.Command("promtool", args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

var units = []string{"tamkeen.service", "tamkeen-backup.service", "tamkeen-backup.timer"}

// systemd accepts the units as written (an unknown key or a bad value is
// only a warning to systemd, so any output fails), and the service's
// sandbox rates "OK" in systemd's own exposure review.
func TestSystemdUnitsVerifyAndTheServiceIsSandboxed(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd unit check skipped: systemd-analyze is missing")
	}
	// A root of its own: systemd's units, ours, and a stand-in for every
	// program the units start (verify wants each to be executable).
	root := t.TempDir()
	var systemUnits string
	for _, d := range []string{"/usr/lib/systemd/system", "/lib/systemd/system"} {
		if _, err := os.Stat(filepath.Join(d, "sysinit.target")); err == nil {
			systemUnits = d
			break
		}
	}
	if systemUnits == "" {
		t.Skip("systemd unit check skipped: systemd's own units are not installed")
	}
	mustRun(t, "cp", "-a", systemUnits, filepath.Join(mkdir(t, root, "usr/lib/systemd"), "system"))
	dest := mkdir(t, root, "etc/systemd/system")
	programs := regexp.MustCompile(`(?m)^Exec\w*=[-@:+!]*(/\S+)`)
	for _, u := range units {
		raw, err := os.ReadFile(filepath.Join("systemd", u))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dest, u), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, m := range programs.FindAllStringSubmatch(string(raw), -1) {
			p := filepath.Join(root, m[1])
			mkdir(t, root, filepath.Dir(m[1]))
			if err := os.WriteFile(p, []byte("#!/bin/true\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--root=" + root}, units...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	out, _ = exec.Command("systemd-analyze", "security", "--offline=true", "--root="+root, "tamkeen.service").CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for tamkeen.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2 {
		t.Errorf("tamkeen.service's exposure level is %.1f, want 2 or less (\"OK\"):\n%s", level, out)
	}
	unit, _ := os.ReadFile(filepath.Join("systemd", "tamkeen.service"))
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=tamkeen"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("tamkeen.service lacks %s", want)
		}
	}
}

var variable = regexp.MustCompile(`\b(?:TAMKEEN|TELEGRAM|TWILIO|WHATSAPP)_[A-Z0-9_]*[A-Z0-9]\b`)

// Every setting the deployment files give is one the binary reads (a
// misspelt variable would be ignored in silence), and every NAME_FILE is a
// secret's.
func TestDeploymentFilesSetOnlyVariablesTheBinaryReads(t *testing.T) {
	read := map[string]bool{}
	_, _ = config.Load(func(name string) (string, bool) { read[name] = true; return "", false })
	for _, name := range config.SecretVars {
		read[name+config.FileSuffix] = true
	}
	read["TAMKEEN_DOMAIN"] = true // the compose file's own, for Caddy and TAMKEEN_PUBLIC_URL
	read["TAMKEEN_IMAGE"] = true  // the compose file's own: which image to run
	read["TAMKEEN_TEST_IMAGE"] = true
	files := []string{"../Containerfile", "compose/compose.yaml", "compose/Caddyfile", "image.sh", "pgbouncer/pgbouncer.ini"}
	for _, u := range units {
		files = append(files, filepath.Join("systemd", u))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var unknown []string
		for _, name := range variable.FindAllString(string(raw), -1) {
			if !read[name] && !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			t.Errorf("%s sets %v, which the binary does not read", f, unknown)
		}
	}
}

func mkdir(t *testing.T, root, rel string) string {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
