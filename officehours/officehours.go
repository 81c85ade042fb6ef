// Package officehours reads an office's working hours, such as
// "Sun-Thu 08:00-15:00", and answers when the office is open, when it
// opens next and when the period in which a request arrived ends.
package officehours

import (
	"fmt"
	"strings"
	"time"
)

// Hours are the periods an office is open each week, in wall-clock time of
// the location they are asked about. The zero value has no periods: the
// office is never known to be open (no hours were set).
type Hours struct {
	rules []rule
}

// rule is one "days from-to" part.
type rule struct {
	days        [7]bool // by time.Weekday
	from, until int     // minutes after midnight; from < until
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Parse reads hours written as days and a time range, several separated by
// ";": "Sun-Thu 08:00-15:00", "Sun-Wed 08:00-14:00; Thu 08:00-12:00",
// "Sat,Mon 09:30-13:00". Days are English three-letter names (any case); a
// range may wrap past Saturday ("Sat-Wed"). "" means no hours.
func Parse(s string) (Hours, error) {
	var h Hours
	if strings.TrimSpace(s) == "" {
		return h, nil
	}
	for part := range strings.SplitSeq(s, ";") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return Hours{}, fmt.Errorf("%q: want days and hours such as Sun-Thu 08:00-15:00", strings.TrimSpace(part))
		}
		var r rule
		if err := r.parseDays(f[0]); err != nil {
			return Hours{}, err
		}
		from, until, ok := strings.Cut(f[1], "-")
		var err1, err2 error
		r.from, err1 = clockMinutes(from)
		r.until, err2 = clockMinutes(until)
		if !ok || err1 != nil || err2 != nil {
			return Hours{}, fmt.Errorf("%q: want hours such as 08:00-15:00", f[1])
		}
		if r.from >= r.until {
			return Hours{}, fmt.Errorf("%q: the office must close after it opens, on the same day", f[1])
		}
		h.rules = append(h.rules, r)
	}
	return h, nil
}

func (r *rule) parseDays(s string) error {
	for item := range strings.SplitSeq(strings.ToLower(s), ",") {
		a, b, isRange := strings.Cut(item, "-")
		first, ok1 := dayIndex(a)
		last, ok2 := first, true
		if isRange {
			last, ok2 = dayIndex(b)
		}
		if !ok1 || !ok2 {
			return fmt.Errorf("%q: want days such as Sun-Thu or Sat,Mon (Sun Mon Tue Wed Thu Fri Sat)", s)
		}
		for d := first; ; d = (d + 1) % 7 {
			r.days[d] = true
			if d == last {
				break
			}
		}
	}
	return nil
}

func dayIndex(s string) (int, bool) {
	for i, n := range dayNames {
		if s == n {
			return i, true
		}
	}
	return 0, false
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// UnmarshalText reads hours as Parse does (for TOML files).
func (h *Hours) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// Set reports whether any hours were given.
func (h Hours) Set() bool { return len(h.rules) > 0 }

// String writes the hours back in Parse's form.
func (h Hours) String() string {
	parts := make([]string, 0, len(h.rules))
	for _, r := range h.rules {
		var days []string
		for d := 0; d < 7; d++ {
			if r.days[d] {
				days = append(days, strings.ToUpper(dayNames[d][:1])+dayNames[d][1:])
			}
		}
		parts = append(parts, fmt.Sprintf("%s %02d:%02d-%02d:%02d", strings.Join(days, ","), r.from/60, r.from%60, r.until/60, r.until%60))
	}
	return strings.Join(parts, "; ")
}

// period is one opening on a given day.
type period struct{ start, end time.Time }

// periods lists the openings of the days from t's day (in loc) on, for
// eight days (a week and the day after), in order.
func (h Hours) periods(t time.Time, loc *time.Location) []period {
	lt := t.In(loc)
	y, m, d := lt.Date()
	var out []period
	for i := -1; i <= 8; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		for _, r := range h.rules {
			if !r.days[day.Weekday()] {
				continue
			}
			out = append(out, period{
				start: time.Date(y, m, d+i, r.from/60, r.from%60, 0, 0, loc),
				end:   time.Date(y, m, d+i, r.until/60, r.until%60, 0, 0, loc),
			})
		}
	}
	// Order by start; rules on one day may come in any order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start.Before(out[j-1].start); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// OpenAt reports whether the office is open at t (opening minute included,
// closing minute not).
func (h Hours) OpenAt(t time.Time, loc *time.Location) bool {
	for _, p := range h.periods(t, loc) {
		if !t.Before(p.start) && t.Before(p.end) {
			return true
		}
	}
	return false
}

// Next returns the opening period that t falls in, or else the next one:
// when it starts (t itself when open) and when it ends. ok is false when no
// hours are set.
func (h Hours) Next(t time.Time, loc *time.Location) (opens, closes time.Time, ok bool) {
	for _, p := range h.periods(t, loc) {
		if t.Before(p.end) {
			if t.After(p.start) {
				return t, p.end, true
			}
			return p.start, p.end, true
		}
	}
	return time.Time{}, time.Time{}, false
}
