package flows

import (
	"slices"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/vocab"
)

// What a channel reports besides text and taps: the conversation decides
// what to say, so every channel answers alike.
func TestChannelReports(t *testing.T) {
	e := engine(t)
	atName := Profile{Language: "ar", ConsentAt: now.Add(-time.Minute)}
	cases := []struct {
		name     string
		profile  Profile
		step     string
		in       Input
		wantKeys []string
		wantStep string
		wantName string
		settles  []bool // Reply.Settles of each reply, when checked
	}{
		{
			name: "an edit is not read, and nothing moves", profile: atName, step: stepName,
			in: Input{Edited: true, Text: "Mona"}, wantKeys: []string{"input.edited"}, wantStep: stepName,
		},
		{
			name: "a photo is explained, then the question shown again", profile: atName, step: stepName,
			in: Input{Unreadable: true}, wantKeys: []string{"input.unreadable", "reg.name"}, wantStep: stepName,
		},
		{
			name: "a shared card answers the name question", profile: atName, step: stepName,
			in:       Input{Contact: &SharedContact{Outcome: ContactLinked, Name: "Mona Al Harthi"}},
			wantKeys: []string{"contact.linked", "reg.governorate"}, wantStep: stepGovernorate, wantName: "Mona Al Harthi",
			settles: []bool{true, false},
		},
		{
			name: "a merged profile's card answers it too", profile: atName, step: stepName,
			in:       Input{Contact: &SharedContact{Outcome: ContactMerged, Name: "Mona"}},
			wantKeys: []string{"contact.merged", "reg.governorate"}, wantStep: stepGovernorate, wantName: "Mona",
		},
		{
			name: "someone else's card changes nothing and keeps the share button", profile: atName, step: stepName,
			in:       Input{Contact: &SharedContact{Outcome: ContactNotOwn, Name: "Ali"}},
			wantKeys: []string{"contact.not_own", "reg.name"}, wantStep: stepName,
			settles: []bool{false, false},
		},
		{
			name: "a number held by another account: the name is still asked", profile: atName, step: stepName,
			in:       Input{Contact: &SharedContact{Outcome: ContactConflict, Name: "Mona"}},
			wantKeys: []string{"contact.conflict", "reg.name"}, wantStep: stepName,
		},
		{
			name: "after registration a card links the number and renames no one", profile: registered, step: stepMenu,
			in:       Input{Contact: &SharedContact{Outcome: ContactLinked, Name: "Someone Else"}},
			wantKeys: []string{"contact.linked", "menu.title"}, wantStep: stepMenu, wantName: registered.Name,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Handle(now, Snapshot{Channel: vocab.Telegram, Profile: c.profile, State: State{Step: c.step}}, c.in)
			if got := keys(r); !slices.Equal(got, c.wantKeys) {
				t.Fatalf("replies %v, want %v", got, c.wantKeys)
			}
			if r.State.Step != c.wantStep {
				t.Errorf("step %q, want %q", r.State.Step, c.wantStep)
			}
			if r.Profile.Name != c.wantName {
				t.Errorf("name %q, want %q", r.Profile.Name, c.wantName)
			}
			for i, want := range c.settles {
				if r.Replies[i].Settles != want {
					t.Errorf("reply %d (%s) settles = %v, want %v", i, r.Replies[i].Key, r.Replies[i].Settles, want)
				}
			}
		})
	}
}

// The name question tells channels that a contact card answers it, and the
// end of registration that the question is over.
func TestNameQuestionAsksForAContactCard(t *testing.T) {
	e := engine(t)
	r := e.Handle(now, Snapshot{Channel: vocab.Telegram, Profile: Profile{Language: "en"}, State: State{Step: stepConsent}}, Input{Payload: "yes"})
	i := slices.IndexFunc(r.Replies, func(r Reply) bool { return r.Key == "reg.name" })
	if i < 0 || r.Replies[i].Asks != vocab.AskContact {
		t.Fatalf("the name question does not ask for a contact card: %+v", r.Replies)
	}
	r = e.Handle(now, Snapshot{Channel: vocab.Telegram, Profile: Profile{Language: "en", ConsentAt: now, Name: "Mona"}, State: State{Step: stepGovernorate}}, Input{Text: "1"})
	i = slices.IndexFunc(r.Replies, func(r Reply) bool { return r.Key == "reg.done" })
	if i < 0 || !r.Replies[i].Settles {
		t.Fatalf("registration's end does not settle the name question: %+v", keys(r))
	}
}
