package webconsole

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/bot/sms"
	"github.com/tamkeen/tamkeen/bot/sms/segment"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/staffapi"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// The inbox: people who asked for a caseworker, the longest waiting first;
// each conversation's thread (what they wrote, what the bot and staff sent,
// the staff's notes); a reply box that shows the channel's limits; canned
// replies; assign, close, reopen. Staff and admins change, viewers read;
// an account limited to governorates sees only their people (others are
// "not found").

// mountInbox adds the inbox's routes: anyone signed in reads, staff and
// admins answer, note, assign, close and reopen, admins edit canned replies.
func (c *Console) mountInbox(m Mounter) {
	for _, r := range []struct {
		pattern, route, need string
		h                    handler
	}{
		{"GET /console/inbox", "console_inbox", store.RoleViewer, c.inbox},
		{"GET /console/inbox/canned", "console_inbox_canned", store.RoleViewer, c.cannedReplies},
		{"POST /console/inbox/canned", "console_inbox_canned_save", store.RoleAdmin, c.saveCannedReply},
		{"POST /console/inbox/canned/{id}/delete", "console_inbox_canned_delete", store.RoleAdmin, c.deleteCannedReply},
		{"GET /console/inbox/{id}", "console_inbox_conversation", store.RoleViewer, c.conversation},
		{"POST /console/inbox/{id}/preview", "console_inbox_preview", store.RoleStaff, c.previewReply},
		{"POST /console/inbox/{id}/reply", "console_inbox_reply", store.RoleStaff, c.replyConversation},
		{"POST /console/inbox/{id}/note", "console_inbox_note", store.RoleStaff, c.noteConversation},
		{"POST /console/inbox/{id}/assign", "console_inbox_assign", store.RoleStaff, c.assignConversation},
		{"POST /console/inbox/{id}/close", "console_inbox_close", store.RoleStaff, c.closeConversation},
		{"POST /console/inbox/{id}/reopen", "console_inbox_reopen", store.RoleStaff, c.reopenConversation},
	} {
		m.Handle(r.pattern, r.route, c.staff(r.route, r.need, r.h))
	}
}

// inboxShown bounds the conversations listed on one page.
const inboxShown = 50

// actor is who the request changes conversations as.
func (rq *request) actor() store.Actor {
	if rq.sess == nil {
		return store.Actor{}
	}
	return store.Actor{ID: rq.sess.Account, Name: rq.sess.actor(), Regions: rq.sess.Regions}
}

// regions are the governorates the reader may see (none: all).
func (rq *request) regions() store.Regions {
	if rq.sess == nil {
		return nil
	}
	return rq.sess.Regions
}

// inboxRow is a conversation as the list shows it.
type inboxRow struct {
	store.ConversationRow
	Waiting string // how long the person has waited, in words ("" when nobody waits)
}

// inbox lists conversations: open (the longest waiting first) or closed,
// mine or unassigned, of one governorate.
func (c *Console) inbox(w http.ResponseWriter, rq *request) error {
	q := rq.URL.Query()
	f := store.ConversationFilter{Status: store.ConversationOpen, Regions: rq.regions(), Limit: inboxShown + 1}
	if q.Get("status") == store.ConversationClosed {
		f.Status = store.ConversationClosed
	}
	switch q.Get("show") {
	case "mine":
		f.AssignedTo = rq.sess.Account
		if f.AssignedTo == 0 {
			f.AssignedTo = -1 // the admin token is assigned nothing
		}
	case "unassigned":
		f.Unassigned = true
	}
	govs := c.bundle.Content.Governorates
	if r := rq.regions(); len(r) > 0 {
		govs = r
	}
	if g := q.Get("governorate"); slices.Contains(govs, g) {
		f.Governorate = g
	}
	rows, err := c.store.ListConversations(rq.Context(), f)
	if err != nil {
		return err
	}
	open, waiting, err := c.store.CountOpenConversations(rq.Context(), rq.regions())
	if err != nil {
		return err
	}
	more := len(rows) > inboxShown
	if more {
		rows = rows[:inboxShown]
	}
	now := c.clock.Now()
	list := make([]inboxRow, len(rows))
	for i, r := range rows {
		list[i] = inboxRow{ConversationRow: r}
		if r.WaitingSince != nil {
			if list[i].Waiting, err = c.waited(rq, now.Sub(*r.WaitingSince)); err != nil {
				return err
			}
		}
	}
	c.render(w, rq, http.StatusOK, "inbox", "inbox", map[string]any{
		"Rows": list, "More": more, "Status": f.Status, "Show": q.Get("show"), "Governorate": f.Governorate,
		"Governorates": govs, "Open": open, "Waiting": waiting, "Regions": rq.regions(),
	})
	return nil
}

// waited says a wait in words, in the largest whole unit: minutes, hours or days.
func (c *Console) waited(rq *request, d time.Duration) (string, error) {
	switch {
	case d < time.Hour:
		return c.text(rq, "console.inbox.waited.minutes", "Count", int(d/time.Minute))
	case d < 48*time.Hour:
		return c.text(rq, "console.inbox.waited.hours", "Count", int(d/time.Hour))
	}
	return c.text(rq, "console.inbox.waited.days", "Count", int(d/(24*time.Hour)))
}

// threadItem is one line of a thread.
type threadItem struct {
	At      time.Time
	Side    string // "in" (the person), "bot", "staff", "notice", "note", "event"
	Kind    string // in: text, button, photo…; event: assigned, closed, reopened
	Channel string
	Text    string
	Gone    bool   // in: the words are not kept (no consent, erased, forgotten)
	Status  string // out: the outbox status (delivery as the provider reported it)
	Author  string
}

// channelLimits is what the reply box says of the channel the answer goes on.
type channelLimits struct {
	Channel       string
	Pages         []smsPage // SMS: the pages of the typed text
	Segments      int
	Money         string // SMS: the cost ("" when no price is set)
	WindowOpen    bool   // WhatsApp: free text may go
	WindowCloses  time.Time
	WindowUnknown bool // WhatsApp: the person never wrote there
	// Way is how an answer goes when the window is closed: "whatsapp_template"
	// (as Template), "sms", or "" (it waits until they write).
	Way      string
	Template string
}

// conversation shows one conversation's thread, reply box and actions;
// ?canned=N puts a canned reply, in the person's language, in the box.
func (c *Console) conversation(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	return c.showConversation(w, rq, id, http.StatusOK, "", "")
}

// showConversation renders the thread's page with code, a problem to show
// ("" for none) and the text to put back in the reply box.
func (c *Console) showConversation(w http.ResponseWriter, rq *request, id int64, code int, problem, draft string) error {
	v, err := c.store.ConversationThread(rq.Context(), id, rq.regions())
	if err != nil {
		return err
	}
	canned, err := c.store.CannedReplies(rq.Context())
	if err != nil {
		return err
	}
	if n, err := strconv.ParseInt(rq.URL.Query().Get("canned"), 10, 64); err == nil && draft == "" {
		for _, r := range canned {
			if r.ID == n {
				draft = pickText(r.Texts, v.Language)
			}
		}
	}
	limits, err := c.limits(rq, v, draft)
	if err != nil {
		return err
	}
	accounts, err := c.assignable(rq, v.Governorate)
	if err != nil {
		return err
	}
	c.render(w, rq, code, "conversation", "inbox", map[string]any{
		"V": v, "Items": c.thread(v), "Canned": canned, "Draft": draft, "Limits": limits, "Accounts": accounts,
		"Problem": problem,
	})
	return nil
}

// assignable are the enabled staff and admin accounts that serve people of governorate.
func (c *Console) assignable(rq *request, governorate string) ([]string, error) {
	all, err := c.store.StaffAccounts(rq.Context())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range all {
		if a.DisabledAt == nil && a.Role != store.RoleViewer && store.ParseRegions(a.Regions).Allows(governorate) {
			out = append(out, a.Username)
		}
	}
	return out, nil
}

// thread merges what the person wrote, what was sent to them and the
// staff's entries, in time order.
func (c *Console) thread(v *store.ConversationView) []threadItem {
	authors := map[int64]string{}
	var items []threadItem
	for _, e := range v.Entries {
		switch e.Kind {
		case store.EntryReply:
			if e.OutboxID != nil {
				authors[*e.OutboxID] = e.Author
			}
		case store.EntryNote:
			items = append(items, threadItem{At: e.CreatedAt, Side: "note", Text: e.Text, Author: e.Author})
		default:
			items = append(items, threadItem{At: e.CreatedAt, Side: "event", Kind: e.Kind, Text: e.Text, Author: e.Author})
		}
	}
	for _, m := range v.Inbound {
		it := threadItem{At: m.ReceivedAt, Side: "in", Kind: m.Kind, Channel: m.Channel}
		if m.Text != nil {
			it.Text = *m.Text
		} else {
			it.Gone = m.Kind == store.InboundText || m.Kind == store.InboundButton || m.Kind == store.InboundEdited
		}
		items = append(items, it)
	}
	for _, m := range v.Outbound {
		it := threadItem{At: m.CreatedAt, Side: "bot", Channel: m.Channel, Status: m.Status, Text: c.messageText(m)}
		switch author, ok := authors[m.ID]; {
		case ok:
			it.Side, it.Author = "staff", author
		case strings.HasPrefix(m.DedupeKey, "staff:"):
			it.Side = "staff" // the closing notice
		case m.Priority != store.PriorityReply:
			it.Side = "notice"
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b threadItem) int { return a.At.Compare(b.At) })
	return items
}

// limits is what the reply box says of the channel: SMS pages, segments
// and cost; WhatsApp's window.
func (c *Console) limits(rq *request, v *store.ConversationView, text string) (channelLimits, error) {
	l := channelLimits{Channel: v.Channel}
	switch v.Channel {
	case vocab.SMS:
		more, err := c.renderer.Text(v.Language, "sms.more", map[string]any{"N": sms.MoreDigit})
		if err != nil {
			more, _ = c.renderer.Text("ar", "sms.more", map[string]any{"N": sms.MoreDigit})
		}
		if text == "" {
			return l, nil
		}
		for _, page := range sms.Layout(bot.Message{Text: text}, more) {
			info := segment.Count(page)
			l.Pages = append(l.Pages, smsPage{Text: page, Segments: info.Segments, Units: info.Units, Unicode: info.Encoding == segment.UCS2})
		}
		if len(l.Pages) > 0 {
			l.Segments = l.Pages[0].Segments
		}
		if c.cfg.SMSPrice > 0 && l.Segments > 0 {
			cost := strconv.FormatFloat(float64(l.Segments)*c.cfg.SMSPrice, 'f', 3, 64)
			money, err := c.renderer.Text(rq.lang, "console.money", map[string]any{"Amount": vocab.Money(cost, c.cfg.SMSCurrency)})
			if err != nil {
				return l, err
			}
			l.Money = money
		}
	case vocab.WhatsApp:
		ct := v.Contact
		l.WindowUnknown = ct.WhatsAppLastInboundAt == nil
		l.WindowOpen, l.WindowCloses = reach.WhatsAppWindow(ct.WhatsAppLastInboundAt, ct.WhatsAppWindowClosedAt, c.clock.Now())
		if !l.WindowOpen {
			// What the dispatcher will do with the answer (reach.Choose).
			smsOK := ct.Phone != nil && *ct.Phone != "" && !ct.SMSUnreachable && slices.Contains(c.cfg.Channels, vocab.SMS)
			o := reach.Options{Channels: []string{vocab.WhatsApp, vocab.SMS}, Prices: reach.Prices{Template: c.cfg.TemplatePrice, SMSSegment: c.cfg.SMSPrice},
				Template: func(reach.Kind) bool { return c.cfg.StaffTemplate != "" }}
			p := reach.Person{WhatsApp: true, SMS: smsOK, LastInbound: ct.WhatsAppLastInboundAt, ClosedAt: ct.WhatsAppWindowClosedAt}
			if choice, ok := reach.Choose(p, reach.Staff, c.clock.Now(), o); ok {
				l.Way = string(choice.Way)
				l.Template = c.cfg.StaffTemplate
			}
		}
	}
	return l, nil
}

// previewReply shows the reply box's limits for the typed text: the
// fragment for the page's script.
func (c *Console) previewReply(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	v, err := c.store.ConversationThread(rq.Context(), id, rq.regions())
	if err != nil {
		return err
	}
	l, err := c.limits(rq, v, rq.PostFormValue("text"))
	if err != nil {
		return err
	}
	return c.renderPart(w, rq, "conversation", "reply_limits", l)
}

// conversationPath is a conversation's page.
func conversationPath(id int64) string { return "/console/inbox/" + strconv.FormatInt(id, 10) }

// replyConversation sends a staff answer through the outbox.
func (c *Console) replyConversation(w http.ResponseWriter, rq *request) error {
	return c.withText(w, rq, func(id int64, text string) error {
		_, err := c.store.ReplyToConversation(rq.Context(), id, rq.actor(), text)
		return err
	})
}

// noteConversation adds an internal note.
func (c *Console) noteConversation(w http.ResponseWriter, rq *request) error {
	return c.withText(w, rq, func(id int64, text string) error {
		return c.store.NoteConversation(rq.Context(), id, rq.actor(), text)
	})
}

// withText checks the posted text, runs fn, and goes back to the thread
// (with the problem and the text kept when it is refused).
func (c *Console) withText(w http.ResponseWriter, rq *request, fn func(id int64, text string) error) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	raw := rq.PostFormValue("text")
	text, err := staffapi.CheckReply(raw)
	if err != nil {
		return c.showConversation(w, rq, id, http.StatusUnprocessableEntity, "console.inbox.problem.text", raw)
	}
	switch err := fn(id, text); {
	case errors.Is(err, store.ErrConversationClosed):
		return c.showConversation(w, rq, id, http.StatusConflict, "console.inbox.problem.closed", raw)
	case errors.Is(err, store.ErrUnreachable):
		return c.showConversation(w, rq, id, http.StatusConflict, "console.inbox.problem.unreachable", raw)
	case err != nil:
		return err
	}
	if c.cfg.Notify != nil {
		c.cfg.Notify()
	}
	return seeOther(w, rq, conversationPath(id)+"?saved=1#reply")
}

// assignConversation gives the conversation to an account ("me", a name, or "" for nobody).
func (c *Console) assignConversation(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(rq.PostFormValue("to"))
	if to == "me" {
		to = rq.sess.User
	}
	if err := c.store.AssignConversation(rq.Context(), id, rq.actor(), to); err != nil {
		return err
	}
	return seeOther(w, rq, conversationPath(id)+"?saved=1")
}

// closeConversation closes it (after asking) and tells the person the bot is back.
func (c *Console) closeConversation(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	v, err := c.store.ConversationThread(rq.Context(), id, rq.regions())
	if err != nil {
		return err
	}
	if !isConfirmed(rq) {
		name := v.Name
		if name == "" {
			if name, err = c.text(rq, "console.contact.no_name"); err != nil {
				return err
			}
		}
		lines, err := c.texts(rq, []any{"console.confirm.close_conversation.question", "Name", isolate(name)},
			[]any{"console.confirm.close_conversation.effect"})
		if err != nil {
			return err
		}
		return c.askFirst(w, rq, "inbox", confirmation{Question: lines[0], Lines: lines[1:],
			Yes: "console.confirm.close_conversation.yes", Back: conversationPath(id)})
	}
	if err := c.store.CloseConversation(rq.Context(), id, rq.actor()); err != nil {
		return err
	}
	if c.cfg.Notify != nil {
		c.cfg.Notify()
	}
	return seeOther(w, rq, conversationPath(id)+"?saved=1")
}

// reopenConversation opens a closed conversation again.
func (c *Console) reopenConversation(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	err = c.store.ReopenConversation(rq.Context(), id, rq.actor())
	if errors.Is(err, store.ErrConversationOpen) {
		return &pageError{http.StatusConflict, "console.inbox.problem.other_open"}
	}
	if err != nil {
		return err
	}
	return seeOther(w, rq, conversationPath(id)+"?saved=1")
}

// cannedReplies lists the canned replies; admins edit them.
func (c *Console) cannedReplies(w http.ResponseWriter, rq *request) error {
	list, err := c.store.CannedReplies(rq.Context())
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "canned", "inbox", map[string]any{"List": list})
	return nil
}

// saveCannedReply adds (no id) or changes a canned reply: a title and the
// Arabic text are required, the English one is optional.
func (c *Console) saveCannedReply(w http.ResponseWriter, rq *request) error {
	r := &store.CannedReply{Title: strings.TrimSpace(rq.PostFormValue("title")), Texts: map[string]string{}, UpdatedBy: rq.sess.actor()}
	if v := rq.PostFormValue("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		r.ID = id
	}
	for _, l := range c.bundle.Languages() {
		if raw := rq.PostFormValue("text_" + l); strings.TrimSpace(raw) != "" {
			t, err := staffapi.CheckReply(raw)
			if err != nil {
				return &pageError{http.StatusUnprocessableEntity, "console.inbox.problem.text"}
			}
			r.Texts[l] = t
		}
	}
	if r.Title == "" || len([]rune(r.Title)) > 60 || r.Texts["ar"] == "" {
		return &pageError{http.StatusUnprocessableEntity, "console.inbox.problem.canned"}
	}
	if err := c.store.SaveCannedReply(rq.Context(), r); err != nil {
		return err
	}
	return seeOther(w, rq, "/console/inbox/canned?saved=1")
}

// deleteCannedReply removes a canned reply.
func (c *Console) deleteCannedReply(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	if err := c.store.DeleteCannedReply(rq.Context(), id); err != nil {
		return err
	}
	return seeOther(w, rq, "/console/inbox/canned?saved=1")
}
