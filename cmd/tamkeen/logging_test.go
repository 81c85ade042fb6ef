package main

import (
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/config"
)

// A collector reads JSON lines: that is what the binary writes when its
// stderr is not a terminal, unless TAMKEEN_LOG_FORMAT says otherwise.
func TestLogsAreJSONForACollectorAndTextWhenAsked(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		env  []string
		json bool
	}{
		{nil, true},
		{[]string{"TAMKEEN_LOG_FORMAT=json"}, true},
		{[]string{"TAMKEEN_LOG_FORMAT=text"}, false},
	} {
		out, err := command(dir, c.env, "migrate").CombinedOutput()
		if err != nil {
			t.Fatalf("%v: migrate: %v\n%s", c.env, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		for _, line := range lines {
			var rec map[string]any
			isJSON := json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] != nil && rec["level"] != nil
			if isJSON != c.json {
				t.Errorf("%v: line %q: JSON %v, want %v", c.env, line, isJSON, c.json)
			}
			if !c.json && !strings.HasPrefix(line, "time=") {
				t.Errorf("%v: line %q is not slog's text format", c.env, line)
			}
		}
	}
}

// At a terminal (a character device) the default is text, for a person.
func TestLogsAreTextAtATerminal(t *testing.T) {
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0) // a character device, as a terminal is
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	if _, ok := newLogger(tty, config.Config{LogLevel: "info"}).Handler().(*slog.TextHandler); !ok {
		t.Error("a terminal gets JSON logs")
	}
	if _, ok := newLogger(tty, config.Config{LogLevel: "info", LogFormat: "json"}).Handler().(*slog.JSONHandler); !ok {
		t.Error("TAMKEEN_LOG_FORMAT=json at a terminal is not obeyed")
	}
}
