package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one numbered schema step. Its SQL is written once for both
// databases; {{id}}, {{ts}} and {{bigint}} become each dialect's types.
type migration struct {
	version int
	name    string
	sql     string
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
`},
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
`},
	{4, "contacts merged into another (a Telegram chat that shared an SMS contact's number)", `
ALTER TABLE contacts ADD COLUMN merged_into {{bigint}};
`},
	{3, "sms: delivery failures per number and pages waiting for \"more\"", `
CREATE TABLE sms_contacts (
	contact_id {{bigint}} PRIMARY KEY REFERENCES contacts (id),
	failures INTEGER NOT NULL DEFAULT 0,
	more TEXT NOT NULL DEFAULT '',
	updated_at {{ts}} NOT NULL
);
`},
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
`},
	{6, "dispatcher replicas, so that they share each provider's rate", `
CREATE TABLE dispatcher_replicas (
	instance TEXT PRIMARY KEY,
	seen_at {{ts}} NOT NULL
);
`},
	{7, "outbox rows name the dispatcher that holds them, so a dead one's rows are taken over in seconds", `
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
`},
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
`},
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
`},
	{21, "staff close and archive opportunities; sign-ups record attendance", `
ALTER TABLE opportunities ADD COLUMN archived_at {{ts}};
ALTER TABLE signups ADD COLUMN attended_at {{ts}};
`},
	{23, "web simulator sessions get an address of their own instead of a console-user prefix", `
ALTER TABLE contacts ADD COLUMN web_session TEXT;
CREATE UNIQUE INDEX contacts_web_session ON contacts (web_session);
UPDATE contacts SET web_session = substr(console_user, 5), console_user = NULL WHERE console_user LIKE 'web:%';
UPDATE outbox SET recipient = substr(recipient, 5) WHERE channel = 'web' AND recipient LIKE 'web:%';
`},
}

// dialectTypes are the column types that differ between the two databases.
var dialectTypes = map[string]*strings.Replacer{
	"sqlite":   strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "DATETIME", "{{bigint}}", "INTEGER"),
	"postgres": strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{bigint}}", "BIGINT"),
}

// migrationLockID is the PostgreSQL advisory lock that lets one replica migrate at a time.
const migrationLockID = 7_400_100

// Migrate applies every step the database has not seen, in one transaction
// per step. Replicas starting together take turns: PostgreSQL by an advisory
// lock, SQLite by its write lock (transactions begin IMMEDIATE).
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` +
			dialectTypes[s.dialect].Replace("{{ts}}") + ` NOT NULL)`).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var done []int
		if err := tx.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		have := map[int]bool{}
		for _, v := range done {
			have[v] = true
		}
		steps := slices.SortedFunc(slices.Values(migrations), func(a, b migration) int { return a.version - b.version })
		for _, m := range steps {
			if have[m.version] {
				continue
			}
			for _, stmt := range splitStatements(dialectTypes[s.dialect].Replace(m.sql)) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("step %d (%s): %w", m.version, m.name, err)
				}
			}
			if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, s.clock.Now().UTC().Truncate(time.Microsecond)).Error; err != nil {
				return fmt.Errorf("record step %d: %w", m.version, err)
			}
			applied = append(applied, m.version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	return applied, nil
}

func splitStatements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// SchemaVersions lists the migration steps applied to the database.
func (s *Store) SchemaVersions(ctx context.Context) ([]int, error) {
	var v []int
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&v).Error; err != nil {
		return nil, fmt.Errorf("store: schema versions: %w", err)
	}
	return v, nil
}
