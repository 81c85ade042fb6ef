package webconsole

import (
	"net/http"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// contactsShown bounds the search results on one page.
const contactsShown = 50

// contacts finds people by part of a name or of a phone number, in any form.
func (c *Console) contacts(w http.ResponseWriter, rq *request) error {
	q := strings.TrimSpace(rq.URL.Query().Get("q"))
	data := map[string]any{"Q": q}
	if len([]rune(q)) > 100 {
		data["TooLong"] = true
		c.render(w, rq, http.StatusUnprocessableEntity, "contacts", "contacts", data)
		return nil
	}
	if q != "" {
		e164, _ := phone.Normalize(q, c.cfg.Region)
		list, err := c.store.ListContacts(rq.Context(), store.ContactFilter{Search: q, SearchE164: e164, Limit: contactsShown + 1})
		if err != nil {
			return err
		}
		if len(list) > contactsShown {
			list, data["More"] = list[:contactsShown], true
		}
		data["Contacts"] = list
	}
	c.render(w, rq, http.StatusOK, "contacts", "contacts", data)
	return nil
}

// sentMessage is one message sent to a person, as its text.
type sentMessage struct {
	store.OutboxMessage
	Text string
	// Waiting: a WhatsApp message waiting for the person to write (their
	// window closed, no template for its kind, no SMS that reaches them).
	Waiting bool
}

// contact is one person's profile.
func (c *Console) contact(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	p, err := c.store.ContactProfile(rq.Context(), id)
	if err != nil {
		return err
	}
	msgs := make([]sentMessage, len(p.Messages))
	for i, m := range p.Messages {
		msgs[i] = sentMessage{OutboxMessage: m, Text: c.messageText(m), Waiting: m.Status == store.OutboxPending && strings.HasPrefix(m.Error, store.WaitingForWindowPrefix)}
	}
	wa := whatsAppFacts{}
	if _, ok := p.Contact.WhatsAppRecipient(); ok {
		wa.Known = true
		wa.Open, wa.Closes = reach.WhatsAppWindow(p.Contact.WhatsAppLastInboundAt, p.Contact.WhatsAppWindowClosedAt, c.clock.Now())
		if wa.Waiting, err = c.store.WaitingForWindow(rq.Context(), p.Contact.ID); err != nil {
			return err
		}
	}
	fields, err := c.store.ContactFields(rq.Context(), id)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "contact", "contacts", map[string]any{"P": p, "Messages": msgs, "WhatsApp": wa, "Fields": fields,
		"Saved": rq.URL.Query().Get("saved") == "1"})
	return nil
}

// whatsAppFacts is what the contact page says of a person on WhatsApp: the
// 24-hour window, and the messages waiting for it (no template, no SMS).
type whatsAppFacts struct {
	Known   bool
	Open    bool
	Closes  time.Time
	Waiting int
}

// messageText is what a sent message said: a broadcast's text, or a
// conversation reply rendered in the person's language.
func (c *Console) messageText(m store.OutboxMessage) string {
	if m.Body != "" || m.Payload == "" {
		return m.Body
	}
	reply, err := m.Reply()
	if err != nil {
		return ""
	}
	msg, err := c.renderer.Render(m.Language, *reply, m.Channel == vocab.SMS)
	if err != nil {
		return reply.Key
	}
	return msg.Text
}
