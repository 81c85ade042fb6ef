package flows

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/locales"
)

// labelled is the engine as the inbox runs it: options understood by their words.
func labelled(t *testing.T) *Engine {
	t.Helper()
	b, err := locales.Load("", "")
	if err != nil {
		t.Fatal(err)
	}
	return New(b.Content).WithLabels(bot.NewRenderer(b, time.UTC))
}

// questionAt is the skills check at the question with id.
func questionAt(t *testing.T, e *Engine, id string) State {
	t.Helper()
	for i, q := range e.content.Questions {
		if q.ID == id {
			return State{Step: stepQuestion, Args: map[string]string{"q": strconv.Itoa(i)}, Answers: map[string]string{}}
		}
	}
	t.Fatalf("no question %q", id)
	return State{}
}

// TestRegistrationBackThenTheNameAgain: going back from the governorate
// question and typing the name again goes on with registration; only a
// change from "my details" is a saved change.
func TestRegistrationBackThenTheNameAgain(t *testing.T) {
	e := engine(t)
	snap := Snapshot{Channel: "console"}
	steps := []struct {
		in       string
		wantKeys []string
	}{
		{"مرحبا", []string{"language.choose"}},
		{"1", []string{"consent.notice"}},
		{"1", []string{"reg.name"}},
		{"ام محمد", []string{"reg.governorate"}},
		{"رجوع", []string{"reg.name"}},
		{"ام محمد", []string{"reg.governorate"}},
		{"رجوع", []string{"reg.name"}},
		{"أم محمد البلوشية", []string{"reg.governorate"}},
		{"1", []string{"reg.done", "menu.title"}},
	}
	for _, s := range steps {
		r := e.Handle(now, snap, Input{Text: s.in})
		if got := keys(r); !slices.Equal(got, s.wantKeys) {
			t.Fatalf("%q at %s: %v, want %v", s.in, snap.State.Step, got, s.wantKeys)
		}
		snap.Profile, snap.State = r.Profile, r.State
	}
	if snap.Profile.Name != "أم محمد البلوشية" || snap.Profile.Governorate != "muscat" {
		t.Errorf("registered as %+v", snap.Profile)
	}
	r := e.Handle(now, Snapshot{Profile: registered, State: State{Step: stepName}}, Input{Text: "منى الحارثية"})
	if got := keys(r); !slices.Equal(got, []string{"profile.saved", "profile.show"}) || r.Profile.Name != "منى الحارثية" {
		t.Errorf("a new name from my details: %v, name %q", got, r.Profile.Name)
	}
}

// TestYesAndNo: yes and no, typed, work where they have one obvious meaning
// and nowhere else: on an opportunity's page open to the person yes signs up
// (or joins the waiting list) and no goes back to the list; where an answer
// says yes or no in its words, it is that answer, and two such answers are
// reported, never guessed between.
func TestYesAndNo(t *testing.T) {
	e := labelled(t)
	page := State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}
	closed := sewing(3, 12)
	closed.SignupDeadline = now.Add(-time.Hour)
	mine := []Signup{{OpportunityID: 7, Status: SignupRegistered}}
	en := registered
	en.Language = "en"
	yes := []string{"نعم", "yes", "Yes please", "ايوه", "أجل", "موافقة", "نعم من فضلك 🙏", "ok"}
	no := []string{"لا", "no", "No.", "كلا"}
	cases := []struct {
		name       string
		snap       Snapshot
		words      []string
		wantKeys   []string
		wantStep   string
		wantSignup string // the status of the one sign-up change, "" for none
		wantAnswer string // the answer recorded to the question, "" for none
	}{
		{"yes on an open page signs up",
			Snapshot{Profile: registered, State: page, Opportunities: []Opportunity{sewing(3, 12)}},
			yes, []string{"signup.registered"}, stepSignedUp, SignupRegistered, ""},
		{"yes on a full page joins the waiting list",
			Snapshot{Profile: en, State: page, Opportunities: []Opportunity{sewing(12, 12)}},
			yes, []string{"signup.waitlisted"}, stepSignedUp, SignupWaitlisted, ""},
		{"no on an open page goes back to the list",
			Snapshot{Profile: registered, State: page, Opportunities: []Opportunity{sewing(3, 12)}},
			no, []string{"opportunities.list"}, stepOpportunities, "", ""},
		{"yes on my own sign-up's page means nothing (cancel it? keep it?)",
			Snapshot{Profile: registered, State: page, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			yes, []string{"not_understood", "opportunity.detail"}, stepOpportunity, "", ""},
		{"no on my own sign-up's page means nothing either",
			Snapshot{Profile: registered, State: page, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			no, []string{"not_understood", "opportunity.detail"}, stepOpportunity, "", ""},
		{"yes on a closed page means nothing",
			Snapshot{Profile: registered, State: page, Opportunities: []Opportunity{closed}},
			yes, []string{"not_understood", "opportunity.detail"}, stepOpportunity, "", ""},
		{"yes at the menu means nothing",
			Snapshot{Profile: registered, State: State{Step: stepMenu}},
			yes, []string{"not_understood", "menu.title"}, stepMenu, "", ""},
		{"yes after signing up means nothing",
			Snapshot{Profile: registered, State: State{Step: stepSignedUp, Args: map[string]string{"id": "7"}}, Opportunities: []Opportunity{sewing(3, 12)}, Signups: mine},
			yes, []string{"not_understood", "signup.registered"}, stepSignedUp, "", ""},
		{"yes to «do you sell?» fits two answers: both reported",
			Snapshot{Profile: registered, State: questionAt(t, e, "selling")},
			yes, []string{"not_understood.which", "assessment.question"}, stepQuestion, "", ""},
		{"no to «do you sell?» is its no",
			Snapshot{Profile: registered, State: questionAt(t, e, "selling")},
			no, []string{"assessment.question"}, stepQuestion, "", "no"},
		{"no to «have you worked?» is «I have never worked»",
			Snapshot{Profile: en, State: questionAt(t, e, "experience")},
			no, []string{"assessment.question"}, stepQuestion, "", "none"},
		{"no to «tools or a place?» (the last question) is neither",
			Snapshot{Profile: registered, State: questionAt(t, e, "equipment")},
			no, []string{"assessment.result"}, stepResult, "", "none"},
		{"yes to «tools or a place?» means nothing",
			Snapshot{Profile: registered, State: questionAt(t, e, "equipment")},
			yes, []string{"not_understood", "assessment.question"}, stepQuestion, "", ""},
		{"yes to the privacy notice agrees",
			Snapshot{Profile: Profile{Language: "ar"}, State: State{Step: stepConsent}},
			yes, []string{"reg.name"}, stepName, "", ""},
		{"no when asked to erase keeps the data",
			Snapshot{Profile: registered, State: State{Step: stepDelete}},
			no, []string{"delete.kept", "menu.title"}, stepMenu, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.words {
				r := e.Handle(now, c.snap, Input{Text: w})
				if got := keys(r); !slices.Equal(got, c.wantKeys) || r.State.Step != c.wantStep {
					t.Fatalf("%q: %v at %s, want %v at %s", w, got, r.State.Step, c.wantKeys, c.wantStep)
				}
				switch {
				case c.wantSignup == "" && len(r.Signups) != 0:
					t.Errorf("%q changed sign-ups: %+v", w, r.Signups)
				case c.wantSignup != "" && (len(r.Signups) != 1 || r.Signups[0].Status != c.wantSignup):
					t.Errorf("%q: sign-ups %+v, want one %s", w, r.Signups, c.wantSignup)
				}
				q := c.snap.State.Args["q"]
				if i, err := strconv.Atoi(q); err == nil && c.snap.State.Step == stepQuestion {
					id := e.content.Questions[i].ID
					got := r.State.Answers[id]
					if r.Assessment != nil {
						got = r.Assessment.Answers[id]
					}
					if got != c.wantAnswer {
						t.Errorf("%q: answer %q, want %q", w, got, c.wantAnswer)
					}
				}
			}
		})
	}
}

// TestEverydayWords: thanks, numbers written the ways people write them,
// the skills check by its lessons' name, a town inside a sentence, and an
// answer that fits two options.
func TestEverydayWords(t *testing.T) {
	e := labelled(t)
	menu := State{Step: stepMenu}
	name := Profile{Language: "ar", ConsentAt: now}
	named := Profile{Language: "ar", ConsentAt: now, Name: "Mona"}
	cases := []struct {
		name     string
		snap     Snapshot
		words    []string
		wantKeys []string
		wantStep string
		check    func(t *testing.T, r Result)
	}{
		{"thanks at the menu: you're welcome, and the menu",
			Snapshot{Profile: registered, State: menu},
			[]string{"شكرا", "شكراً", "مشكور", "مشكورة", "thanks", "Thank you!", "جزاك الله خير 🙏", "جزاكم الله خيرا", "شكرا جزيلا 🌹"},
			[]string{"thanks.welcome", "menu.title"}, stepMenu, nil},
		{"thanks at the name question: the question again, no name taken",
			Snapshot{Profile: name, State: State{Step: stepName}},
			[]string{"شكرا", "thank you"}, []string{"thanks.welcome", "reg.name"}, stepName,
			func(t *testing.T, r Result) {
				if r.Profile.Name != "" {
					t.Errorf("thanks taken as a name: %q", r.Profile.Name)
				}
			}},
		{"a number inside a sentence, a keycap, any digits",
			Snapshot{Profile: registered, State: menu},
			[]string{"2 من فضلك", "2 please", "2️⃣", "٢", "۲", "رقم ٢ لو سمحت", "option 2 please", "②"},
			[]string{"assessment.intro", "assessment.question"}, stepQuestion, nil},
		{"a keycap picks the first option",
			Snapshot{Profile: registered, State: menu},
			[]string{"1️⃣", "١", "1⃣"}, []string{"awareness.list"}, stepModules, nil},
		{"🔟 is ten",
			Snapshot{Profile: named, State: State{Step: stepGovernorate}},
			[]string{"🔟", "١٠ من فضلك"}, []string{"reg.done", "menu.title"}, stepMenu,
			func(t *testing.T, r Result) {
				if r.Profile.Governorate != "ad_dhahirah" {
					t.Errorf("governorate %q, want the tenth, ad_dhahirah", r.Profile.Governorate)
				}
			}},
		{"a number out of range in a sentence says which numbers there are",
			Snapshot{Profile: registered, State: menu},
			[]string{"42 please", "رقم 42"}, []string{"not_understood.number", "menu.title"}, stepMenu, nil},
		{"two numbers are no number",
			Snapshot{Profile: registered, State: menu},
			[]string{"2 or 3 please"}, []string{"not_understood", "menu.title"}, stepMenu, nil},
		{"«اختبار» is the skills check, from the menu or a lesson",
			Snapshot{Profile: registered, State: State{Step: stepModulePage, Args: map[string]string{"module": "tracks", "page": "3"}}},
			[]string{"اختبار", "الاختبار", "اختبار المهارات", "skills check", "ابي اختبار"},
			[]string{"assessment.intro", "assessment.question"}, stepQuestion, nil},
		{"«اختبار» while registering: registration first",
			Snapshot{Profile: name, State: State{Step: stepName}},
			[]string{"اختبار"}, []string{"reg.name"}, stepName, nil},
		{"a town in a sentence picks its governorate",
			Snapshot{Profile: named, State: State{Step: stepGovernorate}},
			[]string{"انا من ولاية صور في الشرقية", "أنا ساكنة في صور", "I live in Sur"},
			[]string{"reg.done", "menu.title"}, stepMenu,
			func(t *testing.T, r Result) {
				if r.Profile.Governorate != "south_ash_sharqiyah" {
					t.Errorf("governorate %q, want south_ash_sharqiyah", r.Profile.Governorate)
				}
			}},
		{"a word of two governorates: both reported",
			Snapshot{Profile: named, State: State{Step: stepGovernorate}},
			[]string{"الشرقية", "انا من الشرقية", "الباطنة"},
			[]string{"not_understood.which", "reg.governorate"}, stepGovernorate, nil},
		{"a word of two answers: both reported",
			Snapshot{Profile: registered, State: questionAt(t, e, "equipment")},
			[]string{"أدوات", "ادوات", "tools"},
			[]string{"not_understood.which", "assessment.question"}, stepQuestion,
			func(t *testing.T, r Result) {
				if got := r.Replies[0].Data["Numbers"]; !slices.Equal(got.([]int), []int{1, 2}) {
					t.Errorf("reported %v, want options 1 and 2", got)
				}
			}},
		{"English my sign-ups, however written, after signing up",
			Snapshot{Profile: Profile{Language: "en", Name: "Sara", Governorate: "muscat", ConsentAt: now}, State: State{Step: stepSignedUp, Args: map[string]string{"id": "7"}},
				Opportunities: []Opportunity{sewing(3, 12)}, Signups: []Signup{{OpportunityID: 7, Status: SignupRegistered}}},
			[]string{"my signups", "my sign ups", "my sign-ups", "signups", "My Signups please"},
			[]string{"my_signups.list"}, stepMySignups, nil},
		{"a refusal is no sign-up",
			Snapshot{Profile: registered, State: State{Step: stepOpportunity, Args: map[string]string{"id": "7"}}, Opportunities: []Opportunity{sewing(3, 12)}},
			[]string{"لا أريد التسجيل", "I don't want to sign up"},
			[]string{"not_understood", "opportunity.detail"}, stepOpportunity,
			func(t *testing.T, r Result) {
				if len(r.Signups) != 0 {
					t.Errorf("signed up on a refusal: %+v", r.Signups)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.words {
				r := e.Handle(now, c.snap, Input{Text: w})
				if got := keys(r); !slices.Equal(got, c.wantKeys) || r.State.Step != c.wantStep {
					t.Fatalf("%q: %v at %s, want %v at %s", w, got, r.State.Step, c.wantKeys, c.wantStep)
				}
				if c.check != nil {
					c.check(t, r)
				}
			}
		})
	}
}

// TestNumbersHoweverWritten: at every step with options, each option's
// number written any way people write it (Arabic-Indic digits, a keycap,
// inside "… please" or «… من فضلك») does exactly what the plain number does.
func TestNumbersHoweverWritten(t *testing.T) {
	e := labelled(t)
	ways := []func(n int) string{
		func(n int) string { // Arabic-Indic digits
			var b []rune
			for _, d := range strconv.Itoa(n) {
				b = append(b, '٠'+d-'0')
			}
			return string(b)
		},
		func(n int) string { return strconv.Itoa(n) + " please" },
		func(n int) string { return strconv.Itoa(n) + " من فضلك" },
		func(n int) string { return "رقم " + strconv.Itoa(n) + " لو سمحت" },
		func(n int) string {
			if n == 10 {
				return "🔟"
			}
			return strconv.Itoa(n) + "\uFE0F\u20E3"
		},
	}
	checked := 0
	for name := range e.steps {
		args := map[string]string{"id": "7", "q": "2", "module": "tamkeen", "page": "1"}
		snap := Snapshot{Channel: "telegram", Profile: registered, State: State{Step: name, Args: args}, Opportunities: []Opportunity{sewing(3, 12)}, Signups: []Signup{{OpportunityID: 7, Status: SignupRegistered}}}
		opts := e.steps[name].prompt(&turn{e: e, now: now, snap: snap, res: Result{Profile: snap.Profile, State: snap.State}}).Options
		for n := 1; n <= len(opts) && n <= 10; n++ {
			want := e.Handle(now, snap, Input{Text: strconv.Itoa(n)})
			for _, way := range ways {
				in := way(n)
				got := e.Handle(now, snap, Input{Text: in})
				checked++
				if !slices.Equal(keys(got), keys(want)) || got.State.Step != want.State.Step || !slices.Equal(got.Signups, want.Signups) {
					t.Errorf("%q at %s: %v at %s, but %d gives %v at %s", in, name, keys(got), got.State.Step, n, keys(want), want.State.Step)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d numbers checked", checked)
	}
}
