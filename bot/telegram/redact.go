package telegram

import (
	"errors"
	"net/url"
	"strings"
)

// tokenMask replaces the bot token wherever an error would show it.
const tokenMask = "<token>"

// redactedError hides the bot token in what an error says. The Bot API puts
// the token in every URL ("…/bot<TOKEN>/sendMessage"), and net/http names the
// URL in its errors, which end up in logs and in outbox.error.
type redactedError struct {
	msg string
	err error // the original error with its URL redacted, for errors.Is/As
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every form of token in its text (and in the URL of
// a *url.Error) replaced by <token>. nil stays nil.
func redact(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	forms := []string{token, url.PathEscape(token), url.QueryEscape(token)}
	clean := func(s string) string {
		for _, f := range forms {
			s = strings.ReplaceAll(s, f, tokenMask)
		}
		return s
	}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = &url.Error{Op: ue.Op, URL: clean(ue.URL), Err: ue.Err}
	}
	return &redactedError{msg: clean(err.Error()), err: inner}
}
