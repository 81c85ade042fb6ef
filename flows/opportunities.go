package flows

import (
	"sort"
	"strconv"
	"strings"
)

// maxListed bounds how many opportunities one list shows.
const maxListed = 8

// opportunitiesStep lists the open opportunities for the person's governorate,
// those of their recommended track first.
type opportunitiesStep struct {
	noText
	backToMenu
}

func (opportunitiesStep) matching(t *turn) []Opportunity {
	p := t.res.Profile
	track := p.Track
	if a := t.res.State.Args["track"]; a != "" {
		track = a // "opportunities for this track" from an assessment result
	}
	var out []Opportunity
	for _, o := range t.snap.Opportunities {
		if o.Open(t.now) && (o.Governorate == "" || o.Governorate == p.Governorate) {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		mi, mj := out[i].Track == track, out[j].Track == track
		if mi != mj {
			return mi
		}
		if !out[i].StartsAt.Equal(out[j].StartsAt) {
			return out[i].StartsAt.Before(out[j].StartsAt)
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > maxListed {
		out = out[:maxListed]
	}
	return out
}

func (s opportunitiesStep) prompt(t *turn) Reply {
	list := s.matching(t)
	if len(list) == 0 {
		return Reply{Key: "opportunities.none", Options: []Option{{Payload: "as", Key: "menu.assessment"}, navMenu()}}
	}
	opts := make([]Option, 0, len(list)+1)
	for _, o := range list {
		data := map[string]any{"Title": L(o.Title), "Date": Date(o.StartsAt)}
		if mark := listMark(t, o); mark != nil {
			data["Mark"] = mark
		}
		opts = append(opts, Option{Payload: "o:" + strconv.FormatInt(o.ID, 10), Key: "opportunities.item", Data: data})
	}
	opts = append(opts, navMenu())
	return Reply{Key: "opportunities.list", Data: map[string]any{"Count": len(list)}, Options: opts}
}

// listMark is what a list says beside an opportunity: the person's own
// status, else "full" (a sign-up there joins the waiting list); nil for none.
func listMark(t *turn, o Opportunity) map[string]any {
	if status := t.signupStatus(o.ID); active(status) {
		return statusText(t, o, status)
	}
	if o.Full() {
		return T("opportunity.full_mark")
	}
	return nil
}

// statusText is the person's status for o, with her place on the waiting list.
func statusText(t *turn, o Opportunity, status string) map[string]any {
	if status == SignupWaitlisted {
		if n := t.position(o); n > 0 {
			return TD("signup.status.waitlisted_at", map[string]any{"Position": place(n)})
		}
	}
	return T("signup.status." + status)
}

// ordinals is how many places on a waiting list have a word of their own
// (waitlist.place.1 is "first"); later places read "number N".
const ordinals = 10

// place is a place on a waiting list in words: "first" up to the tenth,
// then "number N" (waitlist.place.n).
func place(n int) map[string]any {
	if n >= 1 && n <= ordinals {
		return T("waitlist.place." + strconv.Itoa(n))
	}
	return TD("waitlist.place.n", map[string]any{"N": n})
}

// position is the person's place on the waiting list of o (1 is next), 0 when not known.
func (t *turn) position(o Opportunity) int {
	if t.signupStatus(o.ID) != SignupWaitlisted {
		return 0
	}
	for _, c := range t.res.Signups {
		if c.OpportunityID == o.ID && c.Status == SignupWaitlisted {
			return o.Waiting + 1 // joined in this turn: behind everyone waiting
		}
	}
	for _, s := range t.snap.Signups {
		if s.OpportunityID == o.ID {
			return s.Position
		}
	}
	return 0
}

func (opportunitiesStep) choose(t *turn, payload string) {
	if payload == "as" {
		startAssessment(t)
		return
	}
	t.goTo(stepOpportunity, map[string]string{"id": strings.TrimPrefix(payload, "o:")})
}

// opportunityStep shows one opportunity and lets the person sign up or cancel.
type opportunityStep struct{ noText }

func argID(t *turn) int64 {
	id, _ := strconv.ParseInt(t.res.State.Args["id"], 10, 64)
	return id
}

func (opportunityStep) prompt(t *turn) Reply {
	o, ok := t.opportunity(argID(t))
	if !ok {
		return Reply{Key: "opportunity.gone", Options: []Option{navBack(), navMenu()}}
	}
	place := T("opportunity.everywhere")
	if o.Governorate != "" {
		place = T("gov." + o.Governorate)
	}
	data := map[string]any{
		"Title":       L(o.Title),
		"Description": L(o.Description),
		"Kind":        T("kind." + o.Kind),
		"Date":        Date(o.StartsAt),
		"Place":       place,
	}
	status := t.signupStatus(o.ID)
	open := o.Open(t.now)
	switch {
	case active(status):
		// Her own status says it all: no "full, join the waiting list" beside "registered".
		data["Status"] = statusText(t, o, status)
	case !open:
		data["Places"] = T("opportunity.closed")
	case o.Full() && o.Waiting > 0:
		data["Places"] = TD("opportunity.full_waiting", map[string]any{"Count": o.Waiting})
	case o.Full():
		data["Places"] = T("opportunity.full")
	case o.Capacity > 0:
		data["Places"] = TD("opportunity.places_left", map[string]any{"Count": o.Capacity - o.Registered})
	}
	if open && !o.SignupDeadline.IsZero() && !active(status) {
		data["Deadline"] = Date(o.SignupDeadline)
	}
	id := strconv.FormatInt(o.ID, 10)
	var opts []Option
	switch {
	case active(status):
		opts = append(opts, Option{Payload: "x:" + id, Key: "opportunity.cancel"})
	case open && o.Full():
		opts = append(opts, Option{Payload: "s:" + id, Key: "opportunity.join_waitlist"})
	case open:
		opts = append(opts, Option{Payload: "s:" + id, Key: "opportunity.signup"})
	}
	opts = append(opts, navBack(), navMenu())
	return Reply{Key: "opportunity.detail", ShortKey: "opportunity.detail.sms", Data: data, Options: opts}
}

// cancel on an opportunity's page is cancelling the sign-up, when there is one.
func (opportunityStep) cancel(t *turn) bool {
	o, ok := t.opportunity(argID(t))
	if !ok || !active(t.signupStatus(o.ID)) {
		return false
	}
	t.goTo(stepCancelSignup, map[string]string{"id": strconv.FormatInt(o.ID, 10)})
	return true
}

// yesNo on an opportunity's page open to the person: yes is its one action
// (sign up, or join the waiting list), no is "not this one" (back to the
// list). Where she is signed up, or it is closed, neither means one thing.
func (opportunityStep) yesNo(t *turn) (yes, no string) {
	o, ok := t.opportunity(argID(t))
	if !ok || active(t.signupStatus(o.ID)) || !o.Open(t.now) {
		return "", ""
	}
	return "s:" + strconv.FormatInt(o.ID, 10), payloadBack
}

// accepts an old "sign up" or "cancel" button of this same opportunity, so a
// second tap on "sign up" is answered kindly instead of as a stale button.
func (opportunityStep) accepts(t *turn, payload string) bool {
	id := t.res.State.Args["id"]
	return payload == "s:"+id || payload == "x:"+id
}

func (opportunityStep) choose(t *turn, payload string) {
	o, ok := t.opportunity(argID(t))
	if !ok {
		return
	}
	switch {
	case strings.HasPrefix(payload, "s:"):
		signUp(t, o)
	case strings.HasPrefix(payload, "x:") && !active(t.signupStatus(o.ID)):
		t.reprompt()
	case strings.HasPrefix(payload, "x:"):
		t.goTo(stepCancelSignup, map[string]string{"id": strconv.FormatInt(o.ID, 10)})
	}
}

func signUp(t *turn, o Opportunity) {
	switch {
	case active(t.signupStatus(o.ID)):
		t.say(Reply{Key: "signup.already", Data: map[string]any{"Title": L(o.Title)}})
		t.reprompt()
		return
	case !o.Open(t.now):
		t.say(Reply{Key: "signup.closed", Data: map[string]any{"Title": L(o.Title)}})
		t.reprompt()
		return
	}
	status := SignupRegistered
	if o.Full() {
		status = SignupWaitlisted
	}
	t.res.Signups = append(t.res.Signups, SignupChange{OpportunityID: o.ID, Status: status, ExpectRegistered: o.Registered})
	t.goTo(stepSignedUp, map[string]string{"id": strconv.FormatInt(o.ID, 10)})
}

func (opportunityStep) back(t *turn) (string, map[string]string) { return stepOpportunities, nil }

// signedUpStep confirms a sign-up and offers where to go next.
type signedUpStep struct{ noText }

func (signedUpStep) prompt(t *turn) Reply {
	o, ok := t.opportunity(argID(t))
	if !ok {
		return opportunityStep{}.prompt(t)
	}
	key := "signup.registered"
	data := map[string]any{"Title": L(o.Title), "Date": Date(o.StartsAt), "Name": t.res.Profile.Name}
	if t.signupStatus(o.ID) == SignupWaitlisted {
		key = "signup.waitlisted"
		data["Position"] = place(t.position(o))
	}
	return Reply{
		Key:      key,
		ShortKey: key + ".sms",
		Data:     data,
		Options: []Option{
			{Payload: "ms", Key: "menu.my_signups"},
			{Payload: "op", Key: "signup.more"},
			navMenu(),
		},
	}
}

func (signedUpStep) choose(t *turn, payload string) {
	switch payload {
	case "ms":
		t.goTo(stepMySignups, nil)
	case "op":
		t.goTo(stepOpportunities, nil)
	}
}

// cancel right after signing up means that sign-up.
func (signedUpStep) cancel(t *turn) bool { return opportunityStep{}.cancel(t) }

func (signedUpStep) back(t *turn) (string, map[string]string) {
	return stepOpportunity, map[string]string{"id": t.res.State.Args["id"]}
}

// mySignupsStep lists the person's active sign-ups.
type mySignupsStep struct {
	noText
	backToMenu
}

func (mySignupsStep) prompt(t *turn) Reply {
	var opts []Option
	for _, s := range t.snap.Signups {
		status := t.signupStatus(s.OpportunityID)
		o, ok := t.opportunity(s.OpportunityID)
		if !ok || !active(status) {
			continue
		}
		opts = append(opts, Option{
			Payload: "o:" + strconv.FormatInt(o.ID, 10),
			Key:     "my_signups.item",
			Data:    map[string]any{"Title": L(o.Title), "Status": statusText(t, o, status), "Date": Date(o.StartsAt)},
		})
	}
	if len(opts) == 0 {
		return Reply{Key: "my_signups.none", Options: []Option{{Payload: "op", Key: "menu.opportunities"}, navMenu()}}
	}
	opts = append(opts, navMenu())
	return Reply{Key: "my_signups.list", Data: map[string]any{"Count": len(opts) - 1}, Options: opts}
}

// cancel in "my sign-ups" means the sign-up when there is only one, and
// opening the one to cancel when there are several.
func (mySignupsStep) cancel(t *turn) bool {
	var only int64
	n := 0
	for _, s := range t.snap.Signups {
		if _, ok := t.opportunity(s.OpportunityID); ok && active(t.signupStatus(s.OpportunityID)) {
			only, n = s.OpportunityID, n+1
		}
	}
	switch {
	case n == 0:
		return false
	case n > 1: // which one? Opening it first says.
		t.say(Reply{Key: "my_signups.cancel_which"})
		t.reprompt()
		return true
	}
	t.goTo(stepCancelSignup, map[string]string{"id": strconv.FormatInt(only, 10)})
	return true
}

func (mySignupsStep) choose(t *turn, payload string) {
	if payload == "op" {
		t.goTo(stepOpportunities, nil)
		return
	}
	t.goTo(stepOpportunity, map[string]string{"id": strings.TrimPrefix(payload, "o:")})
}
