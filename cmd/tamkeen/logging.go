package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/tamkeen/tamkeen/config"
)

// newLogger logs at cfg.LogLevel to w, in cfg.LogFormat: text for a person
// at a terminal, JSON lines for a collector (the default when w is not a
// terminal: a container runtime, journald, a file).
func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: l}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
