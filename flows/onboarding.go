package flows

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/vocab"
)

// Step names, as saved in the conversation state.
const (
	stepLanguage      = "language"
	stepConsent       = "consent"
	stepName          = "reg.name"
	stepGovernorate   = "reg.governorate"
	stepMenu          = "menu"
	stepModules       = "awareness"
	stepModulePage    = "awareness.page"
	stepQuestion      = StepAssessment
	stepResult        = "assessment.result"
	stepOpportunities = "opportunities"
	stepOpportunity   = "opportunity"
	stepSignedUp      = "opportunity.signed_up"
	stepMySignups     = "my_signups"
	stepProducer      = "producer"
	stepHelp          = "help"
	stepDelete        = "delete"
	stepProfile       = "profile"
)

// StepAssessment is the step of a person in the middle of the skills check:
// the reminders nudge those who leave it there, so its name is shared (vocab).
const StepAssessment = vocab.StepAssessment

// languageStep asks which language to use.
type languageStep struct{ noText }

func (languageStep) prompt(t *turn) Reply {
	return Reply{Key: "language.choose", ShortKey: "language.choose.sms", Options: []Option{
		{Payload: "l:ar", Key: "language.name.ar"},
		{Payload: "l:en", Key: "language.name.en"},
	}}
}

func (languageStep) choose(t *turn, payload string) {
	t.res.Profile.Language = strings.TrimPrefix(payload, "l:")
	t.home()
}

func (languageStep) back(t *turn) (string, map[string]string) { return stepMenu, nil }

// consentStep shows the privacy notice and asks for agreement.
type consentStep struct{ noText }

func (consentStep) prompt(t *turn) Reply {
	return Reply{Key: "consent.notice", ShortKey: "consent.sms", Options: []Option{
		{Payload: "yes", Key: "consent.agree"},
		{Payload: "no", Key: "consent.decline"},
	}}
}

func (consentStep) choose(t *turn, payload string) {
	if payload == "yes" {
		t.res.Profile.ConsentAt = t.now
		t.res.Profile.DeclinedAt = time.Time{}
		t.home()
		return
	}
	// Declining takes back whatever was given before (a person may agree,
	// type her name, come back here and say no): only the language chosen
	// and the address she wrote from stay, to answer her if she writes again.
	p := t.res.Profile
	t.res.Profile = Profile{Language: p.Language, OptedOut: p.OptedOut, DeclinedAt: t.now}
	t.res.State.Answers = nil
	t.say(Reply{Key: "consent.declined"})
}

// cancel at the privacy notice is a no.
func (s consentStep) cancel(t *turn) bool {
	s.choose(t, "no")
	return true
}

func (consentStep) back(t *turn) (string, map[string]string) { return stepLanguage, nil }

// nameStep asks for the person's name.
type nameStep struct{}

// Name limits, in characters.
const (
	minNameRunes = 2
	maxNameRunes = 60
)

// The name prompt asks for a contact card too: its name answers, and the
// number it carries links the person's phone.
func (nameStep) prompt(t *turn) Reply { return Reply{Key: "reg.name", Asks: vocab.AskContact} }

func (nameStep) choose(t *turn, payload string) {}

func (nameStep) text(t *turn, raw string) bool {
	name, ok := cleanName(raw)
	if !ok {
		t.say(Reply{Key: "reg.name_invalid", Data: map[string]any{"Min": minNameRunes, "Max": maxNameRunes}})
		return true
	}
	// Changing the name from "my details", not typing it again after going
	// back during registration (which goes on to the governorate).
	editing := t.gate() == ""
	t.res.Profile.Name = name
	if editing {
		t.say(Reply{Key: "profile.saved", Settles: true}) // the name question is over: a channel takes its contact button away
		t.goTo(stepProfile, nil)
		return true
	}
	t.home()
	return true
}

// cancel while changing the name from "my details" keeps the old one.
func (nameStep) cancel(t *turn) bool {
	if t.res.Profile.Governorate == "" {
		return false
	}
	t.goTo(stepProfile, nil)
	return true
}

func (nameStep) back(t *turn) (string, map[string]string) {
	if t.res.Profile.Governorate != "" { // registered: changing the name from the profile
		return stepProfile, nil
	}
	return stepConsent, nil
}

// cleanName accepts letters of any script with spaces, dots, hyphens and
// apostrophes between them.
func cleanName(raw string) (string, bool) {
	name := strings.Join(strings.Fields(raw), " ")
	n := utf8.RuneCountInString(name)
	if n < minNameRunes || n > maxNameRunes {
		return "", false
	}
	letters := 0
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.Mn, r), r == ' ', r == '.', r == '-', r == '\'', r == 'ـ':
		default:
			return "", false
		}
	}
	return name, letters >= minNameRunes
}

// governorateStep asks where the person lives.
type governorateStep struct{ noText }

func (governorateStep) prompt(t *turn) Reply {
	opts := make([]Option, 0, len(t.e.content.Governorates))
	for _, g := range t.e.content.Governorates {
		opts = append(opts, Option{Payload: "g:" + g, Key: "gov." + g})
	}
	return Reply{Key: "reg.governorate", Options: opts}
}

func (governorateStep) choose(t *turn, payload string) {
	first := t.res.Profile.Governorate == ""
	t.res.Profile.Governorate = strings.TrimPrefix(payload, "g:")
	if first {
		t.say(Reply{Key: "reg.done", Data: map[string]any{"Name": t.res.Profile.Name}, Settles: true})
		t.home()
		return
	}
	t.say(Reply{Key: "profile.saved"})
	t.goTo(stepProfile, nil)
}

// cancel while changing the governorate from "my details" keeps the old one.
func (governorateStep) cancel(t *turn) bool {
	if t.res.Profile.Governorate == "" {
		return false
	}
	t.goTo(stepProfile, nil)
	return true
}

func (governorateStep) back(t *turn) (string, map[string]string) {
	if t.res.Profile.Governorate != "" { // registered: changing the governorate from the profile
		return stepProfile, nil
	}
	return stepName, nil
}

// menuStep is the main menu.
type menuStep struct{ noText }

var menuItems = []struct{ payload, key, step string }{
	{"aw", "menu.awareness", stepModules},
	{"as", "menu.assessment", stepQuestion},
	{"op", "menu.opportunities", stepOpportunities},
	{"ms", "menu.my_signups", stepMySignups},
	{"pc", "menu.producer", stepProducer},
	{"hp", "menu.help", stepHelp},
	{"lg", "menu.language", stepLanguage},
	{"me", "menu.profile", stepProfile},
	{"dl", "menu.delete", stepDelete},
	{"st", "menu.staff", stepStaff}, // last: the numbers people know stay as they were
}

func (menuStep) prompt(t *turn) Reply {
	opts := make([]Option, 0, len(menuItems))
	for _, m := range menuItems {
		if m.step == stepProducer && !hasProducerCorner(t.e.content) {
			continue // a pack without producer lessons or a marketplace has no corner
		}
		opts = append(opts, Option{Payload: m.payload, Key: m.key})
	}
	return Reply{Key: "menu.title", ShortKey: "menu.title.sms", Data: map[string]any{"Name": t.res.Profile.Name}, Options: opts}
}

func (menuStep) choose(t *turn, payload string) {
	for _, m := range menuItems {
		if m.payload != payload || m.step == stepProducer && !hasProducerCorner(t.e.content) {
			continue
		}
		if m.step == stepQuestion {
			startAssessment(t)
			return
		}
		if m.step == stepStaff {
			t.askStaff()
			return
		}
		t.goTo(m.step, nil)
		return
	}
}

func (menuStep) back(t *turn) (string, map[string]string) { return stepMenu, nil }

// helpStep explains what the bot does and which words work everywhere.
type helpStep struct {
	noText
	backToMenu
}

func (helpStep) prompt(t *turn) Reply {
	data := map[string]any{"Office": T("pack.office")}
	// How to reach the office, only what the deployment set.
	if h := t.e.content.Pack.Help; !h.Empty() {
		if h.Phone != "" {
			data["Phone"] = h.Phone
		}
		if len(h.Address) > 0 {
			data["Address"] = L(h.Address)
		}
		if len(h.Hours) > 0 {
			data["Hours"] = L(h.Hours)
		}
	}
	return Reply{Key: "help.text", ShortKey: "help.sms", Data: data, Options: []Option{navMenu()}}
}

func (helpStep) choose(t *turn, payload string) {}

// deleteStep confirms erasing the person's data.
type deleteStep struct {
	noText
	backToMenu
}

func (deleteStep) prompt(t *turn) Reply {
	return Reply{Key: "delete.confirm", Options: []Option{
		{Payload: "yes", Key: "delete.yes"},
		{Payload: "no", Key: "delete.no"},
	}}
}

// cancel when asked to confirm erasing means keep everything.
func (s deleteStep) cancel(t *turn) bool {
	s.choose(t, "no")
	return true
}

func (deleteStep) choose(t *turn, payload string) {
	if payload != "yes" {
		t.say(Reply{Key: "delete.kept"})
		t.home()
		return
	}
	t.res.Erase = true
	// Kept: what anonymous counts need and the language of the goodbye.
	p := t.res.Profile
	t.res.Profile = Profile{Language: p.Language, Governorate: p.Governorate, Track: p.Track}
	t.res.State = State{}
	for _, s := range t.snap.Signups {
		if active(t.signupStatus(s.OpportunityID)) {
			t.res.Signups = append(t.res.Signups, SignupChange{OpportunityID: s.OpportunityID, Status: SignupCancelled})
		}
	}
	t.say(Reply{Key: "delete.done", Always: true})
}

// profileStep shows what the service knows of the person and lets them
// change their name or governorate.
type profileStep struct {
	noText
	backToMenu
}

func (profileStep) prompt(t *turn) Reply {
	p := t.res.Profile
	data := map[string]any{"Name": p.Name, "Place": T("gov." + p.Governorate)}
	if p.Track != "" {
		data["Track"] = T("track." + p.Track)
	}
	return Reply{Key: "profile.show", Data: data, Options: []Option{
		{Payload: "name", Key: "profile.change_name"},
		{Payload: "gov", Key: "profile.change_governorate"},
		navMenu(),
	}}
}

func (profileStep) choose(t *turn, payload string) {
	switch payload {
	case "name":
		t.goTo(stepName, nil)
	case "gov":
		t.goTo(stepGovernorate, nil)
	}
}
