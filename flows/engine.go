package flows

import (
	"time"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

// Engine runs conversations. It is safe for concurrent use: it keeps no
// per-conversation state of its own.
type Engine struct {
	content  locales.Content
	labels   Labels
	matcher  textnorm.Matcher
	commands locales.Commands
	steps    map[string]step
	office   Office
}

// Labels renders the labels of options in a language, so that a person may
// type an option's words instead of its number. bot.Renderer fits.
type Labels interface {
	OptionLabels(lang string, opts []Option) []string
}

// WithLabels lets the engine understand options chosen by their words.
func (e *Engine) WithLabels(l Labels) *Engine {
	e.labels = l
	return e
}

// New returns an engine for the given content.
func New(content locales.Content) *Engine {
	e := &Engine{content: content, commands: content.Keywords.Commands(), matcher: textnorm.Matcher{
		Filler:    content.Keywords[locales.Filler],
		Negations: content.Keywords[locales.Negations],
	}}
	e.steps = map[string]step{
		stepLanguage:      languageStep{},
		stepConsent:       consentStep{},
		stepName:          nameStep{},
		stepGovernorate:   governorateStep{},
		stepMenu:          menuStep{},
		stepModules:       modulesStep{},
		stepModulePage:    modulePageStep{},
		stepQuestion:      questionStep{},
		stepResult:        resultStep{},
		stepOpportunities: opportunitiesStep{},
		stepOpportunity:   opportunityStep{},
		stepSignedUp:      signedUpStep{},
		stepMySignups:     mySignupsStep{},
		stepProducer:      producerStep{},
		stepMyOrders:      myOrdersStep{},
		stepHelp:          helpStep{},
		stepDelete:        deleteStep{},
		stepProfile:       profileStep{},
		stepCancelSignup:  cancelSignupStep{},
		stepStaff:         staffStep{},
		stepStaffOffer:    staffOfferStep{},
	}
	loc, err := time.LoadLocation(content.Pack.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	e.office = Office{Hours: content.Pack.OfficeHours, Location: loc}
	return e
}

// Handle runs one turn: the person with snapshot sent in at now.
func (e *Engine) Handle(now time.Time, snap Snapshot, in Input) Result {
	t := &turn{
		e:    e,
		now:  now,
		snap: snap,
		res:  Result{Profile: snap.Profile, State: snap.State},
	}
	t.handle(in)
	return t.res
}

// step is one place in the conversation.
type step interface {
	// prompt is the message that shows the step, with its options.
	prompt(t *turn) Reply
	// choose reacts to one of the prompt's options.
	choose(t *turn, payload string)
	// text reacts to free text; false means it was not understood.
	text(t *turn, raw string) bool
	// back says where "back" leads from here.
	back(t *turn) (string, map[string]string)
}

// canceller is a step with a cancel of its own: "cancel" there means that.
// false means there is nothing to cancel now.
type canceller interface {
	cancel(t *turn) bool
}

// answerer is a step where a typed yes or no has one obvious meaning
// although none of its options is called yes or no: the payloads they stand
// for, "" where one means nothing here.
type answerer interface {
	yesNo(t *turn) (yes, no string)
}

// lenient is a step that also takes payloads its prompt no longer offers
// (a button from an older message that still makes sense here).
type lenient interface {
	accepts(t *turn, payload string) bool
}

// noText is embedded by steps that take only their options.
type noText struct{}

func (noText) text(*turn, string) bool { return false }

// backToMenu is embedded by steps whose "back" is the main menu.
type backToMenu struct{}

func (backToMenu) back(*turn) (string, map[string]string) { return stepMenu, nil }

// Global payloads: buttons that work wherever the person is.
const (
	payloadMenu = "menu"
	payloadBack = "back"
	payloadHelp = "help"
)

// turn is one input being handled.
type turn struct {
	e    *Engine
	now  time.Time
	snap Snapshot
	res  Result
	// misses is how many answers in a row before this one were not understood.
	misses int
}

// traits are what the conversation must know about the input's channel.
func (t *turn) traits() vocab.Traits { return vocab.TraitsOf(t.snap.Channel) }

func (t *turn) say(r Reply) { t.res.Replies = append(t.res.Replies, r) }

func (t *turn) current() (step, bool) {
	s, ok := t.e.steps[t.res.State.Step]
	return s, ok
}

// goTo moves to a step and shows it. Steps past registration are reached
// only once language, consent, name and governorate are known.
func (t *turn) goTo(name string, args map[string]string) {
	if gate := t.gate(); gate != "" && !ungated[name] {
		name, args = gate, nil
	}
	t.res.State.Step = name
	t.res.State.Args = args
	t.say(t.e.steps[name].prompt(t))
}

// home goes to the first unfinished onboarding step, or the main menu.
func (t *turn) home() { t.goTo(stepMenu, nil) }

// reprompt shows the current step again.
func (t *turn) reprompt() {
	s, ok := t.current()
	if !ok {
		t.home()
		return
	}
	t.say(s.prompt(t))
}

var ungated = map[string]bool{stepLanguage: true, stepConsent: true, stepName: true, stepGovernorate: true, stepHelp: true,
	stepStaff: true, stepStaffOffer: true}

// sharedContact says what became of a shared card's number, and returns
// the input the card stands for: its name when the name is the question
// registration is asking now (so a person can register by buttons alone),
// else nothing (the question is shown again).
func (t *turn) sharedContact(c SharedContact) Input {
	t.say(Reply{Key: "contact." + string(c.Outcome), Settles: c.Outcome != ContactNotOwn})
	taken := c.Outcome == ContactLinked || c.Outcome == ContactMerged
	if taken && t.res.State.Step == stepName && t.gate() == stepName {
		return Input{Text: c.Name}
	}
	return Input{}
}

func (t *turn) gate() string {
	p := t.res.Profile
	switch {
	case p.Language == "":
		return stepLanguage
	case p.ConsentAt.IsZero():
		return stepConsent
	case p.Name == "":
		return stepName
	case p.Governorate == "":
		return stepGovernorate
	}
	return ""
}

func (t *turn) handle(in Input) {
	t.misses = t.res.State.Misses
	t.res.State.Misses = 0 // counted again when this one is not understood either
	if t.res.State.Step == stepStaff && !t.snap.Staff {
		t.res.State.Step = stepMenu // staff closed the conversation: the bot carries on from the menu
	}
	switch {
	case in.Edited:
		t.say(Reply{Key: "input.edited"})
		return
	case in.Unreadable:
		t.say(Reply{Key: "input.unreadable"})
		in = Input{} // then show where the person is
	case in.Contact != nil:
		in = t.sharedContact(*in.Contact)
	}
	norm := textnorm.Normalize(in.Text)
	cmd := ""
	if in.Payload == "" { // "مرحبا!", "stop.", "hi 👋", "yes please"
		cmd = t.e.commands.Of(in.Text)
	}
	// Where the provider itself treats some everyday words (CANCEL, END) as
	// an opt-out and refuses to deliver anything after them, they stop at once.
	if cmd == "cancel" && t.traits().CarrierStops && t.e.content.Keywords.Is(locales.SMSStop, norm) {
		cmd = "stop"
	}

	if t.res.Profile.OptedOut {
		if cmd == "start" {
			t.res.Profile.OptedOut = false
			t.say(Reply{Key: "stop.resumed"})
			t.resume()
			return
		}
		if !t.traits().Paid { // where messages cost, a person who said STOP hears nothing more
			t.say(Reply{Key: "stop.hint", Always: true})
		}
		return
	}

	if norm == "" && in.Payload == "" { // an empty message: show where the person is
		t.resume()
		return
	}

	if t.snap.Staff && t.res.State.Step == stepStaff && !staffOnly[cmd] {
		cmd = "" // a greeting, thanks or yes written to a person is for that person
	}
	s, ok := t.current()
	if t.command(cmd, s, ok) {
		return
	}
	if !ok { // a new conversation: whatever was said, begin
		t.home()
		return
	}

	switch in.Payload {
	case payloadMenu:
		t.home()
		return
	case payloadBack:
		t.goBack()
		return
	case payloadHelp:
		t.goTo(stepHelp, nil)
		return
	}

	options := s.prompt(t).Options
	if in.Payload != "" {
		for _, o := range options {
			if o.Payload == in.Payload {
				t.choose(s, o.Payload)
				return
			}
		}
		if l, ok := s.(lenient); ok && l.accepts(t, in.Payload) {
			t.choose(s, in.Payload)
			return
		}
		t.say(Reply{Key: "stale_button"})
		t.reprompt()
		return
	}
	if len(options) > 0 && t.answer(s, options, in.Text, cmd) {
		return
	}
	if s.text(t, in.Text) {
		return
	}
	t.notUnderstood(len(options))
}

// command carries out a word that works at every step; false when cmd is
// none of those.
func (t *turn) command(cmd string, s step, ok bool) bool {
	switch cmd {
	case "stop":
		t.stop()
	case "cancel":
		t.cancel(s, ok)
	case "greeting", "thanks":
		if !ok {
			t.home()
			break
		}
		key := "greeting.again"
		if cmd == "thanks" {
			key = "thanks.welcome"
		}
		t.say(Reply{Key: key})
		t.reprompt()
	case "assessment":
		if !ok || t.gate() != "" {
			t.resume() // registration first: its question again
			break
		}
		startAssessment(t)
	case "start":
		t.resume()
	case "menu":
		t.home()
	case "help":
		t.goTo(stepHelp, nil)
	case "language":
		t.goTo(stepLanguage, nil)
	case "lang.ar", "lang.en":
		t.res.Profile.Language = cmd[len("lang."):]
		if t.res.State.Step == stepLanguage {
			t.home()
			break
		}
		t.resume()
	case "back":
		t.goBack()
	case "staff":
		t.askStaff()
	default:
		return false
	}
	return true
}

// cancel is the step's own cancel where it has one; elsewhere there is
// nothing to cancel (said so, with how to stop all messages), and the
// person sees the menu, or during registration its question again.
func (t *turn) cancel(s step, ok bool) {
	if !ok {
		t.home()
		return
	}
	if c, has := s.(canceller); has && c.cancel(t) {
		return
	}
	t.say(Reply{Key: "cancel.nothing"})
	if t.gate() != "" && registration[t.res.State.Step] {
		t.reprompt()
		return
	}
	t.home()
}

// lang is the language replies are shown in.
func (t *turn) lang() string {
	if t.res.Profile.Language != "" {
		return t.res.Profile.Language
	}
	return locales.Default
}

// stop opts the person out of every message at once.
func (t *turn) stop() {
	t.res.Profile.OptedOut = true
	t.say(Reply{Key: "stop.done", Always: true})
}

func (t *turn) choose(s step, payload string) {
	switch payload {
	case payloadMenu:
		t.home()
	case payloadBack:
		t.goBack()
	default:
		s.choose(t, payload)
	}
}

func (t *turn) goBack() {
	s, ok := t.current()
	if !ok {
		t.home()
		return
	}
	name, args := s.back(t)
	t.goTo(name, args)
}

// resume shows where the person is, after a start, a greeting, a language
// change or a restart: the saved step when it still makes sense, else the
// first unfinished onboarding step or the menu.
func (t *turn) resume() {
	_, ok := t.current()
	step := t.res.State.Step
	switch {
	case !ok:
		t.home()
	case step == stepLanguage && t.res.Profile.Language == "":
		t.reprompt()
	case step == stepLanguage:
		t.home()
	case onboarding[step] && t.gate() != "":
		t.reprompt() // where the person went back to during registration
	case onboarding[step], t.gate() != "":
		t.home()
	default:
		t.reprompt()
	}
}

// registration steps are the questions of registration.
var registration = map[string]bool{stepLanguage: true, stepConsent: true, stepName: true, stepGovernorate: true}

// onboarding steps may be shown before registration is complete.
var onboarding = map[string]bool{stepConsent: true, stepName: true, stepGovernorate: true, stepHelp: true}

// opportunity finds an opportunity of the snapshot.
func (t *turn) opportunity(id int64) (Opportunity, bool) {
	for _, o := range t.snap.Opportunities {
		if o.ID == id {
			return o, true
		}
	}
	return Opportunity{}, false
}

// signupStatus is the person's status for an opportunity after this turn's changes ("" for none).
func (t *turn) signupStatus(id int64) string {
	for i := len(t.res.Signups) - 1; i >= 0; i-- {
		if t.res.Signups[i].OpportunityID == id {
			return t.res.Signups[i].Status
		}
	}
	for _, s := range t.snap.Signups {
		if s.OpportunityID == id {
			return s.Status
		}
	}
	return ""
}

func active(status string) bool { return status == SignupRegistered || status == SignupWaitlisted }

func navMenu() Option { return Option{Payload: payloadMenu, Key: "nav.menu"} }
func navBack() Option { return Option{Payload: payloadBack, Key: "nav.back"} }
