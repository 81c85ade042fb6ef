package flows

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/textnorm"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func engine(t *testing.T) *Engine {
	t.Helper()
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	return New(b.Content)
}

// registered is a profile past onboarding.
var registered = Profile{Language: "ar", Name: "Mona", Governorate: "dhofar", ConsentAt: now.Add(-time.Hour)}

func sewing(registeredCount, capacity int) Opportunity {
	return Opportunity{
		ID: 7, Kind: KindTraining, Track: "training", Governorate: "dhofar",
		Title: map[string]string{"ar": "خياطة", "en": "Sewing"}, StartsAt: now.Add(72 * time.Hour),
		SignupDeadline: now.Add(48 * time.Hour), Capacity: capacity, Registered: registeredCount,
	}
}

func keys(r Result) []string {
	out := make([]string, len(r.Replies))
	for i, rep := range r.Replies {
		out[i] = rep.Key
	}
	return out
}

func TestTurns(t *testing.T) {
	e := engine(t)
	atOpportunity := State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}
	cases := []struct {
		name      string
		snap      Snapshot
		in        Input
		wantKeys  []string
		wantStep  string
		check     func(t *testing.T, r Result)
		wantNoMsg bool
	}{
		{
			name:     "first message of a new person asks the language",
			snap:     Snapshot{Channel: "telegram"},
			in:       Input{Text: "/start"},
			wantKeys: []string{"language.choose"},
			wantStep: stepLanguage,
		},
		{
			name:     "a language hint skips the language question",
			snap:     Snapshot{Channel: "telegram", Profile: Profile{Language: "en"}},
			in:       Input{Text: "hello"},
			wantKeys: []string{"consent.notice"},
			wantStep: stepConsent,
		},
		{
			name:     "menu before consent leads back to consent",
			snap:     Snapshot{Profile: Profile{Language: "ar"}, State: State{Step: stepConsent}},
			in:       Input{Text: "القائمة"},
			wantKeys: []string{"consent.notice"},
			wantStep: stepConsent,
		},
		{
			name:     "declining consent keeps nothing and stays",
			snap:     Snapshot{Profile: Profile{Language: "ar"}, State: State{Step: stepConsent}},
			in:       Input{Text: "لا"},
			wantKeys: []string{"consent.declined"},
			wantStep: stepConsent,
			check: func(t *testing.T, r Result) {
				if !r.Profile.ConsentAt.IsZero() {
					t.Error("consent recorded after a no")
				}
			},
		},
		{
			name:     "an old button from another message is explained",
			snap:     Snapshot{Profile: registered, State: State{Step: stepMenu}},
			in:       Input{Payload: "g:muscat"},
			wantKeys: []string{"stale_button", "menu.title"},
			wantStep: stepMenu,
		},
		{
			name:     "a global menu button works anywhere",
			snap:     Snapshot{Profile: registered, State: State{Step: stepModules}},
			in:       Input{Payload: "menu"},
			wantKeys: []string{"menu.title"},
			wantStep: stepMenu,
		},
		{
			name:     "sign-up with places left registers",
			snap:     Snapshot{Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)}},
			in:       Input{Payload: "s:7"},
			wantKeys: []string{"signup.registered"},
			wantStep: stepSignedUp,
			check: func(t *testing.T, r Result) {
				want := []SignupChange{{OpportunityID: 7, Status: SignupRegistered, ExpectRegistered: 3}}
				if !slices.Equal(r.Signups, want) {
					t.Errorf("signups = %+v, want %+v", r.Signups, want)
				}
			},
		},
		{
			name:     "sign-up when full joins the waitlist",
			snap:     Snapshot{Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(12, 12)}},
			in:       Input{Text: "١"},
			wantKeys: []string{"signup.waitlisted"},
			check: func(t *testing.T, r Result) {
				if len(r.Signups) != 1 || r.Signups[0].Status != SignupWaitlisted {
					t.Errorf("signups = %+v, want one waitlisted", r.Signups)
				}
			},
		},
		{
			name: "a second sign-up is refused kindly",
			snap: Snapshot{Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)},
				Signups: []Signup{{OpportunityID: 7, Status: SignupRegistered}}},
			in:       Input{Payload: "s:7"},
			wantKeys: []string{"signup.already", "opportunity.detail"},
			check: func(t *testing.T, r Result) {
				if len(r.Signups) != 0 {
					t.Errorf("a second sign-up changed records: %+v", r.Signups)
				}
			},
		},
		{
			name: "sign-up after the deadline is refused",
			snap: Snapshot{Profile: registered, State: atOpportunity, Opportunities: []Opportunity{func() Opportunity {
				o := sewing(0, 12)
				o.SignupDeadline = now.Add(-time.Minute)
				return o
			}()}},
			in:       Input{Payload: "s:7"},
			wantKeys: []string{"signup.closed", "opportunity.detail"},
		},
		{
			name:     "stop confirms once, even past an opt-out check",
			snap:     Snapshot{Channel: "sms", Profile: registered, State: State{Step: stepMenu}},
			in:       Input{Text: "STOP"},
			wantKeys: []string{"stop.done"},
			check: func(t *testing.T, r Result) {
				if !r.Profile.OptedOut || !r.Replies[0].Always {
					t.Errorf("want opted out and an Always confirmation, got %+v", r)
				}
			},
		},
		{
			name:      "an opted-out SMS number hears nothing",
			snap:      Snapshot{Channel: "sms", Profile: func() Profile { p := registered; p.OptedOut = true; return p }(), State: State{Step: stepMenu}},
			in:        Input{Text: "1"},
			wantNoMsg: true,
		},
		{
			name:     "an opted-out Telegram user is told how to come back",
			snap:     Snapshot{Channel: "telegram", Profile: func() Profile { p := registered; p.OptedOut = true; return p }(), State: State{Step: stepMenu}},
			in:       Input{Text: "1"},
			wantKeys: []string{"stop.hint"},
		},
		{
			name:     "start brings an opted-out person back where they were",
			snap:     Snapshot{Channel: "sms", Profile: func() Profile { p := registered; p.OptedOut = true; return p }(), State: State{Step: stepModules}},
			in:       Input{Text: "ابدا"},
			wantKeys: []string{"stop.resumed", "awareness.list"},
			check: func(t *testing.T, r Result) {
				if r.Profile.OptedOut {
					t.Error("still opted out after START")
				}
			},
		},
		{
			name:     "deleting data erases the profile and cancels sign-ups",
			snap:     Snapshot{Profile: registered, State: State{Step: stepDelete}, Signups: []Signup{{OpportunityID: 7, Status: SignupWaitlisted}, {OpportunityID: 8, Status: SignupCancelled}}},
			in:       Input{Text: "نعم"},
			wantKeys: []string{"delete.done"},
			check: func(t *testing.T, r Result) {
				if !r.Erase || r.Profile.Name != "" || !r.Profile.ConsentAt.IsZero() {
					t.Errorf("profile not erased: %+v erase=%v", r.Profile, r.Erase)
				}
				want := []SignupChange{{OpportunityID: 7, Status: SignupCancelled}}
				if !slices.Equal(r.Signups, want) {
					t.Errorf("signups = %+v, want %+v", r.Signups, want)
				}
				if !r.Replies[0].Always {
					t.Error("the goodbye must go out although the data is erased")
				}
			},
		},
		{
			name:     "an empty message shows where the person is",
			snap:     Snapshot{Profile: registered, State: State{Step: stepModules}},
			in:       Input{},
			wantKeys: []string{"awareness.list"},
			wantStep: stepModules,
		},
		{
			name:     "back from the second page of a module goes to the first",
			snap:     Snapshot{Profile: registered, State: State{Step: stepModulePage, Args: map[string]string{"module": "tracks", "page": "2"}}},
			in:       Input{Text: "رجوع"},
			wantKeys: []string{"module.tracks.page.1"},
		},
		{
			name:     "a state from an unknown step starts at the menu",
			snap:     Snapshot{Profile: registered, State: State{Step: "retired.step"}},
			in:       Input{Text: "1"},
			wantKeys: []string{"menu.title"},
			wantStep: stepMenu,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Handle(now, c.snap, c.in)
			if c.wantNoMsg {
				if len(r.Replies) != 0 {
					t.Fatalf("want no reply, got %v", keys(r))
				}
				return
			}
			if got := keys(r); !slices.Equal(got, c.wantKeys) {
				t.Fatalf("replies = %v, want %v", got, c.wantKeys)
			}
			if c.wantStep != "" && r.State.Step != c.wantStep {
				t.Errorf("step = %q, want %q", r.State.Step, c.wantStep)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"  فاطمة   البلوشية ", "فاطمة البلوشية", true},
		{"Mary-Jane O'Neil", "Mary-Jane O'Neil", true},
		{"مُحَمَّد", "مُحَمَّد", true},
		{"A", "", false},
		{"Ali 2", "", false},
		{"😀😀", "", false},
		{strings.Repeat("ن", 61), "", false},
		{"<b>x</b>", "", false},
	}
	for _, c := range cases {
		got, ok := cleanName(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("cleanName(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScorePicksTheStrongestTrack(t *testing.T) {
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	// Every question answered with its first option, except the path question.
	answers := map[string]string{}
	for _, q := range b.Content.Questions {
		answers[q.ID] = q.Options[0].ID
	}
	for _, track := range []string{"job", "training", "project"} {
		answers["path"] = track
		r := Score(b.Content, answers)
		if r.Scores[track] == 0 {
			t.Fatalf("choosing path %q gave it no score: %v", track, r.Scores)
		}
		if len(r.Strengths) > maxStrengths {
			t.Errorf("%d strengths named, at most %d", len(r.Strengths), maxStrengths)
		}
	}
	answers["path"] = "project"
	answers["craft"] = "sewing"
	answers["selling"] = "online"
	if r := Score(b.Content, answers); r.Track != "project" {
		t.Errorf("a seamstress selling online who wants her own project got %q (%v)", r.Track, r.Scores)
	}
}

// TestCancelWords: everyday words that could mean "stop" mean the step's own
// cancel where it has one; elsewhere there is nothing to cancel, said so,
// and the menu follows (or, during registration, its question again).
// STOP, and the carrier's own stop words by SMS, stop at once.
func TestCancelWords(t *testing.T) {
	e := engine(t)
	atOpportunity := State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}
	mine := []Signup{{OpportunityID: 7, Status: SignupRegistered}}
	two := []Signup{{OpportunityID: 7, Status: SignupRegistered}, {OpportunityID: 8, Status: SignupWaitlisted}}
	other := sewing(3, 12)
	other.ID = 8
	unnamed := Profile{Language: "ar", ConsentAt: now.Add(-time.Minute)}
	named := unnamed
	named.Name = "Mona"
	cases := []struct {
		name        string
		snap        Snapshot
		text        string
		wantKeys    []string
		wantStep    string
		wantStopped bool
	}{
		{"cancel on a sign-up's page asks to cancel the sign-up",
			Snapshot{Channel: "console", Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			"إلغاء", []string{"signup.cancel_confirm"}, stepCancelSignup, false},
		{"cancel right after signing up asks to cancel that sign-up",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepSignedUp, Args: map[string]string{"id": "7"}}, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			"cancel", []string{"signup.cancel_confirm"}, stepCancelSignup, false},
		{"cancel in my sign-ups with one sign-up asks to cancel it",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepMySignups}, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			"إلغاء", []string{"signup.cancel_confirm"}, stepCancelSignup, false},
		{"cancel in my sign-ups with two says to open the one first",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepMySignups}, Opportunities: []Opportunity{sewing(3, 12), other}, Signups: two},
			"الغاء", []string{"my_signups.cancel_which", "my_signups.list"}, stepMySignups, false},
		{"cancel at the menu: nothing to cancel, the menu",
			Snapshot{Channel: "telegram", Profile: registered, State: State{Step: stepMenu}},
			"cancel", []string{"cancel.nothing", "menu.title"}, stepMenu, false},
		{"END at the menu off SMS: nothing to cancel",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepMenu}},
			"END", []string{"cancel.nothing", "menu.title"}, stepMenu, false},
		{"cancel on a page without a sign-up: nothing to cancel, the menu",
			Snapshot{Channel: "console", Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)}},
			"الغاء", []string{"cancel.nothing", "menu.title"}, stepMenu, false},
		{"cancel in an empty my sign-ups: nothing to cancel, the menu",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepMySignups}},
			"إلغاء", []string{"cancel.nothing", "menu.title"}, stepMenu, false},
		{"cancel at the name question: nothing to cancel, the question again",
			Snapshot{Channel: "console", Profile: unnamed, State: State{Step: stepName}},
			"إلغاء", []string{"cancel.nothing", "reg.name"}, stepName, false},
		{"cancel at the governorate question while registering: the question again",
			Snapshot{Channel: "telegram", Profile: named, State: State{Step: stepGovernorate}},
			"ألغِ", []string{"cancel.nothing", "reg.governorate"}, stepGovernorate, false},
		{"cancel after going back to the name while registering: that question again",
			Snapshot{Channel: "console", Profile: named, State: State{Step: stepName}},
			"cancel", []string{"cancel.nothing", "reg.name"}, stepName, false},
		{"cancel at the first question, the language",
			Snapshot{Channel: "console", State: State{Step: stepLanguage}},
			"cancel", []string{"cancel.nothing", "language.choose"}, stepLanguage, false},
		{"arabic cancel on SMS: nothing to cancel (it is no carrier word)",
			Snapshot{Channel: "sms", Profile: registered, State: State{Step: stepMenu}},
			"إلغاء", []string{"cancel.nothing", "menu.title"}, stepMenu, false},
		{"english CANCEL on SMS stops at once (the provider opts the number out)",
			Snapshot{Channel: "sms", Profile: registered, State: State{Step: stepMenu}},
			"CANCEL", []string{"stop.done"}, stepMenu, true},
		{"END on SMS stops at once, even where there is something to cancel",
			Snapshot{Channel: "sms", Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			"end", []string{"stop.done"}, stepOpportunity, true},
		{"stop stops at once anywhere",
			Snapshot{Channel: "console", Profile: registered, State: atOpportunity, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			"توقف", []string{"stop.done"}, stepOpportunity, true},
		{"إيقاف stops at once at the menu",
			Snapshot{Channel: "telegram", Profile: registered, State: State{Step: stepMenu}},
			"إيقاف", []string{"stop.done"}, stepMenu, true},
		{"cancel during consent declines",
			Snapshot{Channel: "console", Profile: Profile{Language: "en"}, State: State{Step: stepConsent}},
			"cancel", []string{"consent.declined"}, stepConsent, false},
		{"cancel when asked to erase keeps the data",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepDelete}},
			"cancel", []string{"delete.kept", "menu.title"}, stepMenu, false},
		{"cancel while changing the name keeps the old one",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepName}},
			"إلغاء", []string{"profile.show"}, stepProfile, false},
		{"cancel in the skills check leaves it",
			Snapshot{Channel: "console", Profile: registered, State: State{Step: stepQuestion, Args: map[string]string{"q": "3"}}},
			"cancel", []string{"menu.title"}, stepMenu, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Handle(now, c.snap, Input{Text: c.text})
			if got := keys(r); !slices.Equal(got, c.wantKeys) {
				t.Fatalf("replies = %v, want %v", got, c.wantKeys)
			}
			if r.State.Step != c.wantStep {
				t.Errorf("step = %q, want %q", r.State.Step, c.wantStep)
			}
			if r.Profile.OptedOut != c.wantStopped {
				t.Errorf("opted out = %v, want %v", r.Profile.OptedOut, c.wantStopped)
			}
			if len(r.Signups) != 0 {
				t.Errorf("sign-ups changed without confirmation: %+v", r.Signups)
			}
		})
	}
}

// TestCancelWhereNothingIsCancelled: at every step, every cancel word on
// every channel that does not take it as a stop word does the step's own
// cancel, or says there is nothing to cancel and shows the menu (during
// registration, its question again). It never stops messages.
func TestCancelWhereNothingIsCancelled(t *testing.T) {
	e := engine(t)
	// Steps with a cancel of their own for a registered person (without sign-ups).
	own := map[string]bool{stepConsent: true, stepDelete: true, stepQuestion: true, stepName: true, stepGovernorate: true, stepStaffOffer: true}
	named := Profile{Language: "ar", ConsentAt: now, Name: "Mona"}
	registering := []struct {
		profile Profile
		step    string
		want    string // the prompt shown again
	}{
		{Profile{}, stepLanguage, "language.choose"},
		{Profile{Language: "en", ConsentAt: now}, stepName, "reg.name"},
		{named, stepName, "reg.name"}, // gone back to the name
		{named, stepGovernorate, "reg.governorate"},
		{named, stepHelp, "reg.governorate"}, // help while registering: on with registration
	}
	for _, word := range e.content.Keywords["cancel"] {
		for _, channel := range []string{"console", "telegram", "web", "sms"} {
			if channel == "sms" && e.content.Keywords.Is(locales.SMSStop, textnorm.Normalize(word)) {
				continue // the carrier's stop word: TestCancelWords
			}
			check := func(snap Snapshot, wantKeys []string, wantStep string) {
				t.Helper()
				r := e.Handle(now, snap, Input{Text: word})
				if got := keys(r); !slices.Equal(got, wantKeys) || r.State.Step != wantStep {
					t.Errorf("%q at %s (%s): %v at %s, want %v at %s", word, snap.State.Step, channel, got, r.State.Step, wantKeys, wantStep)
				}
				if r.Profile.OptedOut || len(r.Signups) != 0 || r.Erase {
					t.Errorf("%q at %s (%s): stopped %v, sign-ups %v, erased %v", word, snap.State.Step, channel, r.Profile.OptedOut, r.Signups, r.Erase)
				}
			}
			for name := range e.steps {
				if own[name] {
					continue
				}
				args := map[string]string{"id": "7", "q": "0", "module": "tamkeen", "page": "1"}
				snap := Snapshot{Channel: channel, Profile: registered, State: State{Step: name, Args: args}, Opportunities: []Opportunity{sewing(3, 12)}}
				check(snap, []string{"cancel.nothing", "menu.title"}, stepMenu)
			}
			for _, r := range registering {
				check(Snapshot{Channel: channel, Profile: r.profile, State: State{Step: r.step}}, []string{"cancel.nothing", r.want}, map[bool]string{true: r.step, false: stepGovernorate}[r.step != stepHelp])
			}
		}
	}
}

func TestGreetingShowsTheQuestionAgain(t *testing.T) {
	e := engine(t)
	for _, greeting := range []string{"مرحبا", "السلام عليكم", "hello", "Hi", "أهلاً", "مرحبا!", "hi 👋", "السلام عليكم."} {
		for _, st := range []State{{Step: stepLanguage}, {Step: stepMenu}, {Step: stepQuestion, Args: map[string]string{"q": "2"}}} {
			p := registered
			if st.Step == stepLanguage {
				p = Profile{}
			}
			r := e.Handle(now, Snapshot{Profile: p, State: st}, Input{Text: greeting})
			want := e.steps[st.Step].prompt(&turn{e: e, now: now, res: Result{Profile: p, State: st}}).Key
			if got := keys(r); !slices.Equal(got, []string{"greeting.again", want}) || r.State.Step != st.Step {
				t.Errorf("%q at %s: replies %v at %s, want the greeting and %s again", greeting, st.Step, got, r.State.Step, want)
			}
		}
	}
}

// One rule for seats: while anyone waits, a newcomer joins the waiting list
// behind them, even if a place was freed a moment ago.
func TestANewcomerNeverJumpsTheWaitingList(t *testing.T) {
	e := engine(t)
	freed := sewing(11, 12)
	freed.Waiting = 2
	r := e.Handle(now, Snapshot{Profile: registered, State: State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}, Opportunities: []Opportunity{freed}}, Input{Text: "1"})
	if len(r.Signups) != 1 || r.Signups[0].Status != SignupWaitlisted {
		t.Fatalf("signups = %+v, want one waitlisted", r.Signups)
	}
	if got := r.Replies[0]; got.Key != "signup.waitlisted" || !reflect.DeepEqual(got.Data["Position"], T("waitlist.place.3")) {
		t.Errorf("reply %s %v, want signup.waitlisted at position 3", got.Key, got.Data)
	}
}

func TestOpportunityPageIsConsistent(t *testing.T) {
	e := engine(t)
	full := sewing(12, 12)
	at := State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}
	registeredThere := e.Handle(now, Snapshot{Profile: registered, State: at, Opportunities: []Opportunity{full}, Signups: []Signup{{OpportunityID: 7, Status: SignupRegistered}}}, Input{})
	d := registeredThere.Replies[0].Data
	if _, ok := d["Places"]; ok {
		t.Errorf("a registered person is told about places: %v", d["Places"])
	}
	if d["Status"] == nil || d["Deadline"] != nil && registeredThere.Replies[0].Options[0].Key != "opportunity.cancel" {
		t.Errorf("registered page: %v", d)
	}
	newcomer := e.Handle(now, Snapshot{Profile: registered, State: at, Opportunities: []Opportunity{full}}, Input{})
	d = newcomer.Replies[0].Data
	if d["Deadline"] == nil || d["Places"] == nil || newcomer.Replies[0].Options[0].Key != "opportunity.join_waitlist" {
		t.Errorf("newcomer page: deadline %v, places %v, first option %s", d["Deadline"], d["Places"], newcomer.Replies[0].Options[0].Key)
	}
	list := e.Handle(now, Snapshot{Profile: registered, State: State{Step: stepOpportunities}, Opportunities: []Opportunity{full}}, Input{})
	if mark := list.Replies[0].Options[0].Data["Mark"]; mark == nil {
		t.Errorf("a full opportunity is not marked in the list")
	}
}

func TestSkillsCheckRespectsTheGoalAndResumes(t *testing.T) {
	e := engine(t)
	qs := e.content.Questions
	// Answers that point to a project, from a person whose goal is a job.
	answers := map[string]string{}
	for _, q := range qs {
		answers[q.ID] = q.Options[0].ID
	}
	answers["craft"], answers["selling"], answers["equipment"], answers["path"] = "sewing", "online", "both", "job"
	last := len(qs) - 1
	delete(answers, qs[last].ID)
	snap := Snapshot{Profile: registered, State: State{Step: stepQuestion, Args: map[string]string{"q": strconv.Itoa(last)}, Answers: answers}}
	r := e.Handle(now, snap, Input{Text: "1"})
	if r.Assessment == nil || r.Assessment.Track == "job" {
		t.Fatalf("test answers should point away from a job: %+v", r.Assessment)
	}
	if r.Profile.Track != "job" {
		t.Errorf("profile track %q, want her goal (job)", r.Profile.Track)
	}
	res := r.Replies[len(r.Replies)-1]
	if res.Key != "assessment.result_goal" || len(res.Options) < 2 || res.Options[1].Payload != "op:"+r.Assessment.Track {
		t.Errorf("result %s with options %+v: want the goal, why the other fits, and both offered", res.Key, res.Options)
	}

	// Leaving half way and coming back resumes at the first unanswered question.
	half := map[string]string{qs[0].ID: qs[0].Options[0].ID, qs[1].ID: qs[1].Options[0].ID}
	r = e.Handle(now, Snapshot{Profile: registered, State: State{Step: stepQuestion, Args: map[string]string{"q": "2"}, Answers: half}}, Input{Text: "القائمة"})
	r = e.Handle(now, Snapshot{Profile: registered, State: r.State}, Input{Payload: "as"})
	if got := keys(r); !slices.Equal(got, []string{"assessment.resumed", "assessment.question"}) || r.State.Args["q"] != "2" {
		t.Errorf("after leaving at question 3: %v at q=%s, want to resume at question 3", got, r.State.Args["q"])
	}
}
