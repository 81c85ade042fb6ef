package store

import (
	"database/sql"
	"fmt"
	"github.com/tamkeen/tamkeen/reach"
	"github.com/tamkeen/tamkeen/vocab"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The inbound batch path: the inbox handles the messages that arrive
// together in one transaction, and reads and writes them with a few
// statements for the whole batch instead of a dozen for each message.

func (c *Contact) addressKeys() []string {
	var keys []string
	if c.TelegramChatID != nil {
		keys = append(keys, vocab.Address{TelegramChatID: *c.TelegramChatID}.Key())
	}
	if c.Phone != nil {
		keys = append(keys, vocab.Address{Phone: *c.Phone}.Key())
	}
	if c.WebSession != nil {
		keys = append(keys, vocab.Address{WebSession: *c.WebSession}.Key())
	}
	if c.ConsoleUser != nil {
		keys = append(keys, vocab.Address{ConsoleUser: *c.ConsoleUser}.Key())
	}
	if c.WhatsAppID != nil {
		keys = append(keys, vocab.Address{WhatsAppID: *c.WhatsAppID}.Key())
	}
	return keys
}

// ContactsByAddresses finds the contacts at addrs, creating those that do not
// exist yet (with the language of the same index in langs). The result is
// keyed by Address.Key. On PostgreSQL the rows stay locked until the
// transaction ends, as with ContactByAddress.
func (tx *Tx) ContactsByAddresses(addrs []vocab.Address, langs []string) (map[string]*Contact, error) {
	out := make(map[string]*Contact, len(addrs))
	if err := tx.findContacts(addrs, out); err != nil {
		return nil, err
	}
	if err := tx.joinWhatsApp(addrs, langs, out); err != nil {
		return nil, err
	}
	var missing []*Contact
	seen := map[string]bool{}
	for i, a := range addrs {
		k := a.Key()
		if out[k] != nil || seen[k] {
			continue
		}
		if _, _, err := addressWhere(a); err != nil {
			return nil, err
		}
		seen[k] = true
		c := &Contact{Language: langs[i]}
		switch {
		case a.TelegramChatID != 0:
			id := a.TelegramChatID
			c.TelegramChatID = &id
		case a.WhatsAppID != "":
			id := a.WhatsAppID
			c.WhatsAppID = &id
			if p := a.Phone; p != "" && out[vocab.Address{Phone: p}.Key()] == nil {
				c.Phone = &p // else the number is another WhatsApp account's (see joinWhatsApp)
			}
		case a.Phone != "":
			p := a.Phone
			c.Phone = &p
		case a.WebSession != "":
			w := a.WebSession
			c.WebSession = &w
		default:
			u := a.ConsoleUser
			c.ConsoleUser = &u
		}
		missing = append(missing, c)
	}
	if len(missing) == 0 {
		return out, nil
	}
	// Another process may create some of them at the same moment: insert
	// what is not there, then read back what another inserted first.
	if err := tx.createContacts(missing, out); err != nil {
		return nil, err
	}
	var again []vocab.Address
	for _, a := range addrs {
		if out[a.Key()] == nil {
			again = append(again, a)
		}
	}
	if len(again) > 0 {
		if err := tx.findContacts(again, out); err != nil {
			return nil, err
		}
	}
	for _, a := range addrs {
		if out[a.Key()] == nil {
			return nil, fmt.Errorf("store: contact at %s vanished while it was created", a.Key()[:1])
		}
	}
	return out, nil
}

const contactColumns = `id, telegram_chat_id, phone, console_user, web_session, language, name, governorate, track,
	consent_at, opted_out_at, telegram_blocked, sms_unreachable, whatsapp_id, whatsapp_last_inbound_at,
	whatsapp_unreachable, whatsapp_failures, whatsapp_window_closed_at, erased_at, import_source, imported_at, import_created,
	consent_declined_at, created_at, updated_at`

// createContacts inserts contacts in one statement and adds those it created
// to out (one that exists already is left out).
func (tx *Tx) createContacts(list []*Contact, out map[string]*Contact) error {
	now := tx.store.now()
	args := make([]any, 0, 8*len(list))
	for _, c := range list {
		args = append(args, c.TelegramChatID, c.Phone, c.ConsoleUser, c.WebSession, c.WhatsAppID, c.Language, now, now)
	}
	q := "INSERT INTO contacts (telegram_chat_id, phone, console_user, web_session, whatsapp_id, language, created_at, updated_at) VALUES " +
		valueRows(len(list), 8) + " ON CONFLICT DO NOTHING RETURNING " + contactColumns
	rows, err := tx.db.Raw(q, args...).Rows()
	if err != nil {
		return fmt.Errorf("store: create contacts: %w", err)
	}
	created, err := scanContacts(rows)
	if err != nil {
		return fmt.Errorf("store: create contacts: %w", err)
	}
	for _, c := range created {
		c.created = true
		for _, k := range c.addressKeys() {
			out[k] = c
		}
	}
	return nil
}

// DropNewContacts deletes contacts this transaction created and nothing
// refers to yet: the inbox does so when every message from a new address
// turns out to be a duplicate of one already handled (a repeated provider
// id from another sender), so that no empty person is left behind. Ids of
// contacts not created in this transaction are refused.
func (tx *Tx) DropNewContacts(list []*Contact) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		if !c.New() {
			return fmt.Errorf("store: drop contact %d: it was not created by this transaction", c.ID)
		}
		ids[i] = c.ID
	}
	// Their name words and fields first: nothing in the database ties them
	// to the contact (see step 40).
	for _, q := range []string{"DELETE FROM contact_name_words WHERE contact_id IN ?", "DELETE FROM contact_fields WHERE contact_id IN ?",
		"DELETE FROM contacts WHERE id IN ?"} {
		if err := tx.db.Exec(q, ids).Error; err != nil {
			return fmt.Errorf("store: drop new contacts: %w", err)
		}
	}
	return nil
}

// findContacts adds the contacts at addrs to out, keyed by address.
func (tx *Tx) findContacts(addrs []vocab.Address, out map[string]*Contact) error {
	var chats []int64
	var phones, sessions, users, whatsapps []string
	for _, a := range addrs {
		switch {
		case a.TelegramChatID != 0:
			chats = append(chats, a.TelegramChatID)
		case a.WhatsAppID != "":
			whatsapps = append(whatsapps, a.WhatsAppID)
			if a.Phone != "" {
				phones = append(phones, a.Phone)
			}
		case a.Phone != "":
			phones = append(phones, a.Phone)
		case a.WebSession != "":
			sessions = append(sessions, a.WebSession)
		case a.ConsoleUser != "":
			users = append(users, a.ConsoleUser)
		}
	}
	var conds []string
	var args []any
	if len(chats) > 0 {
		conds, args = append(conds, "telegram_chat_id IN ?"), append(args, chats)
	}
	if len(phones) > 0 {
		conds, args = append(conds, "phone IN ?"), append(args, phones)
	}
	if len(sessions) > 0 {
		conds, args = append(conds, "web_session IN ?"), append(args, sessions)
	}
	if len(users) > 0 {
		conds, args = append(conds, "console_user IN ?"), append(args, users)
	}
	if len(whatsapps) > 0 {
		conds, args = append(conds, "whatsapp_id IN ?"), append(args, whatsapps)
	}
	if len(conds) == 0 {
		return nil
	}
	query := "SELECT " + contactColumns + " FROM contacts WHERE " + strings.Join(conds, " OR ") + " ORDER BY id"
	if tx.store.dialect == "postgres" {
		query += " FOR UPDATE"
	}
	rows, err := tx.db.Raw(query, args...).Rows()
	if err != nil {
		return fmt.Errorf("store: find contacts: %w", err)
	}
	list, err := scanContacts(rows)
	if err != nil {
		return fmt.Errorf("store: find contacts: %w", err)
	}
	for _, c := range list {
		for _, k := range c.addressKeys() {
			out[k] = c
		}
	}
	return nil
}

// scanContacts reads rows of contactColumns and closes them.
func scanContacts(rows *sql.Rows) ([]*Contact, error) {
	defer rows.Close()
	var list []*Contact
	for rows.Next() {
		c := &Contact{}
		if err := rows.Scan(&c.ID, &c.TelegramChatID, &c.Phone, &c.ConsoleUser, &c.WebSession, &c.Language, &c.Name, &c.Governorate,
			&c.Track, &c.ConsentAt, &c.OptedOutAt, &c.TelegramBlocked, &c.SMSUnreachable, &c.WhatsAppID,
			&c.WhatsAppLastInboundAt, &c.WhatsAppUnreachable, &c.WhatsAppFailures, &c.WhatsAppWindowClosedAt, &c.ErasedAt,
			&c.ImportSource, &c.ImportedAt, &c.ImportCreated, &c.ConsentDeclinedAt,
			&c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// InboundClaim is one provider message id to record, with what the person
// sent (Kind, and Text cut to MaxInboundText characters).
type InboundClaim struct {
	Channel    string
	ExternalID string
	ContactID  int64
	Kind       string
	Text       string
}

// ClaimInbounds records provider message ids in one statement; fresh[i]
// is false when claims[i] was handled before (or appears earlier in claims).
func (tx *Tx) ClaimInbounds(claims []InboundClaim) (fresh []bool, err error) {
	fresh = make([]bool, len(claims))
	if len(claims) == 0 {
		return fresh, nil
	}
	now := tx.store.now()
	args := make([]any, 0, 6*len(claims))
	for _, c := range claims {
		var text *string
		if c.Text != "" {
			t := cutRunes(c.Text, MaxInboundText)
			text = &t
		}
		args = append(args, c.Channel, c.ExternalID, c.ContactID, now, c.Kind, text)
	}
	// The texts go in with the ids that claim them: storing what people
	// write costs the batch no statement of its own.
	q := "INSERT INTO inbound_messages (channel, external_id, contact_id, received_at, kind, text) VALUES " +
		valueRows(len(claims), 6) + " ON CONFLICT (channel, external_id) DO NOTHING RETURNING channel, external_id"
	rows, err := tx.db.Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: record inbound: %w", err)
	}
	defer rows.Close()
	claimed := map[[2]string]bool{}
	for rows.Next() {
		var ch, id string
		if err := rows.Scan(&ch, &id); err != nil {
			return nil, fmt.Errorf("store: record inbound: %w", err)
		}
		claimed[[2]string{ch, id}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: record inbound: %w", err)
	}
	for i, c := range claims {
		k := [2]string{c.Channel, c.ExternalID}
		fresh[i] = claimed[k]
		delete(claimed, k) // a second claim of the same id in one batch is a duplicate
	}
	return fresh, nil
}

// States returns the saved conversation states of contacts (missing: none
// saved), each saying whether a conversation with staff is open (read in
// the same statement, through the index of open conversations: someone
// with an open one has a saved state, since asking for staff saved one).
func (tx *Tx) States(contactIDs []int64) (map[int64]SavedState, error) {
	out := make(map[int64]SavedState, len(contactIDs))
	if len(contactIDs) == 0 {
		return out, nil
	}
	rows, err := tx.db.Raw(`SELECT s.contact_id, s.step, s.data,
		EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = s.contact_id AND v.status = 'open')
		FROM conversation_states s WHERE s.contact_id IN ?`, contactIDs).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: load states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st SavedState
		if err := rows.Scan(&id, &st.Step, &st.Data, &st.Staff); err != nil {
			return nil, fmt.Errorf("store: load states: %w", err)
		}
		out[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load states: %w", err)
	}
	return out, nil
}

// SaveStates replaces the conversation states of several contacts, step
// and data together, in contact order (the order every batch locks them in),
// with one statement per 500.
func (tx *Tx) SaveStates(states map[int64]SavedState) error {
	ids := slices.Sorted(maps.Keys(states))
	now := tx.store.now()
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, 0, 4*len(chunk))
		for _, id := range chunk {
			args = append(args, id, states[id].Step, states[id].Data, now)
		}
		err := tx.db.Exec(`INSERT INTO conversation_states (contact_id, step, data, updated_at) VALUES `+valueRows(len(chunk), 4)+
			` ON CONFLICT (contact_id) DO UPDATE SET step = excluded.step, data = excluded.data, updated_at = excluded.updated_at`, args...).Error
		if err != nil {
			return fmt.Errorf("store: save states: %w", err)
		}
	}
	return nil
}

// SignupsOf returns the sign-ups of contacts, oldest first, with each
// waitlisted one's place on its list.
func (tx *Tx) SignupsOf(contactIDs []int64) (map[int64][]Signup, error) {
	out := map[int64][]Signup{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	rows, err := tx.db.Raw(`SELECT id, contact_id, opportunity_id, status, created_at, updated_at
		FROM signups WHERE contact_id IN ? ORDER BY id`, contactIDs).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: load sign-ups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var su Signup
		if err := rows.Scan(&su.ID, &su.ContactID, &su.OpportunityID, &su.Status, &su.CreatedAt, &su.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: load sign-ups: %w", err)
		}
		out[su.ContactID] = append(out[su.ContactID], su)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load sign-ups: %w", err)
	}
	for _, list := range out {
		if err := tx.setPositions(list); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RecentOrdersOf returns up to limit latest orders of each contact, as RecentOrders does for one.
func (tx *Tx) RecentOrdersOf(contactIDs []int64, limit int) (map[int64][]Order, error) {
	out := map[int64][]Order{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	var list []Order
	err := tx.db.Raw(`SELECT id, order_ref, contact_id, status, status_at, items, total, currency, customer_area,
		notice_id, created_at, updated_at FROM (
			SELECT orders.*, ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY status_at DESC, id DESC) AS rn
			FROM orders WHERE contact_id IN ?) recent
		WHERE rn <= ? ORDER BY contact_id, rn`, contactIDs, limit).Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("store: recent orders: %w", err)
	}
	for _, o := range list {
		out[o.ContactID] = append(out[o.ContactID], o)
	}
	return out, nil
}

// OpenOpportunities lists the opportunities people may still sign up for at
// now, with their registered counts, soonest first: what every
// conversation in a batch reads alike. The opportunities themselves come
// from a small cache, checked against the table with one cheap query
// (count, last id, last update: a row added, removed or saved through the
// models changes it); the counts are always read.
func (tx *Tx) OpenOpportunities(now time.Time) ([]OpportunityView, error) {
	var n, lastID int64
	var lastUpdate any
	if err := tx.db.Raw("SELECT COUNT(*), COALESCE(MAX(id), 0), MAX(updated_at) FROM opportunities").Row().
		Scan(&n, &lastID, &lastUpdate); err != nil {
		return nil, fmt.Errorf("store: check opportunities: %w", err)
	}
	key := fmt.Sprint(n, "/", lastID, "/", lastUpdate)
	c := &tx.store.opportunities
	c.mu.Lock()
	opps, hit := c.opps, c.key == key && !c.readAt.After(now)
	c.mu.Unlock()
	if !hit {
		opps = nil
		if err := tx.db.Where("(signup_deadline IS NULL AND starts_at > ?) OR signup_deadline > ?", now, now).
			Order("starts_at, id").Find(&opps).Error; err != nil {
			return nil, fmt.Errorf("store: load opportunities: %w", err)
		}
		c.mu.Lock()
		c.key, c.opps, c.readAt = key, opps, now
		c.mu.Unlock()
	}
	open := make([]Opportunity, 0, len(opps))
	for _, o := range opps {
		if (o.SignupDeadline == nil && o.StartsAt.After(now)) || (o.SignupDeadline != nil && o.SignupDeadline.After(now)) {
			open = append(open, o)
		}
	}
	return tx.views(open)
}

// opportunityCache holds the opportunities open when last read (see OpenOpportunities).
type opportunityCache struct {
	mu     sync.Mutex
	key    string
	readAt time.Time
	opps   []Opportunity // shared: read only
}

// OpportunitiesByID loads opportunities with their registered counts (the
// closed ones a person signed up for), soonest first.
func (tx *Tx) OpportunitiesByID(ids []int64) ([]OpportunityView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var opps []Opportunity
	if err := tx.db.Where("id IN ?", ids).Order("starts_at, id").Find(&opps).Error; err != nil {
		return nil, fmt.Errorf("store: load opportunities: %w", err)
	}
	return tx.views(opps)
}

// EnqueueReplies adds reply messages to the outbox like Enqueue (a message
// whose dedupe key is there already is left out), with one statement per 500
// rows and without reading their ids back. It returns how many it added.
func (tx *Tx) EnqueueReplies(msgs []*OutboxMessage) (int, error) {
	now := tx.store.now()
	added := 0
	for chunk := range slices.Chunk(msgs, 500) {
		args := make([]any, 0, 15*len(chunk))
		for _, m := range chunk {
			if m.Status == "" {
				m.Status = OutboxPending
			}
			if m.NextAttemptAt.IsZero() {
				m.NextAttemptAt = now
			}
			if m.Kind == "" {
				m.Kind = string(reach.KindOfKey(m.DedupeKey))
			}
			args = append(args, m.ContactID, m.Channel, m.Recipient, m.Language, m.Priority, m.Payload, m.Body, m.Always,
				m.Status, m.NextAttemptAt, m.DedupeKey, m.BroadcastID, now, now, m.Kind)
		}
		q := `INSERT INTO outbox (contact_id, channel, recipient, language, priority, payload, body, always,
			status, next_attempt_at, dedupe_key, broadcast_id, created_at, updated_at, kind) VALUES ` +
			valueRows(len(chunk), 15) + " ON CONFLICT DO NOTHING"
		res := tx.db.Exec(q, args...)
		if res.Error != nil {
			return added, fmt.Errorf("store: enqueue: %w", res.Error)
		}
		added += int(res.RowsAffected)
	}
	return added, nil
}

// cutRunes keeps at most n characters of s, never cutting one in half.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// valueRows is the VALUES list of a multi-row insert: rows groups of cols
// placeholders, "(?, ?), (?, ?)".
func valueRows(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}
