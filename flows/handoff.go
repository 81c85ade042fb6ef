package flows

import (
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/officehours"
)

// Handing a conversation to a person. flows knows only that someone asked
// for staff (Result.OpenConversation) and, while a conversation is open
// (Snapshot.Staff), that free text is for staff (Result.ForStaff) instead
// of "not understood"; the inbox keeps the conversation, staff answer it
// through the outbox and close it.

// Handoff steps.
const (
	// stepStaff: the person's conversation is with staff; what they write goes there.
	stepStaff = "staff"
	// stepStaffOffer: after two answers in a row the bot did not understand,
	// it offers a person.
	stepStaffOffer = "staff.offer"
)

// missesBeforeOffer is how many answers in a row the bot may fail to
// understand before it offers a person.
const missesBeforeOffer = 2

// Office is when staff work: the confirmation says when someone will answer.
type Office struct {
	Hours    officehours.Hours
	Location *time.Location // where the hours are judged (TAMKEEN_TIMEZONE)
}

// WithOffice sets the office hours the handoff's confirmation speaks of
// (by default the pack's, in its time zone).
func (e *Engine) WithOffice(o Office) *Engine {
	if o.Location == nil {
		o.Location = time.UTC
	}
	e.office = o
	return e
}

// mayAskStaff tells whether the person may be handed to staff: only after
// choosing a language and agreeing to the privacy notice (what they write
// to staff is kept).
func (t *turn) mayAskStaff() bool {
	g := t.gate()
	return g != stepLanguage && g != stepConsent
}

// askStaff opens a conversation with staff (or says one is open already)
// and rests at the staff step, where what the person writes goes to staff.
func (t *turn) askStaff() {
	if !t.mayAskStaff() {
		t.resume() // registration first: its question again
		return
	}
	t.res.State.Step, t.res.State.Args = stepStaff, nil
	if t.snap.Staff {
		t.say(Reply{Key: "handoff.already"})
		return
	}
	t.res.OpenConversation = true
	t.say(t.e.confirmation(t.now))
}

// confirmation says the conversation went to staff and when someone will
// answer: now the office is open (until when), or when it opens.
func (e *Engine) confirmation(now time.Time) Reply {
	opens, closes, ok := e.office.Hours.Next(now, e.office.Location)
	switch {
	case !ok:
		return Reply{Key: "handoff.opened"}
	case !opens.After(now):
		return Reply{Key: "handoff.opened.open", Data: map[string]any{"Closes": closes.In(e.office.Location).Format("15:04")}}
	}
	return Reply{Key: "handoff.opened.closed", Data: map[string]any{"Date": Date(opens)}}
}

// notUnderstood is free text the bot did not understand. While a
// conversation with staff is open, it is for staff; otherwise it is a miss.
func (t *turn) notUnderstood(options int) {
	if t.snap.Staff {
		t.res.ForStaff = true
		t.say(Reply{Key: "handoff.forwarded"})
		return
	}
	t.missed(Reply{Key: "not_understood", Data: map[string]any{"Count": options}})
}

// missed says an answer was not understood (why) and shows the question
// again; the second miss in a row brings the offer of a person instead.
func (t *turn) missed(why Reply) {
	t.res.State.Misses = t.misses + 1
	if t.res.State.Misses >= missesBeforeOffer && t.mayAskStaff() && !t.snap.Staff {
		t.res.State.Misses = 0
		// Where the person was, to go back to on "no".
		args := map[string]string{"from": t.res.State.Step}
		for k, v := range t.res.State.Args {
			args["from."+k] = v
		}
		t.res.State.Step, t.res.State.Args = stepStaffOffer, args
		t.say(staffOfferStep{}.prompt(t))
		return
	}
	t.say(why)
	t.reprompt()
}

// staffOnly are the commands that keep working while the person writes to
// staff; any other word (a greeting, thanks, yes) is for the caseworker.
var staffOnly = map[string]bool{"stop": true, "start": true, "menu": true, "help": true, "back": true, "language": true, "staff": true}

// staffStep is where the person writes to staff.
type staffStep struct {
	noOptions
	backToMenu
}

func (staffStep) prompt(t *turn) Reply {
	if !t.snap.Staff { // closed meanwhile: the bot again
		return menuStep{}.prompt(t)
	}
	return Reply{Key: "handoff.waiting"}
}

// text goes to staff while the conversation is open; once staff closed it,
// whatever the person writes brings the menu back.
func (staffStep) text(t *turn, raw string) bool {
	if !t.snap.Staff {
		t.home()
		return true
	}
	t.res.ForStaff = true
	return true
}

// staffOfferStep offers a person after the bot twice did not understand.
type staffOfferStep struct{ noText }

func (staffOfferStep) prompt(t *turn) Reply {
	return Reply{Key: "handoff.offer", Options: []Option{
		{Payload: "yes", Key: "handoff.offer.yes"},
		{Payload: "no", Key: "handoff.offer.no"},
	}}
}

func (staffOfferStep) choose(t *turn, payload string) {
	if payload == "yes" {
		t.askStaff()
		return
	}
	t.goBack()
}

// cancel at the offer is a no.
func (s staffOfferStep) cancel(t *turn) bool {
	s.choose(t, "no")
	return true
}

// back returns to the question the person was at.
func (staffOfferStep) back(t *turn) (string, map[string]string) {
	from := t.res.State.Args["from"]
	if _, ok := t.e.steps[from]; !ok || from == stepStaffOffer || from == stepStaff {
		return stepMenu, nil
	}
	var args map[string]string
	for k, v := range t.res.State.Args {
		if name, ok := strings.CutPrefix(k, "from."); ok {
			if args == nil {
				args = map[string]string{}
			}
			args[name] = v
		}
	}
	return from, args
}

// noOptions is embedded by steps that offer no options.
type noOptions struct{}

func (noOptions) choose(*turn, string) {}
