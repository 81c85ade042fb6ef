package officehours

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "", ""},
		{"Sun-Thu 08:00-15:00", "Sun,Mon,Tue,Wed,Thu 08:00-15:00", ""},
		{"sun-thu 08:00-15:00", "Sun,Mon,Tue,Wed,Thu 08:00-15:00", ""},
		{"Sat-Mon 09:30-13:00", "Sun,Mon,Sat 09:30-13:00", ""}, // wraps past Saturday
		{"Sat,Mon 09:30-13:00", "Mon,Sat 09:30-13:00", ""},
		{"Sun-Wed 08:00-14:00; Thu 08:00-12:00", "Sun,Mon,Tue,Wed 08:00-14:00; Thu 08:00-12:00", ""},
		{"Fri 00:00-24:00", "Fri 00:00-24:00", ""},
		{"Sun-Thu", "", "want days and hours"},
		{"Sun-Thu 08:00", "", "want hours"},
		{"Sunday 08:00-15:00", "", "want days"},
		{"Sun-Xyz 08:00-15:00", "", "want days"},
		{"Sun-Thu 15:00-08:00", "", "close after it opens"},
		{"Sun-Thu 08:00-08:00", "", "close after it opens"},
		{"Sun-Thu 8-15", "", "want hours"},
		{"Sun-Thu 08:00-25:00", "", "want hours"},
		{"Sun-Thu 08:00-15:00;", "", "want days and hours"},
	} {
		h, err := Parse(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Parse(%q) = %v, %v; want an error saying %q", tc.in, h, err, tc.err)
		case tc.err == "" && (err != nil || h.String() != tc.want):
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, h.String(), err, tc.want)
		case tc.err == "" && h.Set() != (tc.want != ""):
			t.Errorf("Parse(%q).Set() = %v", tc.in, h.Set())
		}
	}
}

// open is the rule written the plainest way: the local weekday and minute
// of the day fall in one of the rules.
func (h Hours) open(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	for _, r := range h.rules {
		if r.days[lt.Weekday()] && m >= r.from && m < r.until {
			return true
		}
	}
	return false
}

// Over random hours in three zones (Cairo and, until 2022, Amman move
// their clocks) and random moments of 2020-2027, OpenAt agrees with the
// plain rule, Next's opening is the first open minute from t on and its
// closing the first closed minute after that.
func TestOpenAndNextAgreeWithThePlainRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var zones []*time.Location
	for _, z := range []string{"Asia/Muscat", "Africa/Cairo", "Asia/Amman"} {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	days := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	for i := 0; i < 300; i++ {
		var parts []string
		for n := 1 + rng.IntN(2); n > 0; n-- {
			from := 5*60 + rng.IntN(12*60)
			until := from + 1 + rng.IntN(20*60-from)
			a, b := days[rng.IntN(7)], days[rng.IntN(7)]
			parts = append(parts, fmt.Sprintf("%s-%s %02d:%02d-%02d:%02d", a, b, from/60, from%60, until/60, until%60))
		}
		spec := strings.Join(parts, "; ")
		h, err := Parse(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		loc := zones[rng.IntN(len(zones))]
		at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(8*365*24*60)) * time.Minute)
		if got, want := h.OpenAt(at, loc), h.open(at, loc); got != want {
			t.Fatalf("%q in %s at %s: OpenAt %v, plain rule %v", spec, loc, at.In(loc), got, want)
		}
		opens, closes, ok := h.Next(at, loc)
		if !ok {
			t.Fatalf("%q: no next opening after %s", spec, at)
		}
		// The edges themselves: the opening minute is open, the closing one not.
		for _, edge := range []time.Time{opens, opens.Add(-time.Minute), closes, closes.Add(-time.Minute)} {
			if got, want := h.OpenAt(edge, loc), h.open(edge, loc); got != want {
				t.Fatalf("%q in %s at %s: OpenAt %v, plain rule %v", spec, loc, edge.In(loc), got, want)
			}
		}
		m := at
		for ; !h.open(m, loc); m = m.Add(time.Minute) {
		}
		if !opens.Equal(m) {
			t.Fatalf("%q in %s from %s: opens %s, first open minute %s", spec, loc, at.In(loc), opens.In(loc), m.In(loc))
		}
		for m = opens; h.open(m, loc) && m.Before(closes); m = m.Add(time.Minute) {
		}
		if !m.Equal(closes) {
			t.Fatalf("%q in %s from %s: closes %s, first closed minute %s", spec, loc, at.In(loc), closes.In(loc), m.In(loc))
		}
	}
}

func TestNoHoursNeverOpen(t *testing.T) {
	var h Hours
	if h.OpenAt(time.Now(), time.UTC) {
		t.Error("no hours, yet open")
	}
	if _, _, ok := h.Next(time.Now(), time.UTC); ok {
		t.Error("no hours, yet a next opening")
	}
}
