package flows

import "strconv"

// Steps that ask before something hard to undo.
const (
	stepStopConfirm  = "stop.confirm"
	stepCancelSignup = "opportunity.cancel"
)

// stopConfirmStep asks, after an everyday word such as "cancel" where there
// was nothing to cancel, whether the person wants every message stopped.
// "No" (or "cancel" again) returns exactly where they were.
type stopConfirmStep struct{ noText }

func (stopConfirmStep) prompt(t *turn) Reply {
	return Reply{Key: "stop.confirm", Options: []Option{
		{Payload: "yes", Key: "stop.confirm_yes"},
		{Payload: "no", Key: "stop.confirm_no"},
	}}
}

func (stopConfirmStep) choose(t *turn, payload string) {
	if payload == "yes" {
		// START later resumes where the person was before the question.
		t.goReturnQuietly()
		t.stop()
		return
	}
	t.goReturn()
}

func (stopConfirmStep) cancel(t *turn) bool {
	t.goReturn()
	return true
}

func (stopConfirmStep) back(t *turn) (string, map[string]string) {
	step := t.res.State.Args["ret"]
	if _, ok := t.e.steps[step]; !ok || step == stepStopConfirm {
		return stepMenu, nil
	}
	return step, unprefixed(t.res.State.Args)
}

// goReturnQuietly restores the place kept by returnTo without showing it.
func (t *turn) goReturnQuietly() {
	step := t.res.State.Args["ret"]
	if _, ok := t.e.steps[step]; !ok || step == stepStopConfirm {
		step = stepMenu
	}
	t.res.State = State{Step: step, Args: unprefixed(t.res.State.Args), Answers: t.res.State.Answers}
}

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

// cancel: "cancel" when asked whether to cancel means yes.
func (s cancelSignupStep) cancel(t *turn) bool {
	s.choose(t, "yes")
	return true
}

func (cancelSignupStep) back(t *turn) (string, map[string]string) {
	return stepOpportunity, map[string]string{"id": t.res.State.Args["id"]}
}

func unprefixed(args map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range args {
		if len(k) > 4 && k[:4] == "ret." {
			out[k[4:]] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
