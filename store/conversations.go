package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tamkeen/tamkeen/vocab"
)

// Conversations with staff. A person asks for a caseworker (flows says so,
// the inbox opens a conversation); while it is open, what they write waits
// for staff; staff answer through the outbox, add notes no beneficiary
// sees, assign, close and reopen. Staff limited to governorates see and
// answer only the people of those governorates: to them the others do not
// exist (ErrNotFound).

// Conversation statuses.
const (
	ConversationOpen   = "open"
	ConversationClosed = "closed"
)

// What an entry of a conversation records.
const (
	EntryReply    = "reply"    // a staff answer, sent through the outbox
	EntryNote     = "note"     // an internal note no beneficiary sees
	EntryAssigned = "assigned" // Text: the account it went to ("" when unassigned)
	EntryClosed   = "closed"
	EntryReopened = "reopened"
)

// PriorityStaff is the outbox priority of a staff answer: in the replies'
// lane, after the bot's own replies to someone chatting.
const PriorityStaff = PriorityReply + 1

// MaxConversationText bounds a staff answer or note, in characters.
const MaxConversationText = 1000

// Errors of conversation changes.
var (
	ErrConversationClosed = errors.New("store: the conversation is closed")
	ErrConversationOpen   = errors.New("store: the person has an open conversation already")
	ErrUnreachable        = errors.New("store: the person cannot be reached on any channel")
)

// Conversation is one request of a person to talk to staff.
type Conversation struct {
	ID        int64
	ContactID int64
	Status    string
	Channel   string // where the person last wrote: answers go there
	// Governorate is the person's, kept with the conversation for the
	// inbox's lists by region (ConversationsMoved follows a change).
	Governorate string
	OpenedAt    time.Time
	// WaitingSince is when the oldest message no staff answered yet came
	// (the request itself at first); nil when nobody waits.
	WaitingSince  *time.Time
	LastInboundAt time.Time
	FirstAnswerAt *time.Time
	AssignedTo    *int64
	ClosedAt      *time.Time
	UpdatedAt     time.Time
}

// ConversationEntry is a staff answer, a note, or a change of a conversation.
type ConversationEntry struct {
	ID             int64
	ConversationID int64
	Kind           string
	Author         string
	Text           string
	OutboxID       *int64
	CreatedAt      time.Time
}

// CannedReply is a ready answer staff insert into the reply box, per language.
type CannedReply struct {
	ID        int64
	Title     string
	Texts     map[string]string `gorm:"serializer:json"`
	UpdatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Regions limit what a staff account sees: the governorates it serves
// (empty: every person).
type Regions []string

// ParseRegions reads "dhofar,muscat" (spaces and case ignored; "" for all).
func ParseRegions(s string) Regions {
	var out Regions
	for r := range strings.SplitSeq(s, ",") {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// String writes regions as stored: "dhofar,muscat".
func (r Regions) String() string { return strings.Join(r, ",") }

// Allows reports whether a person of governorate is within the regions.
func (r Regions) Allows(governorate string) bool {
	return len(r) == 0 || slices.Contains(r, governorate)
}

// The inbox's side: a turn asked for staff, or wrote to staff.

// OpenConversation opens a conversation for the person who asked for staff
// on channel, unless one is open already; either way they now wait.
func (tx *Tx) OpenConversation(contactID int64, channel string) error {
	now := tx.store.now()
	err := tx.db.Exec(`INSERT INTO conversations (contact_id, status, channel, governorate, opened_at, waiting_since, last_inbound_at, updated_at)
		SELECT ?, ?, ?, c.governorate, ?, ?, ?, ? FROM contacts c WHERE c.id = ? ON CONFLICT DO NOTHING`,
		contactID, ConversationOpen, channel, now, now, now, now, contactID).Error
	if err != nil {
		return fmt.Errorf("store: open conversation: %w", err)
	}
	return tx.ConversationInbound(contactID, channel)
}

// ConversationInbound records that the person wrote to staff on channel:
// they wait (since their oldest unanswered message), and answers go there.
func (tx *Tx) ConversationInbound(contactID int64, channel string) error {
	now := tx.store.now()
	err := tx.db.Exec(`UPDATE conversations SET waiting_since = COALESCE(waiting_since, ?), last_inbound_at = ?, channel = ?, updated_at = ?
		WHERE contact_id = ? AND status = ?`, now, now, channel, now, contactID, ConversationOpen).Error
	if err != nil {
		return fmt.Errorf("store: message for staff: %w", err)
	}
	return nil
}

// ConversationsMoved records that a person now lives in governorate.
func (tx *Tx) ConversationsMoved(contactID int64, governorate string) error {
	if err := tx.db.Exec("UPDATE conversations SET governorate = ? WHERE contact_id = ?", governorate, contactID).Error; err != nil {
		return fmt.Errorf("store: conversations of a person who moved: %w", err)
	}
	return nil
}

// ForgetTexts blanks what a person wrote (they withdrew their consent).
func (tx *Tx) ForgetTexts(contactID int64) error {
	if err := tx.db.Exec("UPDATE inbound_messages SET text = NULL WHERE contact_id = ? AND text IS NOT NULL", contactID).Error; err != nil {
		return fmt.Errorf("store: forget texts: %w", err)
	}
	return nil
}

// eraseConversations deletes a person's conversations with everything
// staff wrote in them (their erasure).
func (tx *Tx) eraseConversations(contactID int64) error {
	for _, q := range []string{
		"DELETE FROM conversation_entries WHERE conversation_id IN (SELECT id FROM conversations WHERE contact_id = ?)",
		"DELETE FROM conversations WHERE contact_id = ?",
	} {
		if err := tx.db.Exec(q, contactID).Error; err != nil {
			return fmt.Errorf("store: erase conversations: %w", err)
		}
	}
	return nil
}

// mergeConversations moves from's conversations to into; when both have
// one open, from's is closed first (the person has one).
func (tx *Tx) mergeConversations(from, into int64) error {
	now := tx.store.now()
	err := tx.db.Exec(`UPDATE conversations SET status = ?, closed_at = ?, waiting_since = NULL, updated_at = ?
		WHERE contact_id = ? AND status = ? AND EXISTS (SELECT 1 FROM conversations o WHERE o.contact_id = ? AND o.status = ?)`,
		ConversationClosed, now, now, from, ConversationOpen, into, ConversationOpen).Error
	if err == nil {
		err = tx.db.Exec(`UPDATE conversations SET contact_id = ?, governorate = (SELECT c.governorate FROM contacts c WHERE c.id = ?)
			WHERE contact_id = ?`, into, into, from).Error
	}
	if err != nil {
		return fmt.Errorf("move conversations: %w", err)
	}
	return nil
}

// The staff's side.

// ConversationFilter chooses conversations to list.
type ConversationFilter struct {
	Status      string  // open (default) or closed
	Regions     Regions // the reader's regions: others are not listed
	Governorate string  // only people of this governorate ("" for all)
	AssignedTo  int64   // only those assigned to this account (0: any)
	Unassigned  bool    // only those assigned to nobody
	After       int64   // the API's paging: ids above this, by id
	ByID        bool    // order by id (the API) instead of the inbox's order
	Limit       int
}

// ConversationRow is a conversation as a list shows it.
type ConversationRow struct {
	Conversation
	Name     string
	Language string
	Phone    *string
	Assignee string // the assigned account's name ("" for none)
}

// ListConversations lists conversations. Open ones come the longest
// waiting first, then those nobody waits on (newest activity first);
// closed ones the latest closed first; or, with ByID, by id after After.
func (s *Store) ListConversations(ctx context.Context, f ConversationFilter) ([]ConversationRow, error) {
	if f.Status == "" {
		f.Status = ConversationOpen
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	base := func() *gorm.DB {
		q := s.db.WithContext(ctx).Table("conversations v").
			Select(`v.*, c.name, c.language, c.phone, COALESCE(a.username, '') AS assignee`).
			Joins("JOIN contacts c ON c.id = v.contact_id").
			Joins("LEFT JOIN staff_accounts a ON a.id = v.assigned_to").
			Where("v.status = ?", f.Status)
		// By the governorate kept with the conversation: one index, not every person.
		if len(f.Regions) > 0 {
			q = q.Where("v.governorate IN ?", []string(f.Regions))
		}
		if f.Governorate != "" {
			q = q.Where("v.governorate = ?", f.Governorate)
		}
		if f.AssignedTo != 0 {
			q = q.Where("v.assigned_to = ?", f.AssignedTo)
		}
		if f.Unassigned {
			q = q.Where("v.assigned_to IS NULL")
		}
		return q
	}
	var out []ConversationRow
	switch {
	case f.ByID:
		err := base().Where("v.id > ?", f.After).Order("v.id").Limit(f.Limit).Scan(&out).Error
		return out, wrapList(err)
	case f.Status == ConversationClosed:
		err := base().Order("v.closed_at DESC, v.id DESC").Limit(f.Limit).Scan(&out).Error
		return out, wrapList(err)
	}
	// Two reads along the queue's index: those waiting, then the others.
	if err := base().Where("v.waiting_since IS NOT NULL").Order("v.waiting_since, v.id").Limit(f.Limit).Scan(&out).Error; err != nil {
		return nil, wrapList(err)
	}
	if rest := f.Limit - len(out); rest > 0 {
		var answered []ConversationRow
		if err := base().Where("v.waiting_since IS NULL").Order("v.updated_at DESC, v.id DESC").Limit(rest).Scan(&answered).Error; err != nil {
			return nil, wrapList(err)
		}
		out = append(out, answered...)
	}
	return out, nil
}

func wrapList(err error) error {
	if err != nil {
		return fmt.Errorf("store: list conversations: %w", err)
	}
	return nil
}

// CountOpenConversations counts the open conversations within regions,
// and those of them where someone waits for an answer.
func (s *Store) CountOpenConversations(ctx context.Context, regions Regions) (open, waiting int, err error) {
	q := s.db.WithContext(ctx).Table("conversations v").Where("v.status = ?", ConversationOpen)
	if len(regions) > 0 {
		q = q.Where("v.governorate IN ?", []string(regions))
	}
	var row struct{ Open, Waiting int }
	err = q.Select("COUNT(*) AS open, COUNT(v.waiting_since) AS waiting").Scan(&row).Error
	if err != nil {
		return 0, 0, fmt.Errorf("store: count conversations: %w", err)
	}
	return row.Open, row.Waiting, nil
}

// LatestConversation is the contact's latest conversation with staff.
func (s *Store) LatestConversation(ctx context.Context, contactID int64) (*Conversation, error) {
	var v Conversation
	if err := s.db.WithContext(ctx).Where("contact_id = ?", contactID).Order("id DESC").First(&v).Error; err != nil {
		return nil, fmt.Errorf("store: conversation of contact %d: %w", contactID, notFound(err))
	}
	return &v, nil
}

// ConversationView is one conversation with what its thread shows: the
// person, what they wrote and everything sent to them around it, and the
// staff's entries.
type ConversationView struct {
	ConversationRow
	Contact  Contact
	Inbound  []InboundMessage    // oldest first
	Outbound []OutboxMessage     // oldest first
	Entries  []ConversationEntry // oldest first
}

// threadBefore is how much of what came before the request a thread shows
// (the bot's turns that led to it).
const threadBefore = 24 * time.Hour

// threadMax bounds the messages of each side a thread shows (the latest).
const threadMax = 300

// ConversationThread loads a conversation and its thread, as a reader
// limited to regions may see it (else ErrNotFound).
func (s *Store) ConversationThread(ctx context.Context, id int64, regions Regions) (*ConversationView, error) {
	rows := []ConversationRow{}
	err := s.db.WithContext(ctx).Table("conversations v").
		Select(`v.*, c.name, c.language, c.phone, COALESCE(a.username, '') AS assignee`).
		Joins("JOIN contacts c ON c.id = v.contact_id").
		Joins("LEFT JOIN staff_accounts a ON a.id = v.assigned_to").
		Where("v.id = ?", id).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: conversation %d: %w", id, err)
	}
	if len(rows) != 1 || !regions.Allows(rows[0].Governorate) {
		return nil, fmt.Errorf("store: conversation %d: %w", id, ErrNotFound)
	}
	v := &ConversationView{ConversationRow: rows[0]}
	c, err := s.Contact(ctx, v.ContactID)
	if err != nil {
		return nil, err
	}
	v.Contact = *c
	from, to := v.OpenedAt.Add(-threadBefore), time.Now().AddDate(100, 0, 0)
	if v.ClosedAt != nil {
		to = v.ClosedAt.Add(time.Minute)
	}
	if v.Inbound, err = s.InboundOf(ctx, v.ContactID, from, to, threadMax); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Where("contact_id = ? AND created_at >= ? AND created_at < ?", v.ContactID, from, to).
		Order("created_at DESC, id DESC").Limit(threadMax).Find(&v.Outbound).Error; err != nil {
		return nil, fmt.Errorf("store: conversation %d messages: %w", id, err)
	}
	slices.Reverse(v.Outbound)
	if err := db.Where("conversation_id = ?", id).Order("id").Find(&v.Entries).Error; err != nil {
		return nil, fmt.Errorf("store: conversation %d entries: %w", id, err)
	}
	return v, nil
}

// Actor is who changes a conversation: a staff account (ID 0 for the
// admin token or the API) and the regions it is limited to.
type Actor struct {
	ID      int64
	Name    string
	Regions Regions
}

// changeConversation runs fn on conversation id and its person, in one
// transaction, when actor may see it (else ErrNotFound).
func (s *Store) changeConversation(ctx context.Context, id int64, actor Actor, fn func(tx *Tx, v *Conversation, c *Contact) error) error {
	err := s.InTx(ctx, func(tx *Tx) error {
		var v Conversation
		q := tx.db.Where("id = ?", id)
		if s.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.First(&v).Error; err != nil {
			return notFound(err)
		}
		var c Contact
		if err := tx.db.First(&c, v.ContactID).Error; err != nil {
			return notFound(err)
		}
		if !actor.Regions.Allows(c.Governorate) {
			return ErrNotFound
		}
		return fn(tx, &v, &c)
	})
	if err != nil {
		return fmt.Errorf("store: conversation %d: %w", id, err)
	}
	return nil
}

// addEntry records an entry of a conversation.
func (tx *Tx) addEntry(e *ConversationEntry) error {
	e.CreatedAt = tx.store.now()
	if err := tx.db.Create(e).Error; err != nil {
		return fmt.Errorf("store: conversation entry: %w", err)
	}
	return nil
}

// RecipientOn is how channel addresses the contact ("", false when the
// contact has no address there).
func (c *Contact) RecipientOn(channel string) (string, bool) {
	switch channel {
	case channelTelegram:
		if c.TelegramChatID != nil {
			return strconv.FormatInt(*c.TelegramChatID, 10), true
		}
	case channelSMS:
		if c.Phone != nil && *c.Phone != "" {
			return *c.Phone, true
		}
	case channelWhatsApp:
		return c.WhatsAppRecipient()
	case channelWeb:
		if c.WebSession != nil && *c.WebSession != "" {
			return *c.WebSession, true
		}
	case channelConsole:
		if c.ConsoleUser != nil && *c.ConsoleUser != "" {
			return *c.ConsoleUser, true
		}
	}
	return "", false
}

// sendTo queues a message of the conversation to its person: on the
// channel they last wrote on, else where notices go.
func (tx *Tx) sendTo(v *Conversation, c *Contact, body string, reply *vocab.Reply, key string) (int64, error) {
	channel := v.Channel
	recipient, ok := c.RecipientOn(channel)
	if reach, _ := c.Reachable(channel, false); !ok || !reach {
		if channel, recipient, ok = c.PreferredChannel(); !ok {
			return 0, ErrUnreachable
		}
	}
	m := &OutboxMessage{ContactID: c.ID, Channel: channel, Recipient: recipient, Language: c.Language,
		Priority: PriorityStaff, Body: body, DedupeKey: key}
	if reply != nil {
		payload, err := json.Marshal(reply)
		if err != nil {
			return 0, err
		}
		m.Payload = string(payload)
	}
	if _, err := tx.Enqueue(m); err != nil {
		return 0, err
	}
	return m.ID, nil
}

// ReplyToConversation sends a staff answer to the person through the
// outbox and records it: nobody waits any more, the first answer is dated,
// and an unassigned conversation goes to the one who answered.
func (s *Store) ReplyToConversation(ctx context.Context, id int64, actor Actor, text string) (*ConversationEntry, error) {
	var e *ConversationEntry
	err := s.changeConversation(ctx, id, actor, func(tx *Tx, v *Conversation, c *Contact) error {
		if v.Status != ConversationOpen {
			return ErrConversationClosed
		}
		e = &ConversationEntry{ConversationID: v.ID, Kind: EntryReply, Author: actor.Name, Text: text}
		if err := tx.addEntry(e); err != nil {
			return err
		}
		outboxID, err := tx.sendTo(v, c, text, nil, fmt.Sprintf("staff:%d:%d", v.ID, e.ID))
		if err != nil {
			return err
		}
		e.OutboxID = &outboxID
		now := tx.store.now()
		set := map[string]any{"waiting_since": nil, "updated_at": now}
		if v.FirstAnswerAt == nil {
			set["first_answer_at"] = now
		}
		if v.AssignedTo == nil && actor.ID != 0 {
			set["assigned_to"] = actor.ID
		}
		if err := tx.db.Model(&ConversationEntry{}).Where("id = ?", e.ID).Update("outbox_id", outboxID).Error; err != nil {
			return err
		}
		return tx.db.Model(&Conversation{}).Where("id = ?", v.ID).Updates(set).Error
	})
	return e, err
}

// NoteConversation adds an internal note (no beneficiary sees it).
func (s *Store) NoteConversation(ctx context.Context, id int64, actor Actor, text string) error {
	return s.changeConversation(ctx, id, actor, func(tx *Tx, v *Conversation, c *Contact) error {
		return tx.addEntry(&ConversationEntry{ConversationID: v.ID, Kind: EntryNote, Author: actor.Name, Text: text})
	})
}

// AssignConversation gives a conversation to an account (name "" for
// nobody). An account limited to regions may be given only its people's.
func (s *Store) AssignConversation(ctx context.Context, id int64, actor Actor, to string) error {
	return s.changeConversation(ctx, id, actor, func(tx *Tx, v *Conversation, c *Contact) error {
		var assignee any
		if to != "" {
			var a StaffAccount
			if err := tx.db.Where("username = ? AND disabled_at IS NULL", to).First(&a).Error; err != nil {
				return notFound(err)
			}
			if !ParseRegions(a.Regions).Allows(c.Governorate) {
				return fmt.Errorf("%w: %s does not serve %s", ErrNotFound, a.Username, c.Governorate)
			}
			assignee = a.ID
		}
		if err := tx.db.Model(&Conversation{}).Where("id = ?", v.ID).
			Updates(map[string]any{"assigned_to": assignee, "updated_at": tx.store.now()}).Error; err != nil {
			return err
		}
		return tx.addEntry(&ConversationEntry{ConversationID: v.ID, Kind: EntryAssigned, Author: actor.Name, Text: to})
	})
}

// CloseConversation closes a conversation and tells the person the bot is
// back (handoff.closed); closing a closed one changes nothing.
func (s *Store) CloseConversation(ctx context.Context, id int64, actor Actor) error {
	return s.changeConversation(ctx, id, actor, func(tx *Tx, v *Conversation, c *Contact) error {
		if v.Status == ConversationClosed {
			return nil
		}
		now := tx.store.now()
		if err := tx.db.Model(&Conversation{}).Where("id = ?", v.ID).Updates(map[string]any{
			"status": ConversationClosed, "closed_at": now, "waiting_since": nil, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		e := &ConversationEntry{ConversationID: v.ID, Kind: EntryClosed, Author: actor.Name}
		if err := tx.addEntry(e); err != nil {
			return err
		}
		_, err := tx.sendTo(v, c, "", &vocab.Reply{Key: "handoff.closed"}, fmt.Sprintf("staff:%d:%d", v.ID, e.ID))
		if errors.Is(err, ErrUnreachable) {
			return nil // nobody to tell: closed all the same
		}
		return err
	})
}

// ReopenConversation opens a closed conversation again (ErrConversationOpen
// when the person has another open one).
func (s *Store) ReopenConversation(ctx context.Context, id int64, actor Actor) error {
	return s.changeConversation(ctx, id, actor, func(tx *Tx, v *Conversation, c *Contact) error {
		if v.Status == ConversationOpen {
			return nil
		}
		var open int64
		if err := tx.db.Model(&Conversation{}).Where("contact_id = ? AND status = ?", v.ContactID, ConversationOpen).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return ErrConversationOpen
		}
		if err := tx.db.Model(&Conversation{}).Where("id = ?", v.ID).Updates(map[string]any{
			"status": ConversationOpen, "closed_at": nil, "updated_at": tx.store.now(),
		}).Error; err != nil {
			return err
		}
		return tx.addEntry(&ConversationEntry{ConversationID: v.ID, Kind: EntryReopened, Author: actor.Name})
	})
}

// FirstAnswer is when a conversation was opened and first answered.
type FirstAnswer struct {
	OpenedAt      time.Time
	FirstAnswerAt time.Time
}

// FirstAnswers lists the conversations opened since since that staff
// answered, for the numbers managers see.
func (s *Store) FirstAnswers(ctx context.Context, since time.Time) ([]FirstAnswer, error) {
	var out []FirstAnswer
	err := s.db.WithContext(ctx).Model(&Conversation{}).Select("opened_at, first_answer_at").
		Where("opened_at >= ? AND first_answer_at IS NOT NULL", since.UTC()).Order("id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: first answers: %w", err)
	}
	return out, nil
}

// Canned replies.

// CannedReplies lists the canned replies by title.
func (s *Store) CannedReplies(ctx context.Context) ([]CannedReply, error) {
	var out []CannedReply
	if err := s.db.WithContext(ctx).Order("title, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: canned replies: %w", err)
	}
	return out, nil
}

// SaveCannedReply adds (ID 0) or replaces a canned reply.
func (s *Store) SaveCannedReply(ctx context.Context, r *CannedReply) error {
	now := s.now()
	r.UpdatedAt = now
	db := s.db.WithContext(ctx)
	var err error
	if r.ID == 0 {
		r.CreatedAt = now
		err = db.Create(r).Error
	} else {
		res := db.Model(&CannedReply{}).Where("id = ?", r.ID).
			Updates(map[string]any{"title": r.Title, "texts": r.Texts, "updated_by": r.UpdatedBy, "updated_at": now})
		err = res.Error
		if err == nil && res.RowsAffected == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("store: save canned reply: %w", err)
	}
	return nil
}

// DeleteCannedReply removes a canned reply.
func (s *Store) DeleteCannedReply(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Delete(&CannedReply{}, id)
	if res.Error != nil {
		return fmt.Errorf("store: delete canned reply: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: canned reply %d: %w", id, ErrNotFound)
	}
	return nil
}
