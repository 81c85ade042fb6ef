// Package handoff holds the rules of conversations with staff that need no
// database: the numbers managers see (median time to a first answer, the
// share answered within office hours). WhatsApp's 24-hour window is
// package reach's.
package handoff

import (
	"context"
	"slices"
	"time"

	"github.com/tamkeen/tamkeen/officehours"
	"github.com/tamkeen/tamkeen/store"
)

// Stats are the numbers of the conversations answered in a period.
type Stats struct {
	Answered int // conversations with a first answer
	// MedianFirstAnswer is the median time from the request to the first
	// answer (0 when none was answered).
	MedianFirstAnswer time.Duration
	// WithinOfficeHours counts those answered within office hours: before
	// the office closed on the period the request came in, or, for one that
	// came while the office was closed, on the next period it opened.
	WithinOfficeHours int
}

// Share is the part of answered conversations answered within office
// hours, from 0 to 1 (0 when none was answered).
func (s Stats) Share() float64 {
	if s.Answered == 0 {
		return 0
	}
	return float64(s.WithinOfficeHours) / float64(s.Answered)
}

// Summarize computes the stats of answers, office hours judged in loc.
// Without office hours set, every answer counts as within them.
func Summarize(answers []store.FirstAnswer, hours officehours.Hours, loc *time.Location) Stats {
	s := Stats{Answered: len(answers)}
	if len(answers) == 0 {
		return s
	}
	waits := make([]time.Duration, len(answers))
	for i, a := range answers {
		waits[i] = max(0, a.FirstAnswerAt.Sub(a.OpenedAt))
		if AnsweredInTime(a.OpenedAt, a.FirstAnswerAt, hours, loc) {
			s.WithinOfficeHours++
		}
	}
	slices.Sort(waits)
	if n := len(waits); n%2 == 1 {
		s.MedianFirstAnswer = waits[n/2]
	} else {
		s.MedianFirstAnswer = (waits[n/2-1] + waits[n/2]) / 2
	}
	return s
}

// AnsweredInTime tells whether a request made at opened and first
// answered at answered was answered within office hours: no later than the
// end of the opening period it came in, or of the next one.
func AnsweredInTime(opened, answered time.Time, hours officehours.Hours, loc *time.Location) bool {
	_, closes, ok := hours.Next(opened, loc)
	if !ok {
		return true
	}
	return !answered.After(closes)
}

// Source is what the numbers are read from; *store.Store fits.
type Source interface {
	CountOpenConversations(ctx context.Context, regions store.Regions) (open, waiting int, err error)
	FirstAnswers(ctx context.Context, since time.Time) ([]store.FirstAnswer, error)
}

// Numbers are what managers see of conversations with staff at a moment.
type Numbers struct {
	Open, Waiting int
	Stats         Stats // of the conversations opened in the last 30 days
}

// Window is how far back the answer numbers look.
const Window = 30 * 24 * time.Hour

// Measure reads the numbers at now, for every governorate.
func Measure(ctx context.Context, src Source, hours officehours.Hours, loc *time.Location, now time.Time) (Numbers, error) {
	var n Numbers
	var err error
	if n.Open, n.Waiting, err = src.CountOpenConversations(ctx, nil); err != nil {
		return n, err
	}
	answers, err := src.FirstAnswers(ctx, now.Add(-Window))
	if err != nil {
		return n, err
	}
	n.Stats = Summarize(answers, hours, loc)
	return n, nil
}
