package handoff

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/officehours"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var muscat, _ = time.LoadLocation("Asia/Muscat")

func at(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, muscat) } // 22 Nov 2026: a Sunday

func TestAnsweredInTime(t *testing.T) {
	hours, err := officehours.Parse("Sun-Thu 08:00-15:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opened, answered time.Time
		want             bool
	}{
		{at(22, 9, 0), at(22, 14, 59), true}, // the same morning
		{at(22, 9, 0), at(22, 15, 0), true},  // at closing
		{at(22, 9, 0), at(22, 15, 1), false}, // after closing
		{at(22, 9, 0), at(23, 8, 30), false}, // next day
		{at(22, 20, 0), at(23, 14, 0), true}, // came after hours: the next day counts
		{at(22, 20, 0), at(24, 9, 0), false}, // …but not the day after
		{at(26, 16, 0), at(29, 10, 0), true}, // Thursday evening, answered Sunday
		{at(27, 11, 0), at(29, 15, 0), true}, // Friday, answered Sunday at closing
		{at(27, 11, 0), at(30, 8, 0), false}, // Friday, answered Monday
		{at(23, 7, 0), at(23, 7, 30), true},  // before opening, answered early
	} {
		if got := AnsweredInTime(c.opened, c.answered, hours, muscat); got != c.want {
			t.Errorf("opened %s, answered %s: %v, want %v", c.opened, c.answered, got, c.want)
		}
	}
	if !AnsweredInTime(at(22, 9, 0), at(30, 9, 0), officehours.Hours{}, muscat) {
		t.Error("without office hours every answer is in time")
	}
}

// The median is the middle wait (the mean of the two middle ones), over
// random sets; the share counts exactly those AnsweredInTime accepts.
func TestSummarize(t *testing.T) {
	hours, _ := officehours.Parse("Sun-Thu 08:00-15:00")
	rng := rand.New(rand.NewPCG(3, 4))
	if s := Summarize(nil, hours, muscat); s.Answered != 0 || s.MedianFirstAnswer != 0 || s.Share() != 0 {
		t.Errorf("none answered: %+v", s)
	}
	for i := 0; i < 200; i++ {
		n := 1 + rng.IntN(30)
		var answers []store.FirstAnswer
		var waits []time.Duration
		within := 0
		for j := 0; j < n; j++ {
			opened := at(22, 0, 0).Add(time.Duration(rng.IntN(7*24*60)) * time.Minute)
			wait := time.Duration(rng.IntN(3*24*60)) * time.Minute
			answers = append(answers, store.FirstAnswer{OpenedAt: opened, FirstAnswerAt: opened.Add(wait)})
			waits = append(waits, wait)
			if AnsweredInTime(opened, opened.Add(wait), hours, muscat) {
				within++
			}
		}
		slices.Sort(waits)
		want := waits[n/2]
		if n%2 == 0 {
			want = (waits[n/2-1] + waits[n/2]) / 2
		}
		s := Summarize(answers, hours, muscat)
		if s.Answered != n || s.MedianFirstAnswer != want || s.WithinOfficeHours != within {
			t.Fatalf("%d answers: %+v, want median %v and %d within", n, s, want, within)
		}
		// The median splits the waits: no more than half on either side.
		below, above := 0, 0
		for _, w := range waits {
			if w < s.MedianFirstAnswer {
				below++
			}
			if w > s.MedianFirstAnswer {
				above++
			}
		}
		if below > n/2 || above > n/2 {
			t.Fatalf("median %v leaves %d below and %d above of %d", s.MedianFirstAnswer, below, above, n)
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }

// Measure reads the numbers from the database: open and waiting
// conversations, and the answers of the last 30 days only.
func TestMeasure(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(at(22, 9, 0)) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		open := func(chat int64) int64 {
			var id int64
			err := s.InTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: chat}, "ar")
				if err != nil {
					return err
				}
				id = c.ID
				return tx.OpenConversation(c.ID, vocab.Telegram)
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := s.LatestConversation(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return v.ID
		}
		a, b := open(1), open(2)
		open(3)
		hours, _ := officehours.Parse("Sun-Thu 08:00-15:00")
		if _, err := s.ReplyToConversation(ctx, a, store.Actor{Name: "mona"}, "hello"); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseConversation(ctx, b, store.Actor{Name: "mona"}); err != nil {
			t.Fatal(err)
		}
		n, err := Measure(ctx, s, hours, muscat, at(22, 9, 30))
		if err != nil {
			t.Fatal(err)
		}
		if n.Open != 2 || n.Waiting != 1 || n.Stats.Answered != 1 || n.Stats.WithinOfficeHours != 1 {
			t.Errorf("numbers %+v, want 2 open, 1 waiting, 1 answered within hours", n)
		}
		if n, _ := Measure(ctx, s, hours, muscat, at(22, 9, 0).Add(Window+time.Minute)); n.Stats.Answered != 0 {
			t.Errorf("an answer older than the window counts: %+v", n)
		}
	})
}
