package webconsole

import (
	"net/http"
	"time"

	"github.com/tamkeen/tamkeen/handoff"
	"github.com/tamkeen/tamkeen/store"
)

// conversationNumbers are the dashboard's numbers of conversations with staff.
type conversationNumbers struct {
	Open, Waiting int
	Stats         handoff.Stats
	FirstAnswer   string // the median in words ("" when none was answered)
	WithinPercent int    // answered within office hours, in percent
}

func (c *Console) dashboard(w http.ResponseWriter, rq *request) error {
	d, err := c.store.Dashboard(rq.Context(), c.clock.Now().Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	n, err := c.conversationNumbers(rq)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "dashboard", "dashboard", struct {
		*store.Dashboard
		Conversations conversationNumbers
	}{d, n})
	return nil
}

// conversationNumbers counts open conversations (those the reader may see)
// and sums up the first answers of the last 30 days.
func (c *Console) conversationNumbers(rq *request) (conversationNumbers, error) {
	var n conversationNumbers
	var err error
	if n.Open, n.Waiting, err = c.store.CountOpenConversations(rq.Context(), rq.regions()); err != nil {
		return n, err
	}
	answers, err := c.store.FirstAnswers(rq.Context(), c.clock.Now().Add(-30*24*time.Hour))
	if err != nil {
		return n, err
	}
	n.Stats = handoff.Summarize(answers, c.cfg.OfficeHours, c.cfg.Location)
	if n.Stats.Answered > 0 {
		if n.FirstAnswer, err = c.waited(rq, n.Stats.MedianFirstAnswer); err != nil {
			return n, err
		}
		n.WithinPercent = int(n.Stats.Share()*100 + 0.5)
	}
	return n, nil
}
