package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ImportRow is one checked row of a contact list: a number in E.164 and
// what the list says about its person. An empty Name, Governorate or
// Language, and a field with an empty value, leave what is stored as it is.
type ImportRow struct {
	Phone       string
	Name        string
	Governorate string
	Language    string
	Fields      map[string]string
}

// ImportCounts is what an import did to its rows.
type ImportCounts struct {
	Created, Updated, Unchanged    int
	SkippedOptedOut, SkippedErased int
	CreatedIDs                     []int64 // the contacts it created, in row order
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("store: dry run")

// ImportContacts applies rows (each a different number) from the list
// source, all of them or none, in one transaction; dryRun counts the same
// and keeps nothing. The rules: one contact per number (an existing one is
// updated, never duplicated); on a contact the person made by writing, or
// who accepted the privacy notice, what they told the bot (name,
// governorate, language) wins and the list only fills what is blank; a
// contact that opted out is skipped; a number erased on request is never
// added back; a row that changes nothing is counted unchanged and touches
// nothing. A contact the import creates or changes keeps source and the time.
func (s *Store) ImportContacts(ctx context.Context, source string, rows []ImportRow, dryRun bool) (ImportCounts, error) {
	var out ImportCounts
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.importContacts(source, rows)
		if err == nil && dryRun {
			return errDryRun
		}
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportCounts{}, fmt.Errorf("store: import contacts: %w", err)
	}
	if dryRun {
		out.CreatedIDs = nil
	}
	return out, nil
}

type importedContact struct {
	ID            int64
	Phone         string
	Name          string
	Governorate   string
	Language      string
	ConsentAt     *time.Time
	OptedOutAt    *time.Time
	ImportCreated bool
	ImportSource  string
}

func (tx *Tx) importContacts(source string, rows []ImportRow) (ImportCounts, error) {
	var out ImportCounts
	if len(rows) == 0 {
		return out, nil
	}
	now := tx.store.now()
	if tx.store.dialect == "sqlite" {
		// The indexes a large list writes to outgrow SQLite's 2 MB page
		// cache at once; this connection keeps more of them.
		if err := tx.db.Exec("PRAGMA cache_size = -40960").Error; err != nil {
			return out, fmt.Errorf("cache size: %w", err)
		}
	}
	phones := make([]string, len(rows))
	for i, r := range rows {
		phones[i] = r.Phone
	}
	args := map[string]any{}
	havePhone, err := tx.store.inTexts("phone", "phones", phones, args)
	if err != nil {
		return out, err
	}
	q := tx.db.Raw("SELECT id, phone, name, governorate, language, consent_at, opted_out_at, import_created, import_source FROM contacts WHERE "+
		havePhone+tx.forUpdate(), args)
	var found []importedContact
	if err := q.Scan(&found).Error; err != nil {
		return out, fmt.Errorf("find contacts: %w", err)
	}
	byPhone := make(map[string]*importedContact, len(found))
	ids := make([]int64, 0, len(found))
	for i := range found {
		byPhone[found[i].Phone] = &found[i]
		ids = append(ids, found[i].ID)
	}
	fields, err := tx.store.fieldsOf(tx.db, ids)
	if err != nil {
		return out, fmt.Errorf("find fields: %w", err)
	}
	var hashes []string
	for _, p := range phones {
		if byPhone[p] == nil {
			hashes = append(hashes, phoneHash(p))
		}
	}
	erased := map[string]bool{}
	if len(hashes) > 0 {
		args := map[string]any{}
		erasedHash, err := tx.store.inTexts("phone_hash", "hashes", hashes, args)
		if err != nil {
			return out, err
		}
		var list []string
		if err := tx.db.Raw("SELECT phone_hash FROM erased_phones WHERE "+erasedHash, args).Scan(&list).Error; err != nil {
			return out, fmt.Errorf("find erased numbers: %w", err)
		}
		for _, h := range list {
			erased[h] = true
		}
	}

	var created []Contact
	var createdRows []int
	var setFields []contactField
	var updated [][]string // id, name, governorate, language: as the file leaves them
	var renamed []int64    // the updated contacts whose name changed, and the words of their new names
	var renamedWords []contactNameWord
	for i, r := range rows {
		c := byPhone[r.Phone]
		if c == nil {
			if erased[phoneHash(r.Phone)] {
				out.SkippedErased++
				continue
			}
			phone := r.Phone
			lang := r.Language
			if lang == "" {
				lang = "ar"
			}
			created = append(created, Contact{Phone: &phone, Name: r.Name, Governorate: r.Governorate, Language: lang,
				ImportSource: source, ImportedAt: &now, ImportCreated: true, CreatedAt: now, UpdatedAt: now})
			createdRows = append(createdRows, i)
			continue
		}
		if c.OptedOutAt != nil {
			out.SkippedOptedOut++
			continue
		}
		own := !c.ImportCreated || c.ConsentAt != nil // the person's own words win
		name, governorate, language := c.Name, c.Governorate, c.Language
		changed := false
		for _, col := range []struct {
			have *string
			want string
		}{{&name, r.Name}, {&governorate, r.Governorate}, {&language, r.Language}} {
			if col.want == "" || col.want == *col.have || (own && *col.have != "") {
				continue
			}
			*col.have, changed = col.want, true
		}
		for _, k := range slices.Sorted(maps.Keys(r.Fields)) {
			v := r.Fields[k]
			if v == "" || fields[c.ID][k] == v {
				continue
			}
			setFields = append(setFields, contactField{ContactID: c.ID, Name: k, Value: v, UpdatedAt: now})
			changed = true
		}
		if !changed && c.ImportSource == source {
			out.Unchanged++
			continue
		}
		out.Updated++
		updated = append(updated, []string{strconv.FormatInt(c.ID, 10), name, governorate, language})
		if name != c.Name {
			renamed = append(renamed, c.ID)
			for _, w := range nameWords(name) {
				renamedWords = append(renamedWords, contactNameWord{Word: w, ContactID: c.ID})
			}
		}
	}
	if err := tx.updateImported(source, now, updated, renamed, renamedWords); err != nil {
		return out, err
	}
	if len(created) > 0 {
		if err := tx.insertImported(source, now, created); err != nil {
			return out, err
		}
		var words []contactNameWord
		for j := range created {
			c := &created[j]
			out.CreatedIDs = append(out.CreatedIDs, c.ID)
			for _, w := range nameWords(c.Name) {
				words = append(words, contactNameWord{Word: w, ContactID: c.ID})
			}
			r := rows[createdRows[j]]
			for _, k := range slices.Sorted(maps.Keys(r.Fields)) {
				if v := r.Fields[k]; v != "" {
					setFields = append(setFields, contactField{ContactID: c.ID, Name: k, Value: v, UpdatedAt: now})
				}
			}
		}
		out.Created = len(created)
		if err := tx.insertNameWords(words); err != nil {
			return out, err
		}
	}
	if err := tx.upsertFields(setFields); err != nil {
		return out, err
	}
	return out, nil
}

// forUpdate locks the rows a query reads until the transaction ends, on
// PostgreSQL (SQLite's transactions take the whole database).
func (tx *Tx) forUpdate() string {
	if tx.store.dialect == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}

// contactField is one field of a contact (program, household_size…), from
// an imported list or set by staff.
type contactField struct {
	ContactID int64  `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

func (contactField) TableName() string { return "contact_fields" }

// insertImported inserts the contacts an import creates (all from source,
// at now), in one statement, and sets their ids.
func (tx *Tx) insertImported(source string, now time.Time, cs []Contact) error {
	rows := make([][]string, len(cs))
	for i, c := range cs {
		rows[i] = []string{*c.Phone, c.Name, c.Governorate, c.Language}
	}
	args := map[string]any{"source": source, "now": now}
	from, err := tx.store.rowsTable("j", []string{"phone", "name", "governorate", "language"}, rows, args)
	if err != nil {
		return err
	}
	var ids []struct {
		ID    int64
		Phone string
	}
	if err := tx.db.Raw(`INSERT INTO contacts (phone, name, governorate, language, import_source, imported_at, import_created, created_at, updated_at)
		SELECT j.phone, j.name, j.governorate, j.language, @source, @now, TRUE, @now, @now
		FROM `+from+` WHERE TRUE
		RETURNING id, phone`, args).Scan(&ids).Error; err != nil {
		return fmt.Errorf("create contacts: %w", err)
	}
	byPhone := make(map[string]int64, len(ids))
	for _, r := range ids {
		byPhone[r.Phone] = r.ID
	}
	for i := range cs {
		if cs[i].ID = byPhone[*cs[i].Phone]; cs[i].ID == 0 {
			return fmt.Errorf("create contacts: no id back for a number")
		}
	}
	return nil
}

// updateImported sets contacts an import changes (rows: id, name,
// governorate, language) in one statement, keeping source and now on them,
// and the words of the names it changed (the contacts renamed).
func (tx *Tx) updateImported(source string, now time.Time, rows [][]string, renamed []int64, words []contactNameWord) error {
	if len(rows) == 0 {
		return nil
	}
	args := map[string]any{"source": source, "now": now}
	from, err := tx.store.rowsTable("j", []string{"id", "name", "governorate", "language"}, rows, args)
	if err != nil {
		return err
	}
	if err := tx.db.Exec(`UPDATE contacts SET name = j.name, governorate = j.governorate, language = j.language,
			import_source = @source, imported_at = @now, updated_at = @now
		FROM `+from+` WHERE contacts.id = CAST(j.id AS BIGINT)`, args).Error; err != nil {
		return fmt.Errorf("update contacts: %w", err)
	}
	if len(renamed) == 0 {
		return nil
	}
	args = map[string]any{}
	if err := tx.db.Exec("DELETE FROM contact_name_words WHERE "+tx.store.inIDs("contact_id", "ids", renamed, args), args).Error; err != nil {
		return fmt.Errorf("name words: %w", err)
	}
	return tx.insertNameWords(words)
}

// insertNameWords adds the words contacts are found by, in one statement.
// They go in the index's order: a batch's words then land a page at a time
// rather than all over the index.
func (tx *Tx) insertNameWords(words []contactNameWord) error {
	if len(words) == 0 {
		return nil
	}
	slices.SortFunc(words, func(a, b contactNameWord) int {
		return cmp.Or(strings.Compare(a.Word, b.Word), cmp.Compare(a.ContactID, b.ContactID))
	})
	rows := make([][]string, len(words))
	for i, w := range words {
		rows[i] = []string{w.Word, strconv.FormatInt(w.ContactID, 10)}
	}
	args := map[string]any{}
	from, err := tx.store.rowsTable("j", []string{"word", "contact_id"}, rows, args)
	if err != nil {
		return err
	}
	if err := tx.db.Exec(`INSERT INTO contact_name_words (word, contact_id)
		SELECT j.word, CAST(j.contact_id AS BIGINT) FROM `+from+` WHERE TRUE
		ON CONFLICT DO NOTHING`, args).Error; err != nil {
		return fmt.Errorf("name words: %w", err)
	}
	return nil
}

// upsertFields sets fields, replacing the values they had, in one statement,
// in the order of the index audiences read them by (contact_fields_value).
func (tx *Tx) upsertFields(fs []contactField) error {
	if len(fs) == 0 {
		return nil
	}
	slices.SortFunc(fs, func(a, b contactField) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value), cmp.Compare(a.ContactID, b.ContactID))
	})
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{strconv.FormatInt(f.ContactID, 10), f.Name, f.Value}
	}
	args := map[string]any{"now": fs[0].UpdatedAt}
	from, err := tx.store.rowsTable("j", []string{"contact_id", "name", "value"}, rows, args)
	if err != nil {
		return err
	}
	// One time for all: every field set here is set now.
	if err := tx.db.Exec(`INSERT INTO contact_fields (contact_id, name, value, updated_at)
		SELECT CAST(j.contact_id AS BIGINT), j.name, j.value, @now FROM `+from+` WHERE TRUE
		ON CONFLICT (contact_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		args).Error; err != nil {
		return fmt.Errorf("store: set contact fields: %w", err)
	}
	return nil
}

// ContactFields returns the fields of a contact by name.
func (s *Store) ContactFields(ctx context.Context, contactID int64) (map[string]string, error) {
	out, err := s.FieldsOf(ctx, []int64{contactID})
	if err != nil {
		return nil, err
	}
	if out[contactID] == nil {
		return map[string]string{}, nil
	}
	return out[contactID], nil
}

// FieldsOf returns the fields of contacts, by contact id then name.
func (s *Store) FieldsOf(ctx context.Context, ids []int64) (map[int64]map[string]string, error) {
	out, err := s.fieldsOf(s.db.WithContext(ctx), ids)
	if err != nil {
		return nil, fmt.Errorf("store: contact fields: %w", err)
	}
	return out, nil
}

// fieldsOf reads the fields of contacts through db (a transaction's, or
// the store's) in one statement, by contact id then name.
func (s *Store) fieldsOf(db *gorm.DB, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var fs []contactField
	args := map[string]any{}
	if err := db.Raw("SELECT contact_id, name, value FROM contact_fields WHERE "+s.inIDs("contact_id", "ids", ids, args), args).
		Scan(&fs).Error; err != nil {
		return nil, err
	}
	for _, f := range fs {
		if out[f.ContactID] == nil {
			out[f.ContactID] = map[string]string{}
		}
		out[f.ContactID][f.Name] = f.Value
	}
	return out, nil
}

// FieldNames lists the names of the fields contacts have, sorted.
func (s *Store) FieldNames(ctx context.Context) ([]string, error) {
	var names []string
	if err := s.db.WithContext(ctx).Raw("SELECT DISTINCT name FROM contact_fields ORDER BY name").Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("store: field names: %w", err)
	}
	return names, nil
}

// SetContactField sets (or with an empty value removes) one field of a
// contact not erased. ErrNotFound: no such contact.
func (s *Store) SetContactField(ctx context.Context, contactID int64, name, value string) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.SetContactField(contactID, name, value) })
}

// SetContactField is Store.SetContactField inside a transaction.
func (tx *Tx) SetContactField(contactID int64, name, value string) error {
	var n int64
	if err := tx.db.Model(&Contact{}).Where("id = ? AND erased_at IS NULL", contactID).Count(&n).Error; err != nil {
		return fmt.Errorf("store: set contact field: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: contact %d: %w", contactID, ErrNotFound)
	}
	if value == "" {
		if err := tx.db.Where("contact_id = ? AND name = ?", contactID, name).Delete(&contactField{}).Error; err != nil {
			return fmt.Errorf("store: remove contact field: %w", err)
		}
		return nil
	}
	return tx.upsertFields([]contactField{{ContactID: contactID, Name: name, Value: value, UpdatedAt: tx.store.now()}})
}

// ImportSources lists the names of the lists contacts came from, sorted.
func (s *Store) ImportSources(ctx context.Context) ([]string, error) {
	var names []string
	if err := s.db.WithContext(ctx).Raw("SELECT DISTINCT import_source FROM contacts WHERE import_source <> '' ORDER BY import_source").
		Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("store: import sources: %w", err)
	}
	return names, nil
}

// AfterImport vacuums and analyzes PostgreSQL's contacts and their fields
// after a large import: what follows (counting an audience, expanding a
// broadcast) is planned with the counts of now, the count reads the fields'
// index alone (the vacuum marks the new rows visible to all: 0.69 s where
// it took 0.81-1.23 s for a million), and the autovacuum the import would
// set off does not compete with them.
func (s *Store) AfterImport(ctx context.Context) error {
	if s.dialect != "postgres" {
		return nil
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM (ANALYZE) contacts, contact_fields").Error; err != nil {
		return fmt.Errorf("store: vacuum after import: %w", err)
	}
	return nil
}

// planEachBatch has PostgreSQL plan this transaction's statements for the
// values they run with. With its generic plan (chosen after a few runs of a
// prepared statement) a batch's contacts were joined to a hash of every
// field matching the audience: a broadcast by field to a million people
// read the million fields again for each batch (12 minutes instead of two).
func (tx *Tx) planEachBatch() error {
	if tx.store.dialect != "postgres" {
		return nil
	}
	if err := tx.db.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
		return fmt.Errorf("plan each batch: %w", err)
	}
	return nil
}
