// Package reminders runs the scheduled sweeps that message people nobody
// is chatting with at that moment: reminders before an opportunity starts,
// one nudge for an assessment left halfway, a weekly digest of new
// opportunities that match a person, and waitlist promotion when a place
// frees up; an hourly clean-up of erased people's sent messages; and an
// hourly deletion of what people wrote once TAMKEEN_MESSAGE_RETENTION ends. Each sweep is a plain function of the time, so tests call it
// with any "now"; a robfig/cron scheduler calls it with the clock's. Every
// message has a dedupe key, so a rerun or a second replica never sends
// twice; on PostgreSQL an advisory lock also keeps one replica per sweep.
package reminders

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// Config tunes the sweeps; zero fields take the defaults.
type Config struct {
	Offsets     []time.Duration   // how long before a start to remind (TAMKEEN_REMINDERS)
	QuietHours  config.QuietHours // reminders, nudges, digests and promotions wait for the window to end
	Location    *time.Location    // where quiet hours and weeks are judged
	NudgeAfter  time.Duration     // an assessment resting this long gets its nudge (default 48h)
	NudgeWithin time.Duration     // ... unless it rests longer than this (default 7 days)
	DigestSince time.Duration     // "new" opportunities were added within this (default 7 days)
	DigestMax   int               // most opportunities one digest counts (default 20)
	Batch       int               // contacts read at a time (default 1000)
	Retention   time.Duration     // what people write is kept this long (TAMKEEN_MESSAGE_RETENTION; 0: for ever)
	Notify      func()            // wakes the dispatcher after rows were queued; may be nil
	Log         *slog.Logger      // required
	quietUntil  func(time.Time) time.Time
}

// Store is what the sweeps need of the database (*store.Store): a locked
// transaction for each sweep, and scrubbing what erased people left.
type Store interface {
	SweepLocked(ctx context.Context, name string, fn func(tx *store.Tx) error) (ran bool, err error)
	ScrubErased(ctx context.Context) (int, error)
	ForgetMessagesBefore(ctx context.Context, cutoff time.Time, batch int) (int, error)
}

// Sweeper holds what the sweeps share.
type Sweeper struct {
	store Store
	cfg   Config
}

// New returns a sweeper.
func New(s Store, cfg Config) *Sweeper {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.NudgeAfter <= 0 {
		cfg.NudgeAfter = 48 * time.Hour
	}
	if cfg.NudgeWithin <= cfg.NudgeAfter {
		cfg.NudgeWithin = 7 * 24 * time.Hour
	}
	if cfg.DigestSince <= 0 {
		cfg.DigestSince = 7 * 24 * time.Hour
	}
	if cfg.DigestMax <= 0 {
		cfg.DigestMax = 20
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	cfg.Offsets = slices.Clone(cfg.Offsets)
	slices.SortFunc(cfg.Offsets, func(a, b time.Duration) int { return cmp.Compare(b, a) }) // longest first
	cfg.Offsets = slices.Compact(cfg.Offsets)
	loc, quiet := cfg.Location, cfg.QuietHours
	cfg.quietUntil = func(t time.Time) time.Time { return quiet.NextAllowed(t, loc) }
	return &Sweeper{store: s, cfg: cfg}
}

// Report says what one sweep did.
type Report struct {
	Ran     bool // false: another replica held the sweep's lock
	Queued  int  // new outbox rows
	Dropped int  // opportunities whose reminder was not sent because quiet hours would make it late
}

func (r Report) attrs() []any {
	return []any{"ran", r.Ran, "queued", r.Queued, "dropped", r.Dropped}
}

// OffsetLabel writes a reminder offset the way dedupe keys show it: 24h, 2h, 90m → 1h30m.
func OffsetLabel(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Reminders queues the reminders due at now. Offset i of an opportunity
// starting at S is due from S-offset[i] until the next, shorter offset's
// moment (or S): a sweep that ran late still sends it, but only the most
// recent reminder goes. A reminder that quiet hours would hold until that
// next moment or later is dropped: it would arrive late or twice.
func (sw *Sweeper) Reminders(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	ran, err := sw.store.SweepLocked(ctx, "reminders", func(tx *store.Tx) error {
		rep = Report{}
		sendAt := sw.cfg.quietUntil(now)
		for i, off := range sw.cfg.Offsets {
			var next time.Duration // the next reminder's offset; 0 means the start itself
			if i+1 < len(sw.cfg.Offsets) {
				next = sw.cfg.Offsets[i+1]
			}
			opps, err := tx.OpportunitiesStarting(now.Add(next), now.Add(off))
			if err != nil {
				return err
			}
			for _, o := range opps {
				if !sendAt.Before(o.StartsAt.Add(-next)) {
					rep.Dropped++
					continue
				}
				payload, err := json.Marshal(vocab.Reply{
					Key: "notice.reminder", ShortKey: "notice.reminder.sms",
					Data: map[string]any{"Title": vocab.L(o.Title), "Date": vocab.Date(o.StartsAt)},
				})
				if err != nil {
					return fmt.Errorf("encode reminder: %w", err)
				}
				n, err := tx.EnqueueSignupReminders(store.ReminderBatch{
					OpportunityID: o.ID, Label: OffsetLabel(off), RegisteredBefore: o.StartsAt.Add(-off),
					SendAt: sendAt, Payload: string(payload),
				})
				if err != nil {
					return err
				}
				rep.Queued += n
			}
		}
		return nil
	})
	rep.Ran = ran
	return sw.done(ctx, "reminders", rep, err)
}

func (sw *Sweeper) done(ctx context.Context, name string, rep Report, err error) (Report, error) {
	if err != nil {
		return Report{}, fmt.Errorf("reminders: %s: %w", name, err)
	}
	if rep.Queued > 0 {
		sw.cfg.Notify()
	}
	level := slog.LevelDebug
	if rep.Queued > 0 || rep.Dropped > 0 {
		level = slog.LevelInfo
	}
	sw.cfg.Log.Log(ctx, level, "reminders: sweep done", append([]any{"sweep", name}, rep.attrs()...)...)
	return rep, nil
}

// Scrub blanks the finished messages of people who erased their data; it
// queues nothing (Report.Queued stays 0).
func (sw *Sweeper) Scrub(ctx context.Context, now time.Time) (Report, error) {
	n, err := sw.store.ScrubErased(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("reminders: scrub: %w", err)
	}
	if n > 0 {
		sw.cfg.Log.Info("reminders: erased people's sent messages blanked", "messages", n)
	}
	return Report{Ran: true}, nil
}

// Retention deletes what people wrote (and the ids of those messages)
// received longer than Config.Retention before now, a batch of rows per
// transaction; with no retention set it does nothing.
func (sw *Sweeper) Retention(ctx context.Context, now time.Time) (Report, error) {
	if sw.cfg.Retention <= 0 {
		return Report{Ran: true}, nil
	}
	n, err := sw.store.ForgetMessagesBefore(ctx, now.Add(-sw.cfg.Retention), sw.cfg.Batch*5)
	if err != nil {
		return Report{}, fmt.Errorf("reminders: retention: %w", err)
	}
	if n > 0 {
		sw.cfg.Log.Info("reminders: messages past their retention deleted", "messages", n, "retention", sw.cfg.Retention)
	}
	return Report{Ran: true}, nil
}

// batched runs a sweep one batch per transaction, so that a sweep over a
// large audience never holds the database's write lock for long (on SQLite
// every reply waits for it). step handles the batch after the id after and
// returns the last id it handled, how many messages it queued, and whether
// nothing was left. Another replica holding the sweep's lock ends it: that
// replica is doing the same work, idempotent by dedupe key.
func (sw *Sweeper) batched(ctx context.Context, name string, step func(tx *store.Tx, after int64) (last int64, queued int, done bool, err error)) (Report, error) {
	var rep Report
	var after int64
	for {
		done := false
		ran, err := sw.store.SweepLocked(ctx, name, func(tx *store.Tx) error {
			last, n, finished, err := step(tx, after)
			if err != nil {
				return err
			}
			after, done = last, finished
			rep.Queued += n
			return nil
		})
		if err != nil {
			return sw.done(ctx, name, rep, err)
		}
		rep.Ran = rep.Ran || ran
		if !ran || done {
			return sw.done(ctx, name, rep, nil)
		}
	}
}

// Nudges queues one nudge to each person whose assessment has rested
// unfinished for NudgeAfter (but not longer than NudgeWithin). The key names
// the moment the conversation stopped, so a person who starts again and
// stops again may hear once more, never twice for one pause.
func (sw *Sweeper) Nudges(ctx context.Context, now time.Time) (Report, error) {
	sendAt := sw.cfg.quietUntil(now)
	payload, err := json.Marshal(vocab.Reply{Key: "notice.nudge", ShortKey: "notice.nudge.sms"})
	if err != nil {
		return Report{}, err
	}
	return sw.batched(ctx, "nudges", func(tx *store.Tx, after int64) (int64, int, bool, error) {
		rows, err := tx.StalledAt(vocab.StepAssessment, now.Add(-sw.cfg.NudgeWithin), now.Add(-sw.cfg.NudgeAfter), after, sw.cfg.Batch)
		if err != nil || len(rows) == 0 {
			return after, 0, true, err
		}
		msgs := make([]*store.OutboxMessage, 0, len(rows))
		for _, r := range rows {
			after = r.ID
			key := "nudge:assessment:" + strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(r.Since.Unix(), 10)
			if m := notice(&r.Contact, string(payload), key, sendAt); m != nil {
				msgs = append(msgs, m)
			}
		}
		n, err := tx.Enqueue(msgs...)
		return after, n, false, err
	})
}

// Digest queues the weekly digest: to each person with a recommended track,
// the opportunities added in the last DigestSince that match their track and
// governorate (or are open everywhere) and that they have not signed up for.
// Nobody hears when nothing matches. The key names the ISO week.
func (sw *Sweeper) Digest(ctx context.Context, now time.Time) (Report, error) {
	year, week := now.In(sw.cfg.Location).ISOWeek()
	weekKey := fmt.Sprintf("%d-W%02d", year, week)
	sendAt := sw.cfg.quietUntil(now)
	return sw.batched(ctx, "digest", func(tx *store.Tx, after int64) (int64, int, bool, error) {
		opps, err := tx.OpportunitiesCreated(now.Add(-sw.cfg.DigestSince), now)
		if err != nil || len(opps) == 0 {
			return after, 0, true, err
		}
		var tracks []string
		oppIDs := make([]int64, 0, len(opps))
		for _, o := range opps {
			oppIDs = append(oppIDs, o.ID)
			if o.Track != "" && !slices.Contains(tracks, o.Track) {
				tracks = append(tracks, o.Track)
			}
		}
		contacts, err := tx.ContactsWithTrack(tracks, after, sw.cfg.Batch)
		if err != nil || len(contacts) == 0 {
			return after, 0, true, err
		}
		ids := make([]int64, len(contacts))
		for i, c := range contacts {
			ids[i] = c.ID
		}
		taken, err := tx.SignupsAmong(ids, oppIDs)
		if err != nil {
			return after, 0, false, err
		}
		var msgs []*store.OutboxMessage
		for i := range contacts {
			c := &contacts[i]
			after = c.ID
			var match []store.Opportunity
			for _, o := range opps { // soonest first
				if o.Track == c.Track && (o.Governorate == "" || o.Governorate == c.Governorate) && !taken[c.ID][o.ID] {
					match = append(match, o)
				}
			}
			if len(match) == 0 {
				continue
			}
			payload, err := json.Marshal(digestReply(match, sw.cfg.DigestMax))
			if err != nil {
				return after, 0, false, err
			}
			key := "digest:" + strconv.FormatInt(c.ID, 10) + ":" + weekKey
			if m := notice(c, string(payload), key, sendAt); m != nil {
				msgs = append(msgs, m)
			}
		}
		n, err := tx.Enqueue(msgs...)
		return after, n, false, err
	})
}

func digestReply(match []store.Opportunity, max int) vocab.Reply {
	first := match[0]
	data := map[string]any{"Title": vocab.L(first.Title), "Date": vocab.Date(first.StartsAt)}
	if len(match) == 1 {
		return vocab.Reply{Key: "notice.digest.one", Data: data}
	}
	data["Headline"] = vocab.TD("notice.digest.count", map[string]any{"Count": min(len(match), max)})
	return vocab.Reply{Key: "notice.digest.many", Data: data}
}

// Promotions gives freed places to the longest-waiting people on each
// waitlist and tells them (held, like reminders, by quiet hours).
func (sw *Sweeper) Promotions(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	ran, err := sw.store.SweepLocked(ctx, "promotions", func(tx *store.Tx) error {
		rep = Report{}
		promoted, err := tx.PromoteWaitlisted(now)
		if err != nil {
			return err
		}
		sendAt := sw.cfg.quietUntil(now)
		var msgs []*store.OutboxMessage
		for _, p := range promoted {
			payload, err := json.Marshal(vocab.Reply{
				Key:  "notice.promoted",
				Data: map[string]any{"Title": vocab.L(p.Opportunity.Title), "Date": vocab.Date(p.Opportunity.StartsAt)},
			})
			if err != nil {
				return err
			}
			key := "waitlist:signup:" + strconv.FormatInt(p.SignupID, 10) + ":promoted:" + strconv.FormatInt(now.Unix(), 10)
			if ok, _ := p.Contact.Reachable("", false); ok {
				if m := notice(&p.Contact, string(payload), key, sendAt); m != nil {
					msgs = append(msgs, m)
				}
			}
		}
		n, err := tx.Enqueue(msgs...)
		rep.Queued = n
		return err
	})
	rep.Ran = ran
	return sw.done(ctx, "promotions", rep, err)
}

// notice is a transactional message to c on their preferred channel, or nil when none reaches them.
func notice(c *store.Contact, payload, key string, sendAt time.Time) *store.OutboxMessage {
	channel, recipient, ok := c.PreferredChannel()
	if !ok {
		return nil
	}
	return &store.OutboxMessage{
		ContactID: c.ID, Channel: channel, Recipient: recipient, Language: c.Language,
		Priority: store.PriorityNotice, Payload: payload, NextAttemptAt: sendAt.UTC(), DedupeKey: key,
	}
}
