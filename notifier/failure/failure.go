// Package failure decides what a failed send means for its outbox row: try
// again (and when), give up, mark the contact unreachable or opted out, or
// wait for the provider's pause. It is a pure function of the error's kind,
// the attempt and the time, with the backoff's jitter passed in.
package failure

import (
	"fmt"
	"time"

	"github.com/tamkeen/tamkeen/bot"
)

// Action is what becomes of the row.
type Action int

// The actions.
const (
	// Retry: the row goes again at Decision.At.
	Retry Action = iota
	// GiveUp: the row fails for good after repeated temporary failures.
	GiveUp
	// Refused: the provider will never take this message; the row fails.
	Refused
	// MarkUnreachable: the row fails and the contact is marked unreachable on the channel.
	MarkUnreachable
	// MarkOptedOut: the row fails and the contact is marked opted out.
	MarkOptedOut
)

var actionNames = [...]string{"retry", "give_up", "refused", "mark_unreachable", "mark_opted_out"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Decision is what to do after a failed send.
type Decision struct {
	Action Action
	// At is when a Retry goes.
	At time.Time
	// Released gives the attempt back (a Retry that was not the message's
	// fault: the provider's pause, a misconfigured channel), so it does not
	// count toward giving up.
	Released bool
	// Pause is how long the provider asked us to slow down (a 429's
	// retry_after); the pacer pauses whom it concerns. 0: no pause.
	Pause time.Duration
}

// Failed says whether the row fails now.
func (d Decision) Failed() bool { return d.Action != Retry }

// Policy is how patient the dispatcher is with temporary failures.
type Policy struct {
	MaxAttempts int           // attempts before a message fails for good
	BaseBackoff time.Duration // first retry delay, doubled each attempt
	MaxBackoff  time.Duration // longest retry delay; a misconfigured channel waits this long
}

// Decide says what a failed send means. kind and retryAfter are the send
// error's (bot.KindOf); attempt is how many times the row was tried,
// this one included (1-based); jitter in [0,1) spreads the backoff.
//
//   - Unreachable, OptedOut: the row fails and the contact is marked.
//   - Permanent: the row fails.
//   - BadConfig: the row waits MaxBackoff without counting the attempt,
//     until someone fixes the channel.
//   - any other kind with retryAfter: the provider's rate limit, a fact to
//     respect and not the message's fault: retry then, the attempt given
//     back; a RetryLater pauses whom the 429 concerns for retryAfter.
//   - otherwise, temporary: give up after MaxAttempts, else retry after
//     Backoff.
func (p Policy) Decide(kind bot.ErrorKind, retryAfter time.Duration, attempt int, now time.Time, jitter float64) Decision {
	switch kind {
	case bot.Unreachable:
		return Decision{Action: MarkUnreachable}
	case bot.OptedOut:
		return Decision{Action: MarkOptedOut}
	case bot.Permanent:
		return Decision{Action: Refused}
	case bot.BadConfig:
		return Decision{Action: Retry, At: now.Add(p.MaxBackoff), Released: true}
	}
	if retryAfter > 0 {
		d := Decision{Action: Retry, At: now.Add(retryAfter), Released: true}
		if kind == bot.RetryLater {
			d.Pause = retryAfter
		}
		return d
	}
	if attempt >= p.MaxAttempts {
		return Decision{Action: GiveUp}
	}
	return Decision{Action: Retry, At: now.Add(Backoff(attempt, p.BaseBackoff, p.MaxBackoff, jitter))}
}

// Backoff is the wait before retry number attempt (1-based): base doubled per
// attempt, capped at max, with "equal jitter" (half fixed, half random by jitter in [0,1)).
func Backoff(attempt int, base, max time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(float64(half)*jitter)
}
