// Package demo turns the demo opportunities of the content files into rows
// dated from today, loaded into an empty database so that a newcomer can try
// the whole journey at once.
package demo

import (
	"time"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
)

// Opportunities dates the demo items from now's day in loc.
func Opportunities(items []locales.DemoOpportunity, now time.Time, loc *time.Location) []store.Opportunity {
	today := now.In(loc)
	day := func(days, hour int) time.Time {
		return time.Date(today.Year(), today.Month(), today.Day()+days, hour, 0, 0, 0, loc).UTC()
	}
	out := make([]store.Opportunity, 0, len(items))
	for _, d := range items {
		key := d.Key
		deadline := day(d.SignupDeadlineInDays, 23)
		out = append(out, store.Opportunity{
			Key: &key, Kind: d.Kind, Track: d.Track, Governorate: d.Governorate,
			Title: d.Title, Description: d.Description,
			StartsAt: day(d.StartsInDays, d.StartHour), SignupDeadline: &deadline, Capacity: d.Capacity,
		})
	}
	return out
}
