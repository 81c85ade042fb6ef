package flows

import (
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/locales"
)

// maxStrengths bounds how many strengths the result names.
const maxStrengths = 4

func startAssessment(t *turn) {
	t.say(Reply{Key: "assessment.intro", Data: map[string]any{"Count": len(t.e.content.Questions)}})
	t.goTo(stepQuestion, map[string]string{"q": "0"})
	t.res.State.Answers = map[string]string{}
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
	result := score(t.e.content, t.res.State.Answers)
	t.res.Assessment = &result
	t.res.Profile.Track = result.Track
	t.goTo(stepResult, nil)
}

func (s questionStep) back(t *turn) (string, map[string]string) {
	if i := s.index(t); i > 0 {
		return stepQuestion, map[string]string{"q": strconv.Itoa(i - 1)}
	}
	return stepMenu, nil
}

// score adds up the answers into track scores, names the strengths found and
// picks the track with the highest score (ties go to the track listed first).
func score(c locales.Content, answers map[string]string) AssessmentResult {
	r := AssessmentResult{Answers: map[string]string{}, Scores: map[string]int{}}
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
	if t.res.Assessment == nil {
		key = "assessment.result_saved" // shown again later: the track without the strengths
	}
	return Reply{Key: key, Data: data, Options: []Option{
		{Payload: "op", Key: "assessment.see_opportunities"},
		{Payload: "as", Key: "assessment.retake"},
		navMenu(),
	}}
}

func (resultStep) choose(t *turn, payload string) {
	switch payload {
	case "op":
		t.goTo(stepOpportunities, nil)
	case "as":
		startAssessment(t)
	}
}
