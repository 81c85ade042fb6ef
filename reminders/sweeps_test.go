package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

var muscat = mustLoc("Asia/Muscat")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// local is a moment in Muscat in May 2026.
func local(day, hour, minute int) time.Time {
	return time.Date(2026, 5, day, hour, minute, 0, 0, muscat)
}

var start = local(1, 12, 0) // when the fixtures are made

func quiet(t testing.TB) config.QuietHours {
	q, err := config.ParseQuietHours("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func newSweeper(t testing.TB, s *store.Store) *Sweeper {
	return New(s, Config{
		Offsets: []time.Duration{2 * time.Hour, 24 * time.Hour}, QuietHours: quiet(t), Location: muscat,
		Log:   slog.New(slog.DiscardHandler),
		Batch: 2, // several batches (transactions) even for a handful of people
	})
}

type fixture struct {
	t     testing.TB
	ctx   context.Context
	store *store.Store
	clock *clock.Manual
}

// each runs fn on SQLite, and on PostgreSQL when configured.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	var clk *clock.Manual
	storetest.Each(t, func() clock.Clock { clk = clock.NewManual(start); return clk }, func(t *testing.T, s *store.Store) {
		fn(t, newFixture(t, s, clk))
	})
}

func newFixture(t testing.TB, s *store.Store, clk *clock.Manual) *fixture {
	return &fixture{t: t, ctx: context.Background(), store: s, clock: clk}
}

// person adds a consenting contact reachable at addr; edit may change it.
func (f *fixture) person(addr vocab.Address, edit func(c *store.Contact)) *store.Contact {
	f.t.Helper()
	var c *store.Contact
	err := f.store.InTx(f.ctx, func(tx *store.Tx) error {
		var err error
		if c, _, err = tx.ContactByAddress(addr, "ar"); err != nil {
			return err
		}
		at := start.UTC()
		c.ConsentAt, c.Name, c.Governorate = &at, "Mona", "muscat"
		if edit != nil {
			edit(c)
		}
		return tx.SaveContact(c)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) opportunity(startsAt time.Time, capacity int, edit func(o *store.Opportunity)) *store.Opportunity {
	f.t.Helper()
	o := &store.Opportunity{
		Kind: "training", Track: "tailoring", Governorate: "muscat", Title: map[string]string{"ar": "دورة خياطة", "en": "Sewing course"},
		Description: map[string]string{"ar": "", "en": ""}, StartsAt: startsAt.UTC(), Capacity: capacity,
	}
	if edit != nil {
		edit(o)
	}
	if err := f.store.CreateOpportunity(f.ctx, o); err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) signup(c *store.Contact, o *store.Opportunity, status string) {
	f.t.Helper()
	if err := f.store.InTx(f.ctx, func(tx *store.Tx) error { return tx.SetSignup(c.ID, o.ID, status) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) queued(prefix string) []store.OutboxMessage {
	f.t.Helper()
	rows, err := f.store.OutboxByDedupePrefix(f.ctx, prefix)
	if err != nil {
		f.t.Fatal(err)
	}
	return rows
}

func tg(id int64) vocab.Address      { return vocab.Address{TelegramChatID: id} }
func sms(phone string) vocab.Address { return vocab.Address{Phone: phone} }

func TestRemindersGoToRegisteredSignupsOnceEach(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		sw := newSweeper(t, f.store)
		opp := f.opportunity(local(5, 18, 0), 10, nil)
		onTelegram := f.person(tg(101), func(c *store.Contact) {
			p := "+96891000001"
			c.Phone, c.Language = &p, "en" // Telegram wins over SMS
		})
		onSMS := f.person(sms("+96891000002"), nil)
		blocked := f.person(tg(103), func(c *store.Contact) {
			p := "+96891000003"
			c.Phone, c.TelegramBlocked = &p, true // falls back to SMS
		})
		waitlisted := f.person(sms("+96891000004"), nil)
		cancelled := f.person(sms("+96891000005"), nil)
		optedOut := f.person(sms("+96891000006"), func(c *store.Contact) { at := start.UTC(); c.OptedOutAt = &at })
		for _, c := range []*store.Contact{onTelegram, onSMS, blocked, optedOut} {
			f.signup(c, opp, store.SignupRegistered)
		}
		f.signup(waitlisted, opp, store.SignupWaitlisted)
		f.signup(cancelled, opp, store.SignupRegistered)
		f.signup(cancelled, opp, store.SignupCancelled)

		steps := []struct {
			name   string
			now    time.Time
			queued int
		}{
			{"25 hours before: nothing yet", local(4, 17, 0), 0},
			{"24 hours before: the day-before reminder", local(4, 18, 0), 3},
			{"the same sweep again sends nothing", local(4, 18, 0), 0},
			{"an hour later, still nothing new", local(4, 19, 0), 0},
			{"2 hours before: the last reminder", local(5, 16, 0), 3},
			{"rerun of the last one", local(5, 16, 5), 0},
			{"after the start: nothing", local(5, 18, 1), 0},
		}
		for _, st := range steps {
			rep, err := sw.Reminders(f.ctx, st.now)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Ran || rep.Queued != st.queued {
				t.Errorf("%s: %+v, want %d queued", st.name, rep, st.queued)
			}
		}
		rows := f.queued("reminder:signup:")
		if len(rows) != 6 {
			t.Fatalf("queued %d reminders, want 6", len(rows))
		}
		want := map[int64]string{onTelegram.ID: "telegram:101:en", onSMS.ID: "sms:+96891000002:ar", blocked.ID: "sms:+96891000003:ar"}
		labels := map[string]int{}
		for _, r := range rows {
			if got := r.Channel + ":" + r.Recipient + ":" + r.Language; got != want[r.ContactID] {
				t.Errorf("contact %d got %s, want %q", r.ContactID, got, want[r.ContactID])
			}
			if r.Priority != store.PriorityNotice || !strings.Contains(r.Payload, `"notice.reminder"`) {
				t.Errorf("row %+v", r)
			}
			labels[r.DedupeKey[strings.LastIndex(r.DedupeKey, ":")+1:]]++
		}
		if labels["24h"] != 3 || labels["2h"] != 3 {
			t.Errorf("offsets %v, want 3 of 24h and 3 of 2h", labels)
		}
	})
}

func TestRemindersAcrossQuietHours(t *testing.T) {
	cases := []struct {
		name     string
		startsAt time.Time
		now      time.Time
		wantAt   time.Time // zero: dropped
		label    string
	}{
		{"daytime: sent at once", local(6, 18, 0), local(5, 18, 0), local(5, 18, 0), "24h"},
		{"at 22:30 the day before: held until 08:00", local(6, 22, 30), local(5, 22, 30), local(6, 8, 0), "24h"},
		{"08:00 sharp is outside the window", local(6, 10, 0), local(6, 8, 0), local(6, 8, 0), "2h"},
		{"07:59 is held one minute", local(6, 9, 59), local(6, 7, 59), local(6, 8, 0), "2h"},
		{"held until after the start: dropped, never late", local(6, 7, 30), local(6, 5, 30), time.Time{}, "2h"},
		{"held exactly to the start: dropped", local(6, 8, 0), local(6, 6, 0), time.Time{}, "2h"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, storetest.SQLite(t, clock.NewManual(start)), nil)
			sw := newSweeper(t, f.store)
			opp := f.opportunity(tc.startsAt, 0, nil)
			f.signup(f.person(sms("+96891000001"), nil), opp, store.SignupRegistered)
			rep, err := sw.Reminders(f.ctx, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			rows := f.queued("reminder:signup:")
			if tc.wantAt.IsZero() {
				if len(rows) != 0 || rep.Dropped != 1 {
					t.Fatalf("queued %+v (report %+v), want it dropped", rows, rep)
				}
				return
			}
			if len(rows) != 1 {
				t.Fatalf("queued %d, want 1 (report %+v)", len(rows), rep)
			}
			if !rows[0].NextAttemptAt.Equal(tc.wantAt) || !strings.HasSuffix(rows[0].DedupeKey, ":"+tc.label) {
				t.Errorf("queued %s for %v, want %s for %v", rows[0].DedupeKey, rows[0].NextAttemptAt.In(muscat), tc.label, tc.wantAt)
			}
		})
	}
}

func TestRemindersLeaveOutPeopleWhoJustSignedUp(t *testing.T) {
	clk := clock.NewManual(start)
	f := newFixture(t, storetest.SQLite(t, clk), clk)
	sw := newSweeper(t, f.store)
	opp := f.opportunity(local(6, 18, 0), 0, nil)
	clk.Set(local(6, 10, 0)) // signs up 8 hours before: past the day-before moment
	f.signup(f.person(sms("+96891000001"), nil), opp, store.SignupRegistered)
	if rep, _ := sw.Reminders(f.ctx, local(6, 10, 5)); rep.Queued != 0 {
		t.Errorf("a day-before reminder went to someone who signed up 8 hours before: %+v", rep)
	}
	if rep, _ := sw.Reminders(f.ctx, local(6, 16, 0)); rep.Queued != 1 {
		t.Errorf("the 2-hour reminder: %+v, want 1", rep)
	}
}

func TestOneReplicaSweepsAtATimeOnPostgres(t *testing.T) {
	clk := clock.NewManual(start)
	s := storetest.Postgres(t, clk) // skips with a clear message without TAMKEEN_TEST_POSTGRES_DSN
	f := newFixture(t, s, clk)
	opp := f.opportunity(local(5, 18, 0), 0, nil)
	const people = 40
	for i := range people {
		f.signup(f.person(sms(fmt.Sprintf("+9689100%04d", i)), nil), opp, store.SignupRegistered)
	}
	now := local(4, 18, 0)

	// While one replica holds the sweep, the other skips it.
	other := newSweeper(t, s)
	_, err := s.SweepLocked(f.ctx, "reminders", func(*store.Tx) error {
		rep, err := other.Reminders(f.ctx, now)
		if err != nil {
			return err
		}
		if rep.Ran || rep.Queued != 0 {
			t.Errorf("second replica ran while the first held the lock: %+v", rep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Two replicas started at once: every reminder queued exactly once.
	var wg sync.WaitGroup
	reports := make([]Report, 2)
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := newSweeper(t, s).Reminders(f.ctx, now)
			if err != nil {
				t.Error(err)
			}
			reports[i] = rep
		}()
	}
	wg.Wait()
	if got := reports[0].Queued + reports[1].Queued; got != people {
		t.Errorf("two sweeps queued %d (%+v), want %d", got, reports, people)
	}
	if rows := f.queued("reminder:signup:"); len(rows) != people {
		t.Errorf("%d rows, want %d", len(rows), people)
	}
}

func TestNudgeForAStalledAssessment(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		sw := newSweeper(t, f.store)
		// The store's clock stamps each saved state.
		save := func(at time.Time, c *store.Contact, step string) {
			t.Helper()
			f.clock.Set(at)
			err := f.store.InTx(f.ctx, func(tx *store.Tx) error {
				return tx.SaveState(c.ID, store.SavedState{Step: step, Data: `{"step":"` + step + `","answers":{"q1":"a"}}`})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		stalled, recent, ancient := f.person(tg(1), nil), f.person(tg(2), nil), f.person(tg(3), nil)
		finished := f.person(tg(4), nil)
		optedOut := f.person(tg(5), func(c *store.Contact) { at := start.UTC(); c.OptedOutAt = &at })
		day := 24 * time.Hour
		save(start, ancient, flows.StepAssessment)
		save(start.Add(6*day), stalled, flows.StepAssessment)
		save(start.Add(6*day), finished, "assessment.result")
		save(start.Add(6*day), optedOut, flows.StepAssessment)
		save(start.Add(7*day+23*time.Hour), recent, flows.StepAssessment)

		steps := []struct {
			name string
			now  time.Time
			want []int64
		}{
			{"47 hours on: too soon", start.Add(6*day + 47*time.Hour), nil},
			{"49 hours on: one nudge", start.Add(8*day + time.Hour), []int64{stalled.ID}},
			{"the same sweep again", start.Add(8*day + 2*time.Hour), nil},
			{"the later one's turn; the first is not nudged twice", start.Add(9*day + 23*time.Hour), []int64{recent.ID}},
		}
		seen := 0
		for _, st := range steps {
			rep, err := sw.Nudges(f.ctx, st.now)
			if err != nil {
				t.Fatal(err)
			}
			rows := f.queued("nudge:assessment:")[seen:]
			seen += len(rows)
			var got []int64
			for _, r := range rows {
				got = append(got, r.ContactID)
			}
			if rep.Queued != len(st.want) || fmt.Sprint(got) != fmt.Sprint(st.want) {
				t.Errorf("%s: nudged %v (%+v), want %v", st.name, got, rep, st.want)
			}
		}
	})
}

func TestWeeklyDigest(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		sw := newSweeper(t, f.store)
		now := local(10, 10, 0) // a Sunday
		f.clock.Set(local(8, 9, 0))
		inMuscat := f.opportunity(local(20, 9, 0), 0, nil)
		f.opportunity(local(21, 9, 0), 0, func(o *store.Opportunity) { o.Governorate = "" }) // everywhere
		f.opportunity(local(22, 9, 0), 0, func(o *store.Opportunity) { o.Governorate = "dhofar" })
		f.opportunity(local(22, 9, 0), 0, func(o *store.Opportunity) { o.Track = "cooking" })
		f.opportunity(local(9, 9, 0), 0, nil) // already started
		matchTwo := f.person(tg(1), func(c *store.Contact) { c.Track = "tailoring" })
		signedUp := f.person(tg(2), func(c *store.Contact) { c.Track = "tailoring" })
		f.signup(signedUp, inMuscat, store.SignupRegistered)
		inDhofar := f.person(tg(3), func(c *store.Contact) { c.Track = "tailoring"; c.Governorate = "dhofar" })
		f.person(tg(4), func(c *store.Contact) { c.Track = "beauty" }) // nothing matches
		f.person(tg(5), nil)                                           // no assessment yet
		cook := f.person(tg(6), func(c *store.Contact) { c.Track = "cooking" })

		rep, err := sw.Digest(f.ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{matchTwo.ID: "notice.digest.many", signedUp.ID: "notice.digest.one", inDhofar.ID: "notice.digest.many", cook.ID: "notice.digest.one"}
		rows := f.queued("digest:")
		if rep.Queued != len(want) || len(rows) != len(want) {
			t.Fatalf("queued %d (%d rows), want %d", rep.Queued, len(rows), len(want))
		}
		for _, r := range rows {
			if key, ok := want[r.ContactID]; !ok || !strings.Contains(r.Payload, `"`+key+`"`) {
				t.Errorf("contact %d got %s, want %q", r.ContactID, r.Payload, key)
			}
			if !strings.HasSuffix(r.DedupeKey, ":2026-W19") || r.Priority != store.PriorityNotice {
				t.Errorf("row %s priority %d", r.DedupeKey, r.Priority)
			}
		}
		if rep, _ := sw.Digest(f.ctx, now.Add(time.Hour)); rep.Queued != 0 {
			t.Errorf("digest sent twice in a week: %+v", rep)
		}
	})
}

func TestNoDigestWhenNothingIsNew(t *testing.T) {
	clk := clock.NewManual(start.Add(-30 * 24 * time.Hour))
	f := newFixture(t, storetest.SQLite(t, clk), clk)
	f.opportunity(local(20, 9, 0), 0, nil) // added a month ago
	f.person(tg(1), func(c *store.Contact) { c.Track = "tailoring" })
	rep, err := newSweeper(t, f.store).Digest(f.ctx, local(10, 10, 0))
	if err != nil || rep.Queued != 0 {
		t.Fatalf("%+v %v, want nothing", rep, err)
	}
}

func TestWaitlistPromotion(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		sw := newSweeper(t, f.store)
		opp := f.opportunity(local(20, 9, 0), 2, nil)
		a, b := f.person(tg(1), nil), f.person(tg(2), nil)
		first, second := f.person(tg(3), nil), f.person(tg(4), nil)
		f.signup(a, opp, store.SignupRegistered)
		f.signup(b, opp, store.SignupRegistered)
		f.signup(first, opp, store.SignupWaitlisted)
		f.signup(second, opp, store.SignupWaitlisted)
		if rep, _ := sw.Promotions(f.ctx, local(10, 23, 0)); rep.Queued != 0 {
			t.Fatalf("promoted with no free place: %+v", rep)
		}
		f.signup(b, opp, store.SignupCancelled)
		rep, err := sw.Promotions(f.ctx, local(10, 23, 0))
		if err != nil || rep.Queued != 1 {
			t.Fatalf("%+v %v, want one promotion", rep, err)
		}
		rows := f.queued("waitlist:signup:")
		if len(rows) != 1 || rows[0].ContactID != first.ID || !rows[0].NextAttemptAt.Equal(local(11, 8, 0)) {
			t.Fatalf("rows %+v: want the longest-waiting person, told after quiet hours", rows)
		}
		if rep, _ := sw.Promotions(f.ctx, local(10, 23, 5)); rep.Queued != 0 {
			t.Errorf("rerun promoted again: %+v", rep)
		}
		views, err := f.store.Opportunities(f.ctx)
		if err != nil || views[0].Registered != 2 {
			t.Errorf("registered %d, want 2 (%v)", views[0].Registered, err)
		}
	})
}

func TestOffsetLabel(t *testing.T) {
	for d, want := range map[time.Duration]string{24 * time.Hour: "24h", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 30 * time.Minute: "30m", 45 * time.Second: "45s"} {
		if got := OffsetLabel(d); got != want {
			t.Errorf("OffsetLabel(%v) = %q, want %q", d, got, want)
		}
	}
}
