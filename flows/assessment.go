package flows

import (
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/locales"
)

// maxStrengths bounds how many strengths the result names.
const maxStrengths = 4

// startAssessment begins the skills check, or resumes it at the first
// question not yet answered when the person left it half way.
func startAssessment(t *turn) {
	qs := t.e.content.Questions
	if len(t.res.State.Answers) > 0 {
		for i, q := range qs {
			if _, done := t.res.State.Answers[q.ID]; !done {
				t.say(Reply{Key: "assessment.resumed", Data: map[string]any{"N": i + 1, "Total": len(qs)}})
				t.goTo(stepQuestion, map[string]string{"q": strconv.Itoa(i)})
				return
			}
		}
	}
	t.res.State.Answers = map[string]string{}
	t.say(Reply{Key: "assessment.intro", Data: map[string]any{"Count": len(qs)}})
	t.goTo(stepQuestion, map[string]string{"q": "0"})
}

// restartAssessment throws the answers away and begins again.
func restartAssessment(t *turn) {
	t.res.State.Answers = nil
	startAssessment(t)
}

// questionStep asks one assessment question.
type questionStep struct{ noText }

func (questionStep) index(t *turn) int {
	i, err := strconv.Atoi(t.res.State.Args["q"])
	if err != nil || i < 0 || i >= len(t.e.content.Questions) {
		return 0
	}
	return i
}

func (s questionStep) prompt(t *turn) Reply {
	i := s.index(t)
	q := t.e.content.Questions[i]
	opts := make([]Option, len(q.Options))
	for j, o := range q.Options {
		opts[j] = Option{Payload: "a:" + o.ID, Key: "question." + q.ID + ".option." + o.ID}
	}
	return Reply{
		Key:     "assessment.question",
		Data:    map[string]any{"N": i + 1, "Total": len(t.e.content.Questions), "Question": T("question." + q.ID + ".text")},
		Options: opts,
	}
}

func (s questionStep) choose(t *turn, payload string) {
	i := s.index(t)
	q := t.e.content.Questions[i]
	if t.res.State.Answers == nil {
		t.res.State.Answers = map[string]string{}
	}
	t.res.State.Answers[q.ID] = strings.TrimPrefix(payload, "a:")
	if i+1 < len(t.e.content.Questions) {
		t.res.State.Args = map[string]string{"q": strconv.Itoa(i + 1)}
		t.say(s.prompt(t))
		return
	}
	result := Score(t.e.content, t.res.State.Answers)
	t.res.Assessment = &result
	t.res.State.Answers = nil
	// The person's own goal leads; the result names the other fit beside it.
	t.res.Profile.Track = result.Track
	if goal := goalOf(t.e.content, result.Answers); goal != "" {
		t.res.Profile.Track = goal
	}
	t.goTo(stepResult, map[string]string{"fit": result.Track})
}

// goalOf is the track the person said she wants, "" when she is not sure.
func goalOf(c locales.Content, answers map[string]string) string {
	if c.GoalQuestion == "" {
		return ""
	}
	if a := answers[c.GoalQuestion]; c.HasTrack(a) {
		return a
	}
	return ""
}

// cancel while answering leaves the check; the answers wait for her return.
func (questionStep) cancel(t *turn) bool {
	t.home()
	return true
}

func (s questionStep) back(t *turn) (string, map[string]string) {
	if i := s.index(t); i > 0 {
		return stepQuestion, map[string]string{"q": strconv.Itoa(i - 1)}
	}
	return stepMenu, nil
}

// Score is what a finished skills check concludes from the answers: it adds
// them up into track scores, names the strengths found (none is an empty
// list, never nil) and picks the track with the highest score (ties go to
// the track listed first). It is pure, so every combination can be tried.
func Score(c locales.Content, answers map[string]string) AssessmentResult {
	// Strengths is never nil: a person with none (the one the programs are
	// for) has an empty list, and the result says every skill can be learned.
	r := AssessmentResult{Answers: map[string]string{}, Scores: map[string]int{}, Strengths: []string{}}
	seen := map[string]bool{}
	for _, q := range c.Questions {
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		r.Answers[q.ID] = a
		for _, o := range q.Options {
			if o.ID != a {
				continue
			}
			for track, n := range o.Scores {
				r.Scores[track] += n
			}
			for _, s := range o.Strengths {
				if !seen[s] && len(r.Strengths) < maxStrengths {
					seen[s] = true
					r.Strengths = append(r.Strengths, s)
				}
			}
		}
	}
	for _, track := range c.Tracks {
		if r.Track == "" || r.Scores[track] > r.Scores[r.Track] {
			r.Track = track
		}
	}
	return r
}

// resultStep shows the assessment's outcome.
type resultStep struct {
	noText
	backToMenu
}

func (resultStep) prompt(t *turn) Reply {
	track := t.res.Profile.Track
	fit := t.res.State.Args["fit"]
	var strengths []string
	if t.res.Assessment != nil {
		for _, s := range t.res.Assessment.Strengths {
			strengths = append(strengths, "strength."+s)
		}
	}
	data := map[string]any{"Track": T("track." + track), "Why": T("track." + track + ".why")}
	if len(strengths) > 0 {
		data["Strengths"] = List(strengths...)
	}
	key := "assessment.result"
	opts := []Option{{Payload: "op", Key: "assessment.see_opportunities"}}
	if fit != "" && fit != track && t.e.content.HasTrack(fit) {
		// She chose her goal; her answers point elsewhere too: say why and offer both.
		key = "assessment.result_goal"
		data["Fit"] = T("track." + fit)
		data["FitWhy"] = T("track." + fit + ".why")
		opts = []Option{
			{Payload: "op", Key: "assessment.see_track", Data: map[string]any{"Track": T("track." + track)}},
			{Payload: "op:" + fit, Key: "assessment.see_track", Data: map[string]any{"Track": T("track." + fit)}},
		}
	}
	if t.res.Assessment == nil {
		key += "_saved" // shown again later: without the strengths
	}
	opts = append(opts, Option{Payload: "as", Key: "assessment.retake"}, navMenu())
	return Reply{Key: key, Data: data, Options: opts}
}

func (resultStep) choose(t *turn, payload string) {
	switch {
	case payload == "op":
		t.goTo(stepOpportunities, nil)
	case strings.HasPrefix(payload, "op:"):
		t.goTo(stepOpportunities, map[string]string{"track": strings.TrimPrefix(payload, "op:")})
	case payload == "as":
		restartAssessment(t)
	}
}
