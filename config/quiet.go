package config

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is a daily local-time window in which bulk and reminder messages wait.
// The zero value means no quiet hours.
type QuietHours struct {
	Start, End time.Duration // offsets from local midnight; Start > End wraps past midnight
	Set        bool
}

// ParseQuietHours reads "HH:MM-HH:MM"; "" or "none" means no quiet hours.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") || s == "-" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q: want HH:MM-HH:MM such as 21:00-08:00, or empty for none", s)
	}
	start, err1 := parseClock(from)
	end, err2 := parseClock(to)
	if err1 != nil || err2 != nil || start == end {
		return QuietHours{}, fmt.Errorf("%q: want HH:MM-HH:MM with two different times, such as 21:00-08:00, or empty for none", s)
	}
	return QuietHours{Start: start, End: end, Set: true}, nil
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// String prints the window as it is configured.
func (q QuietHours) String() string {
	if !q.Set {
		return "none"
	}
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(q.Start) + "-" + f(q.End)
}

// NextAllowed returns t itself when t is outside the window, otherwise the
// moment the window ends, both judged in loc.
func (q QuietHours) NextAllowed(t time.Time, loc *time.Location) time.Time {
	if !q.Set {
		return t
	}
	lt := t.In(loc)
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	of := lt.Sub(midnight)
	if q.Start < q.End { // same-day window, e.g. 13:00-15:00
		if of >= q.Start && of < q.End {
			return midnight.Add(q.End)
		}
		return t
	}
	// window wraps past midnight, e.g. 21:00-08:00
	switch {
	case of >= q.Start:
		return time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc).Add(q.End)
	case of < q.End:
		return midnight.Add(q.End)
	}
	return t
}
