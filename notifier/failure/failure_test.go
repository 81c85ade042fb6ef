package failure_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/notifier/failure"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var policy = failure.Policy{MaxAttempts: 8, BaseBackoff: 2 * time.Second, MaxBackoff: 10 * time.Minute}

// backoffs are the waits before each retry (attempt 1, 2, …) with no
// jitter and with half: 2 s doubled per attempt up to 10 minutes, half of
// it fixed and half spread by the jitter.
var backoffs = []struct{ none, half time.Duration }{
	{1 * time.Second, 1500 * time.Millisecond},
	{2 * time.Second, 3 * time.Second},
	{4 * time.Second, 6 * time.Second},
	{8 * time.Second, 12 * time.Second},
	{16 * time.Second, 24 * time.Second},
	{32 * time.Second, 48 * time.Second},
	{64 * time.Second, 96 * time.Second},
	{128 * time.Second, 192 * time.Second},
	{256 * time.Second, 384 * time.Second},
	{300 * time.Second, 450 * time.Second}, // capped at 10 minutes
	{300 * time.Second, 450 * time.Second},
}

// Every kind of error at every attempt, with and without a provider's
// retry_after, decides the row as the rules say.
func TestDecideEveryKindAndAttempt(t *testing.T) {
	const retryAfter = 3 * time.Second
	kinds := []bot.ErrorKind{bot.RetryLater, bot.Unreachable, bot.OptedOut, bot.Permanent, bot.BadConfig, bot.ErrorKind(99)}
	for _, kind := range kinds {
		for attempt := 1; attempt <= len(backoffs); attempt++ {
			for _, after := range []time.Duration{0, retryAfter} {
				for _, jitter := range []float64{0, 0.5} {
					var want failure.Decision
					switch {
					case kind == bot.Unreachable:
						want = failure.Decision{Action: failure.MarkUnreachable}
					case kind == bot.OptedOut:
						want = failure.Decision{Action: failure.MarkOptedOut}
					case kind == bot.Permanent:
						want = failure.Decision{Action: failure.Refused}
					case kind == bot.BadConfig: // waits for someone to fix it, never gives up
						want = failure.Decision{Action: failure.Retry, At: now.Add(10 * time.Minute), Released: true}
					case after > 0 && kind == bot.RetryLater: // a 429: wait as asked, pause, not the message's fault
						want = failure.Decision{Action: failure.Retry, At: now.Add(retryAfter), Released: true, Pause: retryAfter}
					case after > 0: // an unknown kind that says when: wait as asked, no pause
						want = failure.Decision{Action: failure.Retry, At: now.Add(retryAfter), Released: true}
					case attempt >= 8:
						want = failure.Decision{Action: failure.GiveUp}
					case jitter == 0:
						want = failure.Decision{Action: failure.Retry, At: now.Add(backoffs[attempt-1].none)}
					default:
						want = failure.Decision{Action: failure.Retry, At: now.Add(backoffs[attempt-1].half)}
					}
					got := policy.Decide(kind, after, attempt, now, jitter)
					if got != want {
						t.Errorf("%s, attempt %d, retry_after %v, jitter %v: %+v, want %+v", kind, attempt, after, jitter, got, want)
					}
					if got.Failed() != (want.Action != failure.Retry) {
						t.Errorf("%s, attempt %d: Failed() = %v for %s", kind, attempt, got.Failed(), got.Action)
					}
				}
			}
		}
	}
}

// The backoff never leaves [half, whole) of its doubled, capped wait for
// any jitter in [0,1), and never shrinks from one attempt to the next.
func TestBackoffStaysInItsBand(t *testing.T) {
	for _, jitter := range []float64{0, 0.001, 0.25, 0.5, 0.75, 0.999999} {
		prev := time.Duration(0)
		for attempt := 1; attempt <= 200; attempt++ {
			whole := min(10*time.Minute, 2*time.Second<<min(attempt-1, 20))
			got := failure.Backoff(attempt, 2*time.Second, 10*time.Minute, jitter)
			if got < whole/2 || got >= whole {
				t.Fatalf("attempt %d, jitter %v: %v outside [%v, %v)", attempt, jitter, got, whole/2, whole)
			}
			if got < prev {
				t.Fatalf("attempt %d, jitter %v: %v, shorter than the attempt before (%v)", attempt, jitter, got, prev)
			}
			prev = got
		}
	}
}

func TestActionNames(t *testing.T) {
	for a, want := range map[failure.Action]string{failure.Retry: "retry", failure.GiveUp: "give_up", failure.Refused: "refused",
		failure.MarkUnreachable: "mark_unreachable", failure.MarkOptedOut: "mark_opted_out", failure.Action(9): "action(9)"} {
		if got := fmt.Sprint(a); got != want {
			t.Errorf("%d reads %q, want %q", int(a), got, want)
		}
	}
}
