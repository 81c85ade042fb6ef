package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// migration is one numbered schema step. Its SQL is written once for both
// databases; {{id}}, {{ts}} and {{bigint}} become each dialect's types.
// What only one database can say goes in only, keyed by dialect, and runs
// after sql in the same transaction; then the step's fill, if migrationFills
// has one, fills what SQL alone cannot (such as words folded as the bot
// folds them), in the same transaction too.
type migration struct {
	version int
	name    string
	sql     string
	only    map[string]string
}

// migrationFills are the Go parts of released steps, by version.
var migrationFills = map[int]func(tx *gorm.DB) error{
	24: fillNameWords,
}

// migrations are applied in order and never edited once released: add a step.
var migrations = []migration{
	{1, "initial schema", `
CREATE TABLE contacts (
	id {{id}},
	telegram_chat_id {{bigint}} UNIQUE,
	phone TEXT UNIQUE,
	console_user TEXT UNIQUE,
	language TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	governorate TEXT NOT NULL DEFAULT '',
	track TEXT NOT NULL DEFAULT '',
	consent_at {{ts}},
	opted_out_at {{ts}},
	telegram_blocked BOOLEAN NOT NULL DEFAULT FALSE,
	sms_unreachable BOOLEAN NOT NULL DEFAULT FALSE,
	erased_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX contacts_governorate ON contacts (governorate);

CREATE TABLE conversation_states (
	contact_id {{bigint}} PRIMARY KEY REFERENCES contacts (id),
	data TEXT NOT NULL,
	updated_at {{ts}} NOT NULL
);

CREATE TABLE assessments (
	id {{id}},
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	answers TEXT NOT NULL,
	scores TEXT NOT NULL,
	strengths TEXT NOT NULL,
	track TEXT NOT NULL,
	completed_at {{ts}} NOT NULL
);
CREATE INDEX assessments_contact ON assessments (contact_id);

CREATE TABLE opportunities (
	id {{id}},
	key TEXT UNIQUE,
	kind TEXT NOT NULL,
	track TEXT NOT NULL DEFAULT '',
	governorate TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	starts_at {{ts}} NOT NULL,
	signup_deadline {{ts}},
	capacity INTEGER NOT NULL DEFAULT 0,
	demo BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX opportunities_starts ON opportunities (starts_at);

CREATE TABLE signups (
	id {{id}},
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	opportunity_id {{bigint}} NOT NULL REFERENCES opportunities (id),
	status TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (contact_id, opportunity_id)
);
CREATE INDEX signups_opportunity_status ON signups (opportunity_id, status);

CREATE TABLE outbox (
	id {{id}},
	contact_id {{bigint}} NOT NULL,
	channel TEXT NOT NULL,
	recipient TEXT NOT NULL,
	language TEXT NOT NULL DEFAULT '',
	priority INTEGER NOT NULL,
	payload TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	always BOOLEAN NOT NULL DEFAULT FALSE,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{ts}} NOT NULL,
	lease_until {{ts}},
	provider_id TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	dedupe_key TEXT NOT NULL UNIQUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	sent_at {{ts}}
);
CREATE INDEX outbox_due ON outbox (status, priority, next_attempt_at, id);
CREATE INDEX outbox_contact ON outbox (contact_id, priority, status, id);
CREATE INDEX outbox_provider ON outbox (channel, provider_id);

CREATE TABLE inbound_messages (
	id {{id}},
	channel TEXT NOT NULL,
	external_id TEXT NOT NULL,
	contact_id {{bigint}} NOT NULL DEFAULT 0,
	received_at {{ts}} NOT NULL,
	UNIQUE (channel, external_id)
);
`, nil},
	{2, "broadcasts, and outbox lanes for the dispatcher", `
CREATE TABLE broadcasts (
	id {{id}},
	texts TEXT NOT NULL,
	audience TEXT NOT NULL,
	channels TEXT NOT NULL,
	send_at {{ts}} NOT NULL,
	status TEXT NOT NULL,
	expanded_to {{bigint}} NOT NULL DEFAULT 0,
	targeted INTEGER NOT NULL DEFAULT 0,
	skipped_opted_out INTEGER NOT NULL DEFAULT 0,
	skipped_no_consent INTEGER NOT NULL DEFAULT 0,
	skipped_unreachable INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	cancelled_at {{ts}}
);
CREATE INDEX broadcasts_due ON broadcasts (status, send_at);
ALTER TABLE outbox ADD COLUMN broadcast_id {{bigint}};
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status);
CREATE INDEX outbox_lane ON outbox (status, channel, priority, id);
CREATE INDEX outbox_lease ON outbox (status, lease_until);
`, nil},
	{4, "contacts merged into another (a Telegram chat that shared an SMS contact's number)", `
ALTER TABLE contacts ADD COLUMN merged_into {{bigint}};
`, nil},
	{3, "sms: delivery failures per number and pages waiting for \"more\"", `
CREATE TABLE sms_contacts (
	contact_id {{bigint}} PRIMARY KEY REFERENCES contacts (id),
	failures INTEGER NOT NULL DEFAULT 0,
	more TEXT NOT NULL DEFAULT '',
	updated_at {{ts}} NOT NULL
);
`, nil},
	{5, "marketplace orders and their status events; indexes for reminder sweeps", `
CREATE TABLE orders (
	id {{id}},
	order_ref TEXT NOT NULL,
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	status TEXT NOT NULL,
	status_at {{ts}} NOT NULL,
	items INTEGER NOT NULL DEFAULT 0,
	total TEXT NOT NULL DEFAULT '',
	currency TEXT NOT NULL DEFAULT '',
	customer_area TEXT NOT NULL DEFAULT '',
	notice_id {{bigint}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (order_ref, contact_id)
);
CREATE INDEX orders_contact ON orders (contact_id, status_at);
CREATE TABLE order_events (
	id {{id}},
	event_id TEXT NOT NULL UNIQUE,
	order_id {{bigint}} NOT NULL REFERENCES orders (id),
	status TEXT NOT NULL,
	occurred_at {{ts}} NOT NULL,
	outcome TEXT NOT NULL,
	received_at {{ts}} NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, occurred_at);
CREATE INDEX conversation_states_updated ON conversation_states (updated_at);
`, nil},
	{6, "dispatcher replicas, so that they share each provider's rate", `
CREATE TABLE dispatcher_replicas (
	instance TEXT PRIMARY KEY,
	seen_at {{ts}} NOT NULL
);
`, nil},
	{7, "outbox rows name the dispatcher that holds them, so a dead one's rows are taken over in seconds", `
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
`, nil},
	{8, "hardening: why a broadcast failed; what an order event said; numbers erased on request; console sessions", `
ALTER TABLE broadcasts ADD COLUMN failure TEXT NOT NULL DEFAULT '';
ALTER TABLE order_events ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
CREATE TABLE erased_phones (
	phone_hash TEXT PRIMARY KEY,
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	erased_at {{ts}} NOT NULL
);
CREATE TABLE console_sessions (
	id TEXT PRIMARY KEY,
	expires_at {{ts}} NOT NULL
);
`, nil},
	{20, "staff accounts with roles; console sessions name their account; the audit log", `
CREATE TABLE staff_accounts (
	id {{id}},
	username TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
ALTER TABLE console_sessions ADD COLUMN account_id {{bigint}} REFERENCES staff_accounts (id);
CREATE INDEX console_sessions_account ON console_sessions (account_id);
CREATE TABLE audit_events (
	id {{id}},
	at {{ts}} NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	outcome INTEGER NOT NULL DEFAULT 0,
	address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at);
`, nil},
	{21, "staff close and archive opportunities; sign-ups record attendance", `
ALTER TABLE opportunities ADD COLUMN archived_at {{ts}};
ALTER TABLE signups ADD COLUMN attended_at {{ts}};
`, nil},
	{22, "conversation states keep their step in a column: reminders find people by it, not by text inside the JSON", `
ALTER TABLE conversation_states ADD COLUMN step TEXT NOT NULL DEFAULT '';
CREATE INDEX conversation_states_step ON conversation_states (step, updated_at);
-- It serves the nudges, which step 5's index on updated_at alone was for: one index per save, as before.
DROP INDEX conversation_states_updated;
`, map[string]string{
		// A state that is not JSON keeps step '' (the inbox starts such a conversation over).
		"sqlite": `
UPDATE conversation_states SET step = COALESCE(CAST(json_extract(data, '$.step') AS TEXT), '')
WHERE CASE WHEN json_valid(data) THEN json_type(data) = 'object' ELSE FALSE END;
`,
		// PostgreSQL 15 cannot test text for JSON without trying: a function that tries.
		"postgres": `
CREATE FUNCTION pg_temp.tamkeen_state_step(data TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
	RETURN CAST(data AS jsonb) ->> 'step';
EXCEPTION WHEN others THEN
	RETURN NULL; -- not JSON, or not an object: no step
END
$$;
UPDATE conversation_states SET step = COALESCE(pg_temp.tamkeen_state_step(data), '');
DROP FUNCTION pg_temp.tamkeen_state_step(TEXT);
`,
	}},
	{23, "web simulator sessions get an address of their own instead of a console-user prefix", `
ALTER TABLE contacts ADD COLUMN web_session TEXT;
-- Partial: the many contacts without a web session add nothing to it.
CREATE UNIQUE INDEX contacts_web_session ON contacts (web_session) WHERE web_session IS NOT NULL;
UPDATE contacts SET web_session = substr(console_user, 5), console_user = NULL WHERE console_user LIKE 'web:%';
UPDATE outbox SET recipient = substr(recipient, 5) WHERE channel = 'web' AND recipient LIKE 'web:%';
`, nil},
	{24, "people are found by the words of their name, folded as the bot folds what people type, through an index", `
CREATE TABLE contact_name_words (
	word TEXT NOT NULL,
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	PRIMARY KEY (word, contact_id)
);
CREATE INDEX contact_name_words_contact ON contact_name_words (contact_id);
`, map[string]string{
		// Byte order, as SQLite compares: a range on the key is then a prefix.
		"postgres": `ALTER TABLE contact_name_words ALTER COLUMN word TYPE TEXT COLLATE "C";`,
	}},
	{26, "the audit log keeps refused sign-ins from one address as one row with a count, and no field longer than it shows", `
ALTER TABLE audit_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_at {{ts}};
-- Rows written before fields were bounded (a megabyte-long name tried at sign-in) are cut as new ones are.
UPDATE audit_events SET actor = substr(actor, 1, 64) WHERE length(actor) > 64;
UPDATE audit_events SET target = substr(target, 1, 256) WHERE length(target) > 256;
CREATE INDEX audit_events_action_at ON audit_events (action, at);
`, nil},
	{28, "WhatsApp: a person's business-scoped user id, when they last wrote (the 24-hour window opens then), and whether WhatsApp reaches them", `
ALTER TABLE contacts ADD COLUMN whatsapp_id TEXT;
-- Partial: the many contacts without a WhatsApp user id add nothing to it.
CREATE UNIQUE INDEX contacts_whatsapp_id ON contacts (whatsapp_id) WHERE whatsapp_id IS NOT NULL;
ALTER TABLE contacts ADD COLUMN whatsapp_last_inbound_at {{ts}};
ALTER TABLE contacts ADD COLUMN whatsapp_unreachable BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts ADD COLUMN whatsapp_failures INTEGER NOT NULL DEFAULT 0;
`, nil},
	{33, "what people write: each inbound message keeps its text (or the kind of what could not be read) for staff, until the retention ends", `
ALTER TABLE inbound_messages ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN text TEXT;
-- A person's messages in order, for the console's thread. The retention sweep needs no index of its
-- own: ids grow with received_at, so it finds the oldest by the primary key.
CREATE INDEX inbound_messages_contact ON inbound_messages (contact_id, received_at);
`, nil},
	{34, "conversations with staff: a person asks for a caseworker, who answers through the outbox; notes, canned replies, staff limited to governorates", `
CREATE TABLE conversations (
	id {{id}},
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	status TEXT NOT NULL,
	channel TEXT NOT NULL,
	governorate TEXT NOT NULL DEFAULT '',
	opened_at {{ts}} NOT NULL,
	waiting_since {{ts}},
	last_inbound_at {{ts}} NOT NULL,
	first_answer_at {{ts}},
	assigned_to {{bigint}} REFERENCES staff_accounts (id),
	closed_at {{ts}},
	updated_at {{ts}} NOT NULL
);
-- One open conversation per person; partial, so closed ones add nothing to it.
CREATE UNIQUE INDEX conversations_open_contact ON conversations (contact_id) WHERE status = 'open';
-- The inbox: open ones, the longest waiting first; and those of some governorates (the person's, kept
-- here so that a caseworker's list and counts read one index instead of every person).
CREATE INDEX conversations_queue ON conversations (status, waiting_since, id);
CREATE INDEX conversations_region ON conversations (status, governorate, waiting_since, id);
CREATE INDEX conversations_contact ON conversations (contact_id, opened_at);
CREATE TABLE conversation_entries (
	id {{id}},
	conversation_id {{bigint}} NOT NULL REFERENCES conversations (id),
	kind TEXT NOT NULL,
	author TEXT NOT NULL,
	text TEXT NOT NULL,
	outbox_id {{bigint}},
	created_at {{ts}} NOT NULL
);
CREATE INDEX conversation_entries_conversation ON conversation_entries (conversation_id, id);
CREATE TABLE canned_replies (
	id {{id}},
	title TEXT NOT NULL,
	texts TEXT NOT NULL,
	updated_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
ALTER TABLE staff_accounts ADD COLUMN regions TEXT NOT NULL DEFAULT '';
`, nil},
	{35, "WhatsApp templates: when WhatsApp said a person's window had closed (131047), each message's kind (which template it goes as), and the template it went as", `
ALTER TABLE contacts ADD COLUMN whatsapp_window_closed_at {{ts}};
-- '' on rows queued before: their kind is read from the dedupe key (reach.KindOfKey).
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN template TEXT NOT NULL DEFAULT '';
`, nil},
	{37, "imported contacts: the list and time they came from, whether an import created them, when they were told who writes, and their fields (program, household size...) indexed for audiences", `
ALTER TABLE contacts ADD COLUMN import_source TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN imported_at {{ts}};
ALTER TABLE contacts ADD COLUMN import_created BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts ADD COLUMN introduced_at {{ts}};
CREATE INDEX contacts_import_source ON contacts (import_source);
-- The people a list brought who were not introduced yet: a broadcast's expansion looks for them in
-- each batch, and finds none at once where nobody was imported.
CREATE INDEX contacts_to_introduce ON contacts (id) WHERE import_created AND introduced_at IS NULL;
CREATE TABLE contact_fields (
	contact_id {{bigint}} NOT NULL REFERENCES contacts (id),
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	updated_at {{ts}} NOT NULL,
	PRIMARY KEY (contact_id, name)
);
-- Audiences by field: the contacts whose field name has one of some values.
CREATE INDEX contact_fields_value ON contact_fields (name, value, contact_id);
`, nil},
	{38, "a person who said no to the privacy notice: a program's list no longer makes broadcasts go to them", `
ALTER TABLE contacts ADD COLUMN consent_declined_at {{ts}};
`, nil},
	{39, "on SQLite, contact fields and name words are kept in their key's order alone (WITHOUT ROWID): an import writes one tree less for each", ``, map[string]string{
		"sqlite": `
CREATE TABLE contact_fields_keyed (
	contact_id INTEGER NOT NULL REFERENCES contacts (id),
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (contact_id, name)
) WITHOUT ROWID;
INSERT INTO contact_fields_keyed (contact_id, name, value, updated_at) SELECT contact_id, name, value, updated_at FROM contact_fields;
DROP TABLE contact_fields;
ALTER TABLE contact_fields_keyed RENAME TO contact_fields;
CREATE INDEX contact_fields_value ON contact_fields (name, value, contact_id);
CREATE TABLE contact_name_words_keyed (
	word TEXT NOT NULL,
	contact_id INTEGER NOT NULL REFERENCES contacts (id),
	PRIMARY KEY (word, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_name_words_keyed (word, contact_id) SELECT word, contact_id FROM contact_name_words;
DROP TABLE contact_name_words;
ALTER TABLE contact_name_words_keyed RENAME TO contact_name_words;
CREATE INDEX contact_name_words_contact ON contact_name_words (contact_id);
`}},
	{40, "contact fields and name words no longer have the database look up their contact on each write (on PostgreSQL that locked each person's row: 21 of an import's 94 s for a million): only the store writes them, for contacts it holds, and it deletes them with a contact", ``, map[string]string{
		"postgres": `
ALTER TABLE contact_fields DROP CONSTRAINT IF EXISTS contact_fields_contact_id_fkey;
ALTER TABLE contact_name_words DROP CONSTRAINT IF EXISTS contact_name_words_contact_id_fkey;
`,
		"sqlite": `
CREATE TABLE contact_fields_unchecked (
	contact_id INTEGER NOT NULL,
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (contact_id, name)
) WITHOUT ROWID;
INSERT INTO contact_fields_unchecked (contact_id, name, value, updated_at) SELECT contact_id, name, value, updated_at FROM contact_fields;
DROP TABLE contact_fields;
ALTER TABLE contact_fields_unchecked RENAME TO contact_fields;
CREATE INDEX contact_fields_value ON contact_fields (name, value, contact_id);
CREATE TABLE contact_name_words_unchecked (
	word TEXT NOT NULL,
	contact_id INTEGER NOT NULL,
	PRIMARY KEY (word, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_name_words_unchecked (word, contact_id) SELECT word, contact_id FROM contact_name_words;
DROP TABLE contact_name_words;
ALTER TABLE contact_name_words_unchecked RENAME TO contact_name_words;
CREATE INDEX contact_name_words_contact ON contact_name_words (contact_id);
`}},
	{41, "the index of the people a list brought who were not introduced goes: the dispatcher finds whom to introduce among the few it claims, by id, and an import wrote an entry in it for everyone", `
DROP INDEX IF EXISTS contacts_to_introduce;
`, nil},
	{42, "the introductions not sent yet, by person: the dispatcher holds back a person's messages while one is out, and looks for it with every message it claims", `
CREATE INDEX outbox_unsent_intro ON outbox (contact_id) WHERE dedupe_key LIKE 'intro:contact:%' AND status IN ('pending', 'sending');
`, nil},
}

// dialectTypes are the column types that differ between the two databases.
var dialectTypes = map[string]*strings.Replacer{
	"sqlite":   strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "DATETIME", "{{bigint}}", "INTEGER"),
	"postgres": strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{bigint}}", "BIGINT"),
}

// migrationLockID is the PostgreSQL advisory lock that lets one replica migrate at a time.
const migrationLockID = 7_400_100

// Migrate applies every step the database has not seen, in one transaction
// per step that also records it: a step that fails leaves the steps before
// it applied and recorded, and itself neither. Replicas starting together
// take turns: PostgreSQL by an advisory lock, SQLite by its write lock
// (transactions begin IMMEDIATE); each step is looked up again under the
// lock, so it is applied once.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	return s.migrate(ctx, migrations)
}

func (s *Store) migrate(ctx context.Context, steps []migration) (applied []int, err error) {
	db := s.db.WithContext(ctx)
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := s.lockMigrations(tx); err != nil {
			return err
		}
		err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` +
			dialectTypes[s.dialect].Replace("{{ts}}") + ` NOT NULL)`).Error
		if err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	var done []int
	if err := db.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("store: migrate: read schema_migrations: %w", err)
	}
	steps = slices.SortedFunc(slices.Values(steps), func(a, b migration) int { return a.version - b.version })
	for _, m := range steps {
		if slices.Contains(done, m.version) {
			continue
		}
		ran, err := s.migrateStep(db, m)
		if err != nil {
			return applied, fmt.Errorf("store: migrate: step %d (%s): %w", m.version, m.name, err)
		}
		if ran {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// migrateStep applies and records m in one transaction, unless another
// replica did so since the versions were read (ran is false then).
func (s *Store) migrateStep(db *gorm.DB, m migration) (ran bool, err error) {
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := s.lockMigrations(tx); err != nil {
			return err
		}
		var seen int64
		if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&seen).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		if seen > 0 {
			return nil
		}
		stmts := splitStatements(dialectTypes[s.dialect].Replace(m.sql))
		stmts = append(stmts, splitStatements(m.only[s.dialect])...)
		for _, stmt := range stmts {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		if fill := migrationFills[m.version]; fill != nil {
			if err := fill(tx); err != nil {
				return err
			}
		}
		if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, s.now()).Error; err != nil {
			return fmt.Errorf("record: %w", err)
		}
		ran = true
		return nil
	})
	return ran, err
}

// lockMigrations makes replicas take turns (PostgreSQL; SQLite's write lock already does).
func (s *Store) lockMigrations(tx *gorm.DB) error {
	if s.dialect != "postgres" {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// splitStatements cuts a script into statements at each ";" that is SQL,
// not inside a 'string', a "quoted name", a -- or /* comment */ or a
// PostgreSQL $tag$ dollar-quoted body $tag$. Pieces holding nothing but
// blanks and comments are dropped.
func splitStatements(script string) []string {
	var out []string
	start, body := 0, false // body: the current piece holds more than blanks and comments
	for i := 0; i < len(script); {
		c := script[i]
		next := i + 1
		switch {
		case c == ';':
			if body {
				out = append(out, strings.TrimSpace(script[start:i]))
			}
			start, body = i+1, false
		case c == '-' && strings.HasPrefix(script[i:], "--"):
			next = skipPast(script, i+2, "\n")
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			next = skipBlockComment(script, i)
		case c == '\'' || c == '"':
			next = skipQuoted(script, i, isEscapeString(script, i))
			body = true
		case c == '$':
			if tag := dollarTag(script[i:]); tag != "" && (i == 0 || !isIdentByte(script[i-1])) {
				next = skipPast(script, i+len(tag), tag)
			}
			body = true
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			body = true
		}
		i = next
	}
	if body {
		out = append(out, strings.TrimSpace(script[start:]))
	}
	return out
}

// skipPast returns the index just after the first end at or after from (len(s) when there is none).
func skipPast(s string, from int, end string) int {
	if j := strings.Index(s[from:], end); j >= 0 {
		return from + j + len(end)
	}
	return len(s)
}

// skipBlockComment returns the index after the comment opening at i; PostgreSQL nests them.
func skipBlockComment(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(s[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(s)
}

// skipQuoted returns the index after the quoted text opening at i: a doubled
// quote stands for itself, and in an E'...' string so does a backslashed character.
func skipQuoted(s string, i int, backslashes bool) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case backslashes && s[j] == '\\':
			j++
		case s[j] == q && j+1 < len(s) && s[j+1] == q:
			j++
		case s[j] == q:
			return j + 1
		}
	}
	return len(s)
}

// isEscapeString reports whether the quote at i opens a PostgreSQL E'...' string.
func isEscapeString(s string, i int) bool {
	if s[i] != '\'' || i == 0 || (s[i-1] != 'E' && s[i-1] != 'e') {
		return false
	}
	return i == 1 || !isIdentByte(s[i-2])
}

// dollarTag returns the $tag$ that opens a dollar-quoted body at the start
// of s, or "" (a $1 parameter, or a $ inside a name, is none).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		switch {
		case s[j] == '$':
			return s[:j+1]
		case isIdentByte(s[j]) && !(j == 1 && s[j] >= '0' && s[j] <= '9'):
		default:
			return ""
		}
	}
	return ""
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// SchemaVersions lists the migration steps applied to the database.
func (s *Store) SchemaVersions(ctx context.Context) ([]int, error) {
	var v []int
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&v).Error; err != nil {
		return nil, fmt.Errorf("store: schema versions: %w", err)
	}
	return v, nil
}
