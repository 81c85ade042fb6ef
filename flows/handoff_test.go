package flows

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/officehours"
)

var channels = []string{"console", "telegram", "sms", "whatsapp", "web"}

// snapAt is a registered person resting at step (with arguments its
// prompt can show), on channel, with a conversation open with staff or not.
func snapAt(step, channel string, staff bool) Snapshot {
	args := map[string]string{"id": "7", "q": "0", "module": "tamkeen", "page": "1", "from": stepMenu}
	return Snapshot{Channel: channel, Profile: registered, State: State{Step: step, Args: args},
		Opportunities: []Opportunity{sewing(3, 12)}, Staff: staff}
}

// Every staff keyword, in every pack, at every step, on every channel:
// a registered person gets a conversation (and the confirmation), or is
// told theirs is open already; nothing else changes.
func TestEveryWayInByKeyword(t *testing.T) {
	for _, country := range locales.Countries() {
		b, err := locales.Load("", country)
		if err != nil {
			t.Fatal(err)
		}
		e := New(b.Content)
		words := e.content.Keywords["staff"]
		if !slices.Contains(words, "موظف") || !slices.Contains(words, "agent") || !slices.Contains(words, "أريد التحدث مع موظف") || !slices.Contains(words, "talk to a person") {
			t.Fatalf("%s: the staff keywords lack the issue's own words: %v", country, words)
		}
		// And the same words inside the everyday frames people write them in.
		words = append(slices.Clone(words), "I want to talk to a person", "please, an agent", "موظف لو سمحت", "ابي اكلم موظف 🙏")
		for _, word := range words {
			for _, ch := range channels {
				for name := range e.steps {
					for _, open := range []bool{false, true} {
						r := e.Handle(now, snapAt(name, ch, open), Input{Text: word})
						want := []string{"handoff.opened.open"}
						if open {
							want = []string{"handoff.already"}
						}
						if got := keys(r); !slices.Equal(got, want) || r.State.Step != stepStaff || r.OpenConversation == open || r.ForStaff {
							t.Fatalf("%s %q at %s on %s (open %v): %v at %s, open %v, for staff %v; want %v at %s",
								country, word, name, ch, open, got, r.State.Step, r.OpenConversation, r.ForStaff, want, stepStaff)
						}
						if r.Profile != registered || len(r.Signups) != 0 || r.Erase {
							t.Fatalf("%s %q at %s: changed more than the conversation: %+v", country, word, name, r)
						}
					}
				}
			}
		}
	}
}

// The menu's last option, by tap, by number and by its words, opens a
// conversation too.
func TestWayInByTheMenu(t *testing.T) {
	e := labelled(t)
	menu := e.steps[stepMenu].prompt(&turn{e: e, now: now, res: Result{Profile: registered}})
	last := menu.Options[len(menu.Options)-1]
	if last.Payload != "st" || last.Key != "menu.staff" {
		t.Fatalf("the menu's last option is %+v, want talking to a person (last, so the other numbers stay)", last)
	}
	n := strconv.Itoa(len(menu.Options))
	for _, in := range []Input{{Payload: "st"}, {Text: n}, {Text: "التحدث مع موظف"}} {
		for _, ch := range channels {
			r := e.Handle(now, snapAt(stepMenu, ch, false), in)
			if !r.OpenConversation || r.State.Step != stepStaff || !slices.Equal(keys(r), []string{"handoff.opened.open"}) {
				t.Errorf("%+v on %s: %v at %s, open %v", in, ch, keys(r), r.State.Step, r.OpenConversation)
			}
		}
	}
}

// Someone who has not chosen a language or agreed to the privacy notice
// is not handed to staff (what they write would be kept): the question
// registration is at comes again. After consent, a person still
// registering may ask.
func TestNoHandoffBeforeConsent(t *testing.T) {
	e := engine(t)
	for _, c := range []struct {
		profile Profile
		step    string
		open    bool
	}{
		{Profile{}, "", false},
		{Profile{}, stepLanguage, false},
		{Profile{Language: "ar"}, stepConsent, false},
		{Profile{Language: "ar", ConsentAt: now}, stepName, true},
		{Profile{Language: "ar", ConsentAt: now, Name: "Mona"}, stepGovernorate, true},
	} {
		for _, word := range []string{"موظف", "agent"} {
			r := e.Handle(now, Snapshot{Channel: "telegram", Profile: c.profile, State: State{Step: c.step}}, Input{Text: word})
			if r.OpenConversation != c.open {
				t.Errorf("%q at %q with %+v: open %v, want %v (%v)", word, c.step, c.profile, r.OpenConversation, c.open, keys(r))
			}
		}
		for i := 0; i < 4; i++ { // no offer either, however often not understood
			st := State{Step: c.step, Misses: i}
			r := e.Handle(now, Snapshot{Channel: "telegram", Profile: c.profile, State: st}, Input{Text: "qwerty zz"})
			if r.State.Step == stepStaffOffer && !c.open {
				t.Errorf("offered a person at %q before consent", c.step)
			}
		}
	}
}

// The confirmation says when someone will answer: the office is open until
// its closing time, or closed and when it opens (the next working day,
// also over a weekend); with no hours set it promises no time.
func TestConfirmationSaysWhenSomeoneAnswers(t *testing.T) {
	muscat, err := time.LoadLocation("Asia/Muscat")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := officehours.Parse("Sun-Thu 08:00-15:00")
	if err != nil {
		t.Fatal(err)
	}
	local := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, muscat) } // 22 November 2026 is a Sunday
	for _, c := range []struct {
		at     time.Time
		key    string
		closes string
		opens  time.Time
	}{
		{local(22, 8, 0), "handoff.opened.open", "15:00", time.Time{}},
		{local(24, 14, 59), "handoff.opened.open", "15:00", time.Time{}},
		{local(24, 15, 0), "handoff.opened.closed", "", local(25, 8, 0)},
		{local(24, 7, 59), "handoff.opened.closed", "", local(24, 8, 0)},
		{local(26, 16, 0), "handoff.opened.closed", "", local(29, 8, 0)},  // Thursday evening: Sunday
		{local(27, 10, 0), "handoff.opened.closed", "", local(29, 8, 0)},  // Friday
		{local(28, 23, 30), "handoff.opened.closed", "", local(29, 8, 0)}, // Saturday night
	} {
		e := engine(t).WithOffice(Office{Hours: hours, Location: muscat})
		r := e.Handle(c.at, snapAt(stepMenu, "sms", false), Input{Text: "موظف"})
		if len(r.Replies) != 1 || r.Replies[0].Key != c.key {
			t.Errorf("at %s: %v, want %s", c.at, keys(r), c.key)
			continue
		}
		d := r.Replies[0].Data
		if c.closes != "" && d["Closes"] != c.closes {
			t.Errorf("at %s: closes %v, want %s", c.at, d["Closes"], c.closes)
		}
		if !c.opens.IsZero() && !reflectEqual(d["Date"], Date(c.opens)) {
			t.Errorf("at %s: opens %v, want %v", c.at, d["Date"], Date(c.opens))
		}
	}
	e := engine(t).WithOffice(Office{Location: muscat})
	if r := e.Handle(now, snapAt(stepMenu, "sms", false), Input{Text: "موظف"}); !slices.Equal(keys(r), []string{"handoff.opened"}) {
		t.Errorf("without office hours: %v", keys(r))
	}
}

func reflectEqual(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 || len(am) != len(bm) {
		return false
	}
	for k, v := range am {
		if bm[k] != v {
			return false
		}
	}
	return true
}

// While a conversation is open and the person is at the staff step, all
// they write is for staff, without a word from the bot: free text, numbers,
// greetings, thanks, yes and no, cancel, the skills check's word. MENU,
// HELP, BACK, LANGUAGE and STOP keep working, and are not for staff.
func TestWhileOpenWordsGoToStaff(t *testing.T) {
	e := engine(t)
	toStaff := []string{"متى تنزل المعونة؟", "2", "٣", "مرحبا", "السلام عليكم", "شكرا", "thank you", "نعم", "لا", "yes", "إلغاء", "اختبار", "ok 👍"}
	commands := map[string]string{"قائمة": stepMenu, "menu": stepMenu, "0": stepMenu, "مساعدة": stepHelp, "help": stepHelp, "رجوع": stepMenu, "لغة": stepLanguage}
	for _, ch := range channels {
		for _, text := range toStaff {
			if ch == "sms" && text == "إلغاء" {
				continue
			}
			r := e.Handle(now, snapAt(stepStaff, ch, true), Input{Text: text})
			if !r.ForStaff || len(r.Replies) != 0 || r.State.Step != stepStaff || r.OpenConversation {
				t.Errorf("%q on %s: for staff %v, replies %v, step %s", text, ch, r.ForStaff, keys(r), r.State.Step)
			}
		}
		for text, step := range commands {
			r := e.Handle(now, snapAt(stepStaff, ch, true), Input{Text: text})
			if r.ForStaff || r.State.Step != step {
				t.Errorf("%q on %s: for staff %v, at %s; want the command, at %s", text, ch, r.ForStaff, r.State.Step, step)
			}
		}
		for _, stop := range []string{"توقف", "STOP"} {
			r := e.Handle(now, snapAt(stepStaff, ch, true), Input{Text: stop})
			if r.ForStaff || !r.Profile.OptedOut {
				t.Errorf("%q on %s: for staff %v, opted out %v", stop, ch, r.ForStaff, r.Profile.OptedOut)
			}
		}
	}
}

// While a conversation is open and the person is elsewhere (the menu, a
// lesson…), what the step understands it does; what it does not is for
// staff, with a word that it went there, instead of "not understood".
func TestWhileOpenElsewhereTheBotStillWorks(t *testing.T) {
	e := labelled(t)
	for _, ch := range channels {
		r := e.Handle(now, snapAt(stepMenu, ch, true), Input{Text: "3"})
		if r.ForStaff || r.State.Step != stepOpportunities {
			t.Errorf("3 at the menu on %s: for staff %v, at %s", ch, r.ForStaff, r.State.Step)
		}
		for name := range e.steps {
			if name == stepStaff || name == stepName { // the name step takes any text as a name
				continue
			}
			r := e.Handle(now, snapAt(name, ch, true), Input{Text: "سؤال عن المعونة الشهرية zq"})
			if !r.ForStaff || !slices.Equal(keys(r), []string{"handoff.forwarded"}) || r.State.Misses != 0 {
				t.Errorf("free text at %s on %s: for staff %v, %v, misses %d", name, ch, r.ForStaff, keys(r), r.State.Misses)
			}
		}
	}
}

// Closing returns to the bot: at the staff step with no conversation open,
// whatever comes next is the menu's (thanks are welcomed, a menu number
// picks), never for staff.
func TestAfterClosingTheBotCarriesOn(t *testing.T) {
	e := labelled(t)
	for _, ch := range channels {
		r := e.Handle(now, snapAt(stepStaff, ch, false), Input{Text: "شكرا"})
		if r.ForStaff || !slices.Equal(keys(r), []string{"thanks.welcome", "menu.title"}) || r.State.Step != stepMenu {
			t.Errorf("thanks after closing on %s: %v at %s, for staff %v", ch, keys(r), r.State.Step, r.ForStaff)
		}
		r = e.Handle(now, snapAt(stepStaff, ch, false), Input{Text: "3"})
		if r.ForStaff || r.State.Step != stepOpportunities {
			t.Errorf("3 after closing on %s: at %s, for staff %v", ch, r.State.Step, r.ForStaff)
		}
		r = e.Handle(now, snapAt(stepStaff, ch, false), Input{Text: "zzz qqq"})
		if r.ForStaff || !slices.Equal(keys(r), []string{"not_understood", "menu.title"}) {
			t.Errorf("free text after closing on %s: %v, for staff %v", ch, keys(r), r.ForStaff)
		}
	}
}

// The bot offers a person after two answers in a row it did not
// understand, at any step, on any channel; an understood answer between
// them starts the count again. "Yes" opens a conversation, "no" and
// "cancel" go back to the question the person was at, with its arguments.
func TestOfferAfterTwoMisunderstandings(t *testing.T) {
	e := labelled(t)
	garbage := "zq xw 17 qq"
	for _, ch := range channels {
		for name := range e.steps {
			if name == stepStaff || name == stepName || name == stepStaffOffer || name == stepQuestion {
				continue // they take any text, or are the offer itself; the skills check: TestOfferAtTheSkillsCheck
			}
			snap := snapAt(name, ch, false)
			first := e.Handle(now, snap, Input{Text: garbage})
			if first.State.Misses != 1 || slices.Contains(keys(first), "handoff.offer") {
				t.Fatalf("one miss at %s on %s: misses %d, %v", name, ch, first.State.Misses, keys(first))
			}
			snap.State = first.State
			second := e.Handle(now, snap, Input{Text: garbage})
			if !slices.Equal(keys(second), []string{"handoff.offer"}) || second.State.Step != stepStaffOffer {
				t.Fatalf("two misses at %s on %s: %v at %s", name, ch, keys(second), second.State.Step)
			}
			at := snap
			at.State = second.State
			yes := e.Handle(now, at, Input{Text: "1"})
			if !yes.OpenConversation || yes.State.Step != stepStaff {
				t.Errorf("yes at the offer from %s on %s: open %v at %s", name, ch, yes.OpenConversation, yes.State.Step)
			}
			for _, no := range []Input{{Text: "2"}, {Text: "لا"}, {Payload: "no"}, {Text: "إلغاء"}} {
				if ch == "sms" && no.Text == "إلغاء" {
					continue
				}
				back := e.Handle(now, at, no)
				if back.OpenConversation || back.State.Step != first.State.Step || back.State.Args["id"] != first.State.Args["id"] {
					t.Errorf("%+v at the offer from %s on %s: at %s %v, want back at %s %v", no, name, ch, back.State.Step, back.State.Args, first.State.Step, first.State.Args)
				}
			}
			// An understood answer between two misses: no offer.
			snap.State = first.State
			ok := e.Handle(now, snap, Input{Text: "قائمة"})
			snap.State = ok.State
			if again := e.Handle(now, snap, Input{Text: garbage}); again.State.Step == stepStaffOffer {
				t.Errorf("at %s on %s: offered after a miss, an understood word and a miss", name, ch)
			}
		}
	}
}

// In the middle of the skills check too: the offer's "no" goes back to the
// same question, with the answers given so far.
func TestOfferAtTheSkillsCheck(t *testing.T) {
	e := labelled(t)
	st := questionAt(t, e, e.content.Questions[1].ID)
	st.Answers = map[string]string{e.content.Questions[0].ID: e.content.Questions[0].Options[0].ID}
	snap := Snapshot{Channel: "whatsapp", Profile: registered, State: st}
	for i := 0; i < 2; i++ {
		r := e.Handle(now, snap, Input{Text: "zq xw qq"})
		snap.State = r.State
	}
	if snap.State.Step != stepStaffOffer {
		t.Fatalf("no offer at the skills check: at %s", snap.State.Step)
	}
	r := e.Handle(now, snap, Input{Text: "لا"})
	if r.State.Step != st.Step || r.State.Args["q"] != st.Args["q"] || len(r.State.Answers) != 1 {
		t.Errorf("no at the offer: at %s %v with %v, want back at %s %v", r.State.Step, r.State.Args, r.State.Answers, st.Step, st.Args)
	}
}
