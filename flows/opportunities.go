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
	var out []Opportunity
	for _, o := range t.snap.Opportunities {
		if o.Open(t.now) && (o.Governorate == "" || o.Governorate == p.Governorate) {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		mi, mj := out[i].Track == p.Track, out[j].Track == p.Track
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
		opts = append(opts, Option{
			Payload: "o:" + strconv.FormatInt(o.ID, 10),
			Key:     "opportunities.item",
			Data:    map[string]any{"Title": L(o.Title), "Date": Date(o.StartsAt)},
		})
	}
	opts = append(opts, navMenu())
	return Reply{Key: "opportunities.list", Data: map[string]any{"Count": len(list)}, Options: opts}
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
	if o.Capacity > 0 {
		if left := o.Capacity - o.Registered; left > 0 {
			data["Places"] = TD("opportunity.places_left", map[string]any{"Count": left})
		} else {
			data["Places"] = T("opportunity.full")
		}
	}
	status := t.signupStatus(o.ID)
	if active(status) {
		data["Status"] = T("signup.status." + status)
	}
	id := strconv.FormatInt(o.ID, 10)
	var opts []Option
	switch {
	case active(status):
		opts = append(opts, Option{Payload: "x:" + id, Key: "opportunity.cancel"})
	case o.Open(t.now) && o.Full():
		opts = append(opts, Option{Payload: "s:" + id, Key: "opportunity.join_waitlist"})
	case o.Open(t.now):
		opts = append(opts, Option{Payload: "s:" + id, Key: "opportunity.signup"})
	}
	opts = append(opts, navBack(), navMenu())
	return Reply{Key: "opportunity.detail", Data: data, Options: opts}
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
		t.res.Signups = append(t.res.Signups, SignupChange{OpportunityID: o.ID, Status: SignupCancelled, ExpectRegistered: -1})
		t.say(Reply{Key: "signup.cancelled", Data: map[string]any{"Title": L(o.Title)}})
		t.goTo(stepMySignups, nil)
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
	if t.signupStatus(o.ID) == SignupWaitlisted {
		key = "signup.waitlisted"
	}
	return Reply{
		Key:  key,
		Data: map[string]any{"Title": L(o.Title), "Date": Date(o.StartsAt), "Name": t.res.Profile.Name},
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
			Data:    map[string]any{"Title": L(o.Title), "Status": T("signup.status." + status), "Date": Date(o.StartsAt)},
		})
	}
	if len(opts) == 0 {
		return Reply{Key: "my_signups.none", Options: []Option{{Payload: "op", Key: "menu.opportunities"}, navMenu()}}
	}
	opts = append(opts, navMenu())
	return Reply{Key: "my_signups.list", Data: map[string]any{"Count": len(opts) - 1}, Options: opts}
}

func (mySignupsStep) choose(t *turn, payload string) {
	if payload == "op" {
		t.goTo(stepOpportunities, nil)
		return
	}
	t.goTo(stepOpportunity, map[string]string{"id": strings.TrimPrefix(payload, "o:")})
}
