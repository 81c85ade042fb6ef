package webconsole

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/staffinput"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// broadcastChannels are the channels a broadcast may go on.
func broadcastChannels() []string { return []string{vocab.Telegram, vocab.WhatsApp, vocab.SMS} }

// broadcastForm is the compose form as typed, with what is wrong with it.
type broadcastForm struct {
	TextAR, TextEN string
	Everyone       bool
	Governorates   []string
	Languages      []string
	Tracks         []string
	Reach          []string // audience: people with an address on any of these channels
	Channels       []string // channels the broadcast may use
	SendAt         string   // datetime-local in TAMKEEN_TIMEZONE, "" for now
	Opportunity    string   // id of the opportunity whose registrants it goes to, "" for none
	// Field and FieldValues choose people by a field (program: Takaful,
	// Karama); Source by the list an import brought them from.
	Field, FieldValues, Source string
	Problems                   []string // catalog keys
}

// choices are the values the forms offer.
type choices struct {
	Governorates, Languages, Tracks, Channels, Kinds []string
}

func (c *Console) choices() choices {
	return choices{
		Governorates: c.bundle.Content.Governorates, Languages: c.bundle.Languages(),
		Tracks: c.bundle.Content.Tracks, Channels: broadcastChannels(), Kinds: staffinput.Kinds(),
	}
}

func (c *Console) listBroadcasts(w http.ResponseWriter, rq *request) error {
	list, err := c.broadcasts.List(rq.Context(), 0, 100)
	if err != nil {
		return err
	}
	c.render(w, rq, http.StatusOK, "broadcasts", "broadcasts", list)
	return nil
}

// newBroadcast is the composer; ?opportunity= starts it aimed at that
// opportunity's registrants.
func (c *Console) newBroadcast(w http.ResponseWriter, rq *request) error {
	f := broadcastForm{Everyone: true, Channels: c.configuredChannels()}
	if id, err := strconv.ParseInt(rq.URL.Query().Get("opportunity"), 10, 64); err == nil && id > 0 {
		f.Everyone, f.Opportunity = false, strconv.FormatInt(id, 10)
	}
	return c.composer(w, rq, http.StatusOK, f)
}

// composer renders the compose form with its preview.
func (c *Console) composer(w http.ResponseWriter, rq *request, code int, f broadcastForm) error {
	b := c.broadcastOf(&f)
	p, err := c.buildPreview(rq.Context(), rq.lang, b)
	if err != nil {
		return err
	}
	opps, err := c.store.Opportunities(rq.Context())
	if err != nil {
		return err
	}
	lists, err := c.audienceLists(rq.Context())
	if err != nil {
		return err
	}
	c.render(w, rq, code, "broadcast_form", "broadcasts", map[string]any{"Form": f, "Choices": c.choices(), "Preview": p, "Opportunities": opps, "Lists": lists})
	return nil
}

// readBroadcastForm reads the compose form as typed.
func readBroadcastForm(rq *request) broadcastForm {
	return broadcastForm{
		TextAR: rq.PostFormValue("text_ar"), TextEN: rq.PostFormValue("text_en"),
		Everyone:     rq.PostFormValue("audience") != "filtered",
		Governorates: rq.PostForm["governorate"], Languages: rq.PostForm["language"], Tracks: rq.PostForm["track"],
		Reach: rq.PostForm["reach"], Channels: rq.PostForm["channel"], SendAt: strings.TrimSpace(rq.PostFormValue("send_at")),
		Opportunity: strings.TrimSpace(rq.PostFormValue("opportunity")),
		Field:       strings.TrimSpace(rq.PostFormValue("field")), FieldValues: rq.PostFormValue("field_values"),
		Source: strings.TrimSpace(rq.PostFormValue("source")),
	}
}

func (c *Console) createBroadcast(w http.ResponseWriter, rq *request) error {
	f := readBroadcastForm(rq)
	b := c.validBroadcast(&f)
	if len(f.Problems) == 0 && len(b.Channels) > 0 && !slices.ContainsFunc(b.Channels, func(ch string) bool { return slices.Contains(c.cfg.Channels, ch) }) {
		// Nothing could be sent: say so now rather than report "done" with 0 sent.
		f.Problems = append(f.Problems, "console.problem.no_channel_configured")
	}
	if len(f.Problems) > 0 {
		return c.composer(w, rq, http.StatusUnprocessableEntity, f)
	}
	if !isConfirmed(rq) {
		return c.confirmBroadcast(w, rq, b) // people and cost first
	}
	b.CreatedBy = "console:" + rq.sess.actor()
	rep, err := c.broadcasts.Create(rq.Context(), b)
	if err != nil {
		return err
	}
	return seeOther(w, rq, "/console/broadcasts/"+strconv.FormatInt(rep.ID, 10))
}

// validBroadcast checks the form, noting each problem, and returns the broadcast it describes.
func (c *Console) validBroadcast(f *broadcastForm) *store.Broadcast {
	b := c.broadcastOf(f)
	f.Problems = append(f.Problems, problemKeys(c.rules().Broadcast(b))...)
	if f.SendAt != "" && b.SendAt.IsZero() {
		f.Problems = append(f.Problems, "console.problem.bad_time")
	}
	if f.Opportunity != "" && b.Audience.OpportunityID <= 0 {
		f.Problems = append(f.Problems, "console.problem.unknown_choice")
	}
	if !f.Everyone && f.Field != "" && len(b.Audience.Fields) == 0 {
		f.Problems = append(f.Problems, "console.problem.field_values")
	}
	return b
}

// broadcastOf is the broadcast the form describes, checked or not.
func (c *Console) broadcastOf(f *broadcastForm) *store.Broadcast {
	texts := map[string]string{}
	for lang, text := range map[string]string{"ar": f.TextAR, "en": f.TextEN} {
		if strings.TrimSpace(text) != "" {
			texts[lang] = strings.ReplaceAll(text, "\r\n", "\n")
		}
	}
	au := store.Audience{All: f.Everyone}
	if !f.Everyone {
		au.Governorates, au.Languages, au.Tracks, au.Channels = f.Governorates, f.Languages, f.Tracks, f.Reach
	}
	if !f.Everyone && f.Opportunity != "" {
		au.OpportunityID, _ = strconv.ParseInt(f.Opportunity, 10, 64)
	}
	au.Fields, au.Sources = fieldAudience(f)
	b := &store.Broadcast{Texts: texts, Audience: au, Channels: f.Channels, CreatedBy: "web-console"}
	if f.SendAt != "" {
		if t, err := time.ParseInLocation(localInput, f.SendAt, c.cfg.Location); err == nil {
			b.SendAt = t
		}
	}
	return b
}

// rules are the checks shared with the staff API.
func (c *Console) rules() staffinput.Rules {
	ch := c.choices()
	return staffinput.Rules{Languages: ch.Languages, Governorates: ch.Governorates, Tracks: ch.Tracks}
}

// problemKeys names the rules' problems by the console's catalog keys, each once.
func problemKeys(ps []staffinput.Problem) []string {
	var keys []string
	for _, p := range ps {
		key := "console.problem.unknown_choice"
		switch {
		case p.Field == "texts.ar" && p.Code == staffinput.Required:
			key = "console.problem.text_ar_required"
		case p.Code == staffinput.TooLong:
			key = "console.problem.text_too_long"
		case p.Code == staffinput.Unsafe:
			key = "console.problem.unsafe_text"
		case p.Code == staffinput.NoFilter:
			key = "console.problem.audience_empty"
		case p.Field == "channels" && p.Code == staffinput.Required:
			key = "console.problem.channels_required"
		case p.Field == "kind":
			key = "console.problem.kind"
		case p.Field == "title.ar" && p.Code == staffinput.Required:
			key = "console.problem.title_ar_required"
		case p.Field == "capacity":
			key = "console.problem.capacity"
		case p.Code == staffinput.AfterStart:
			key = "console.problem.deadline_after_start"
		}
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}

func pathID(rq *request) (int64, error) {
	id, err := strconv.ParseInt(rq.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func (c *Console) showBroadcast(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	rep, err := c.broadcasts.Report(rq.Context(), id)
	if err != nil {
		return err
	}
	page := broadcastPage{Report: rep}
	if id := rep.Audience.OpportunityID; id != 0 {
		o, err := c.store.Opportunity(rq.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		page.Opportunity = o
	}
	for _, ch := range rep.Channels {
		if !slices.Contains(c.cfg.Channels, ch) {
			page.Unconfigured = append(page.Unconfigured, ch)
		}
	}
	if rep.Expected != nil { // not run yet: the people and cost per way, if it were sent now
		b := &store.Broadcast{Texts: rep.Texts, Audience: rep.Audience, Channels: rep.Channels}
		p, err := c.buildPreview(rq.Context(), rq.lang, b)
		if err != nil {
			return err
		}
		page.Ways, page.Template, page.Money = p.Ways, p.Template, p.Money
	} else if page.Went, err = c.store.BroadcastWays(rq.Context(), id); err != nil {
		return err
	}
	v := c.view(rq, "broadcasts", page)
	if rep.Status != "done" && rep.Status != store.BroadcastCancelled && rep.Status != store.BroadcastFailed {
		v.Refresh = 3 // live counts while it goes out
	}
	c.renderView(w, rq, http.StatusOK, "broadcast", v)
	return nil
}

func (c *Console) cancelBroadcast(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	if !isConfirmed(rq) {
		return c.confirmCancelBroadcast(w, rq, id)
	}
	if _, err := c.broadcasts.Cancel(rq.Context(), id); err != nil {
		return err
	}
	c.log.Info("console: broadcast cancelled", "broadcast", id)
	return seeOther(w, rq, "/console/broadcasts/"+strconv.FormatInt(id, 10))
}

// broadcastPage is a broadcast's report with the channels it cannot use
// here and the opportunity whose registrants it goes to (nil for none).
type broadcastPage struct {
	notifier.Report
	Unconfigured []string
	Opportunity  *store.OpportunityView
	// Before it runs: the people and cost per way (the composer's table).
	Ways     []wayRow
	Template string
	Money    string
	// Once it runs: its messages by the way they went (store.BroadcastWays).
	Went map[string]int
}

// Rows are the messages made for the broadcast so far, whatever became of them.
func (p broadcastPage) Rows() int {
	c := p.Counts
	return c.Queued + c.Sent + c.Failed + c.Cancelled
}

// Finished counts the rows that went out or were tried for good (sent or
// failed); cancelled ones never went, so a broadcast cancelled after 10 of
// 30 stays at a third.
func (p broadcastPage) Finished() int {
	c := p.Counts
	return c.Sent + c.Failed
}

// Skipped are the people left out, by reason: those its expansion skipped,
// or before it runs, those it would skip if it ran now.
func (p broadcastPage) Skipped() map[string]int {
	if p.Expected != nil {
		return p.Expected.Skipped
	}
	return p.Counts.Skipped
}

// Percent is how much of it went out, 0 to 100.
func (p broadcastPage) Percent() int {
	if p.Rows() == 0 {
		return 0
	}
	return p.Finished() * 100 / p.Rows()
}
