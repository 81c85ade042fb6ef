package webconsole

import (
	"crypto/rand"
	"net/http"
)

// transcript is the simulated conversation; only the last message's options
// are live buttons.
type transcript struct {
	Messages []SimMessage
	Last     int
}

func (c *Console) simulator(w http.ResponseWriter, rq *request) error {
	msgs, err := c.sim.Conversation(rq.Context(), rq.sess.Sim)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "simulator", "simulator", transcript{msgs, len(msgs) - 1})
	return nil
}

// simulatorMessages is the conversation alone, for the page to poll.
func (c *Console) simulatorMessages(w http.ResponseWriter, rq *request) error {
	msgs, err := c.sim.Conversation(rq.Context(), rq.sess.Sim)
	if err != nil {
		return err
	}
	return c.renderPart(w, rq, "simulator", "transcript", transcript{msgs, len(msgs) - 1})
}

// simulatorSay hands what staff typed or tapped to the bot. The page's script
// posts with fetch and reads the conversation again; without a script the
// browser comes back to the page.
func (c *Console) simulatorSay(w http.ResponseWriter, rq *request) error {
	if err := c.sim.Say(rq.Context(), rq.sess.Sim, rq.PostFormValue("text"), rq.PostFormValue("payload")); err != nil {
		return err
	}
	if rq.Header.Get("X-Requested-With") == "fetch" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return seeOther(w, rq, "/console/simulator")
}

// simulatorReset forgets the simulated person and starts a new one.
func (c *Console) simulatorReset(w http.ResponseWriter, rq *request) error {
	if err := c.sim.Reset(rq.Context(), rq.sess.Sim); err != nil {
		return err
	}
	s := *rq.sess
	s.Sim = rand.Text()
	c.setSession(w, rq.Request, &s)
	return seeOther(w, rq, "/console/simulator")
}
