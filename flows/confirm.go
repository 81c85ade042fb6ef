package flows

import "strconv"

// stepCancelSignup asks before a sign-up is cancelled: that is hard to undo.
const stepCancelSignup = "opportunity.cancel"

// cancelSignupStep confirms cancelling a sign-up: a place given up may go
// at once to the next person waiting.
type cancelSignupStep struct{ noText }

func (cancelSignupStep) prompt(t *turn) Reply {
	o, ok := t.opportunity(argID(t))
	if !ok || !active(t.signupStatus(o.ID)) {
		return opportunityStep{}.prompt(t)
	}
	key := "signup.cancel_confirm"
	if t.signupStatus(o.ID) == SignupWaitlisted {
		key = "signup.cancel_confirm_waitlist"
	}
	data := map[string]any{"Title": L(o.Title)}
	if o.Waiting > 0 {
		data["Waiting"] = o.Waiting
	}
	return Reply{Key: key, Data: data, Options: []Option{
		{Payload: "yes", Key: "signup.cancel_yes"},
		{Payload: "no", Key: "signup.cancel_no"},
	}}
}

// accepts the buttons of the opportunity page shown instead when the
// sign-up is gone (cancelled elsewhere meanwhile).
func (cancelSignupStep) accepts(t *turn, payload string) bool {
	return opportunityStep{}.accepts(t, payload)
}

func (cancelSignupStep) choose(t *turn, payload string) {
	o, ok := t.opportunity(argID(t))
	if !ok {
		t.home()
		return
	}
	id := strconv.FormatInt(o.ID, 10)
	switch {
	case payload == "yes" && active(t.signupStatus(o.ID)):
		t.res.Signups = append(t.res.Signups, SignupChange{OpportunityID: o.ID, Status: SignupCancelled, ExpectRegistered: -1})
		t.say(Reply{Key: "signup.cancelled", Data: map[string]any{"Title": L(o.Title)}})
		t.goTo(stepMySignups, nil)
	case payload == "no":
		t.say(Reply{Key: "signup.kept", Data: map[string]any{"Title": L(o.Title)}})
		t.goTo(stepOpportunity, map[string]string{"id": id})
	default: // an old sign-up or cancel button, or nothing left to cancel
		t.res.State.Step = stepOpportunity
		opportunityStep{}.choose(t, payload)
	}
}

// cancel: "cancel" when asked whether to cancel means yes; when the
// sign-up is gone meanwhile, there is nothing left to cancel.
func (s cancelSignupStep) cancel(t *turn) bool {
	if o, ok := t.opportunity(argID(t)); !ok || !active(t.signupStatus(o.ID)) {
		return false
	}
	s.choose(t, "yes")
	return true
}

func (cancelSignupStep) back(t *turn) (string, map[string]string) {
	return stepOpportunity, map[string]string{"id": t.res.State.Args["id"]}
}
