package whatsapp

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
)

// WhatsApp's error codes with a meaning for the dispatcher.
const (
	CodeAPIUnknown        = 1      // unknown API error: maybe the server
	CodeAPIService        = 2      // service temporarily down
	CodeTooManyCalls      = 4      // the app called the API too often
	CodePermission        = 10     // the token lacks a permission
	CodeInvalidParameter  = 100    // a parameter is wrong or misspelt (subcode 33: no such phone number id)
	CodeAccessToken       = 190    // the token expired or was revoked
	CodeRateLimit         = 80007  // the business account's rate limit
	CodeThroughput        = 130429 // the number's throughput (messages per second) reached
	CodeGeneric           = 131000 // something went wrong at WhatsApp
	CodeMissingParameter  = 131008
	CodeParameterValue    = 131009 // a value is not valid (a title too long, a row id repeated)
	CodeUnavailable       = 131016 // service unavailable
	CodeUndeliverable     = 131026 // the person cannot be reached on WhatsApp
	CodeReEngagement      = 131047 // more than 24 hours since the person last wrote: templates only
	CodeStoppedMarketing  = 131050 // the person stopped marketing messages from us
	CodeUnsupportedType   = 131051 // the message type is not supported
	CodePairRateLimit     = 131056 // too many messages to the same person in a short time
	CodeTemplateParams    = 132000 // template parameters do not match the template
	CodeTemplateMissing   = 132001 // no such template in that language
	CodeTemplateParamForm = 132018 // a template parameter is badly formed
	subcodeNoSuchObject   = 33     // with CodeInvalidParameter: the phone number id does not exist
)

// How long the dispatcher waits after WhatsApp says "too fast": its
// throughput is counted per second; the pair limit allows about one
// message every six seconds to one person; the app limits by the minute.
const (
	throughputPause = time.Second
	pairPause       = 6 * time.Second
	appPause        = time.Minute
)

// classify turns WhatsApp's answer (HTTP status and error object, nil when
// the body was not Graph's JSON) into what the dispatcher should do.
// token is masked wherever the error would show it.
func classify(status int, e *APIError, token string) *bot.SendError {
	err := describe(status, e, token)
	code, sub := 0, 0
	if e != nil {
		code, sub = e.Code, e.ErrorSubcode
	}
	switch code {
	case CodeThroughput:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: throughputPause, Scope: bot.ScopeChannel, Err: err}
	case CodePairRateLimit:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: pairPause, Scope: bot.ScopeRecipient, Err: err}
	case CodeTooManyCalls, CodeRateLimit:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: appPause, Scope: bot.ScopeChannel, Err: err}
	case CodeUndeliverable:
		return &bot.SendError{Kind: bot.Unreachable, Err: err}
	case CodeReEngagement:
		return &bot.SendError{Kind: bot.WindowClosed, Err: err}
	case CodeStoppedMarketing, CodeUnsupportedType:
		return &bot.SendError{Kind: bot.Permanent, Err: err}
	case CodeAccessToken, CodePermission:
		return &bot.SendError{Kind: bot.BadConfig, Err: err}
	case CodeInvalidParameter:
		if sub == subcodeNoSuchObject {
			return &bot.SendError{Kind: bot.BadConfig, Err: err} // WHATSAPP_PHONE_NUMBER_ID is wrong
		}
	case CodeAPIUnknown, CodeAPIService, CodeGeneric, CodeUnavailable:
		return &bot.SendError{Kind: bot.RetryLater, Err: err}
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &bot.SendError{Kind: bot.BadConfig, Err: err}
	case status == http.StatusTooManyRequests:
		return &bot.SendError{Kind: bot.RetryLater, RetryAfter: throughputPause, Scope: bot.ScopeChannel, Err: err}
	case status >= 500 || status == 0 || status == http.StatusRequestTimeout:
		return &bot.SendError{Kind: bot.RetryLater, Err: err}
	case status >= 400:
		return &bot.SendError{Kind: bot.Permanent, Err: err}
	}
	return &bot.SendError{Kind: bot.RetryLater, Err: err}
}

// describe says what WhatsApp answered, for logs and outbox.error: the
// code, its title and details, with the token masked and any run of seven
// or more digits (a phone number Meta may quote) hidden.
func describe(status int, e *APIError, token string) error {
	if e == nil {
		return fmt.Errorf("whatsapp: HTTP %d", status)
	}
	msg := e.Message
	if e.ErrorData != nil && e.ErrorData.Details != "" {
		msg += ": " + e.ErrorData.Details
	}
	return fmt.Errorf("whatsapp: error %d (HTTP %d) %s", e.Code, status, scrub(msg, token))
}

var longDigits = regexp.MustCompile(`[0-9]{7,}`)

// tokenMask replaces the access token wherever a text would show it.
const tokenMask = "<token>"

// scrub masks the token and hides long digit runs.
func scrub(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, tokenMask)
	}
	return longDigits.ReplaceAllStringFunc(s, func(d string) string { return d[:2] + strings.Repeat("*", len(d)-2) })
}
