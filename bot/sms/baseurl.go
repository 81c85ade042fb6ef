package sms

import (
	"errors"
	"net/url"
	"strings"
)

// namedAtBase makes a transport error name the address really called.
// twilio-go builds every URL on https://api.twilio.com and the sender's
// transport sends it to TWILIO_API_BASE_URL instead, but net/http names the
// URL it was given, which would send whoever reads the log to the wrong host.
func namedAtBase(err error, base *url.URL) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return err
	}
	u.Scheme, u.Host = base.Scheme, base.Host
	u.Path = strings.TrimRight(base.Path, "/") + u.Path
	u.RawPath = ""
	inner := &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
	return &renamedError{msg: strings.ReplaceAll(err.Error(), ue.URL, inner.URL), err: inner}
}

type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }
