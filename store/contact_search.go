package store

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tamkeen/tamkeen/textnorm"
)

// People are found by name through contact_name_words: each word of a
// contact's name in the bot's folded form (textnorm: alef forms, yaa and
// alef maqsura, taa marbuta and haa, diacritics and tatweel), searched by
// prefix with a range on its primary key (word, contact_id), which both
// databases serve from the index (PostgreSQL keeps the column in the "C"
// collation, so that a range is a byte prefix as in SQLite). Every write of a
// name keeps the words current (SaveContact, Erase, a merge).

// maxWordRunes bounds a stored or searched word: a longer word is kept and
// searched by its first maxWordRunes letters, which keeps prefixes true.
const maxWordRunes = 64

// maxSearchWords bounds the words of one search that must all match.
const maxSearchWords = 8

// prefixEnd is above every character that follows a prefix in UTF-8 byte
// order: a word w starts with p exactly when p <= w < p+prefixEnd.
const prefixEnd = "\U0010FFFF"

// nameWords returns the words a name is found by: each word of its folded
// form as written ("al-busaidi", "100%_sure"), each run of letters and digits
// inside it ("al", "busaidi"), and an Arabic word without its article
// («البلوشي» is also «بلوشي») when three letters or more remain.
func nameWords(name string) []string {
	var out []string
	add := func(w string) {
		w = clipWord(w)
		if w != "" && !strings.Contains(w, prefixEnd) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	for _, field := range strings.Fields(textnorm.Normalize(name)) {
		add(field)
		for _, part := range strings.FieldsFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(part)
			if rest, ok := strings.CutPrefix(part, "ال"); ok && utf8.RuneCountInString(rest) >= 3 {
				add(rest)
			}
		}
	}
	return out
}

// searchWords are the folded words of a search text, each once, at most maxSearchWords.
func searchWords(text string) []string {
	var out []string
	for _, w := range strings.Fields(textnorm.Normalize(text)) {
		if w = clipWord(w); !slices.Contains(out, w) && len(out) < maxSearchWords {
			out = append(out, w)
		}
	}
	return out
}

// clipWord cuts w to maxWordRunes runes.
func clipWord(w string) string {
	n := 0
	for i := range w {
		if n == maxWordRunes {
			return w[:i]
		}
		n++
	}
	return w
}

// setNameWords makes the stored words of a contact those of name (none for "").
func setNameWords(db *gorm.DB, contactID int64, name string) error {
	words := nameWords(name)
	del := db.Where("contact_id = ?", contactID)
	if len(words) > 0 {
		del = del.Where("word NOT IN ?", words)
	}
	if err := del.Delete(&contactNameWord{}).Error; err != nil {
		return fmt.Errorf("store: name words of contact %d: %w", contactID, err)
	}
	if len(words) == 0 {
		return nil
	}
	rows := make([]contactNameWord, len(words))
	for i, w := range words {
		rows[i] = contactNameWord{Word: w, ContactID: contactID}
	}
	if err := db.Exec("INSERT INTO contact_name_words (word, contact_id) VALUES "+valueRows(len(rows), 2)+
		" ON CONFLICT DO NOTHING", wordArgs(rows)...).Error; err != nil {
		return fmt.Errorf("store: name words of contact %d: %w", contactID, err)
	}
	return nil
}

func wordArgs(rows []contactNameWord) []any {
	args := make([]any, 0, 2*len(rows))
	for _, r := range rows {
		args = append(args, r.Word, r.ContactID)
	}
	return args
}

// contactNameWord is one word a contact's name is found by.
type contactNameWord struct {
	Word      string `gorm:"primaryKey"`
	ContactID int64  `gorm:"primaryKey;autoIncrement:false"`
}

func (contactNameWord) TableName() string { return "contact_name_words" }

// fillNameWords gives every contact not erased the words of its name (the
// migration that made the table), a thousand contacts at a time.
func fillNameWords(db *gorm.DB) error {
	var after int64
	for {
		var batch []struct {
			ID   int64
			Name string
		}
		if err := db.Raw(`SELECT id, name FROM contacts WHERE id > ? AND name <> '' AND erased_at IS NULL ORDER BY id LIMIT 1000`, after).
			Scan(&batch).Error; err != nil {
			return fmt.Errorf("read names: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		var rows []contactNameWord
		for _, c := range batch {
			for _, w := range nameWords(c.Name) {
				rows = append(rows, contactNameWord{Word: w, ContactID: c.ID})
			}
			after = c.ID
		}
		for len(rows) > 0 { // at most 500 rows (1000 parameters) per statement
			n := min(len(rows), 500)
			if err := db.Exec("INSERT INTO contact_name_words (word, contact_id) VALUES "+valueRows(n, 2)+
				" ON CONFLICT DO NOTHING", wordArgs(rows[:n])...).Error; err != nil {
				return fmt.Errorf("write name words: %w", err)
			}
			rows = rows[n:]
		}
	}
}

// searchContacts narrows q to contacts matching the search text: every
// word of it starts a word of the name (in the folded form, so «احمد» finds
// «أحمد»), or its digits are part of the phone number, or it is the number.
func searchContacts(q *gorm.DB, text, e164 string) *gorm.DB {
	text = strings.TrimSpace(text)
	if text == "" && e164 == "" {
		return q
	}
	var conds []string
	var args []any
	if words := searchWords(text); len(words) > 0 {
		var all []string
		for _, w := range words {
			all = append(all, "id IN (SELECT contact_id FROM contact_name_words WHERE word >= ? AND word < ?)")
			args = append(args, w, w+prefixEnd)
		}
		conds = append(conds, "("+strings.Join(all, " AND ")+")")
	}
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, textnorm.Normalize(text)) // any script's digits: ١٢٣ is 123
	if len(digits) >= 3 {
		conds = append(conds, "phone LIKE ?")
		args = append(args, "%"+digits+"%")
	}
	if e164 != "" {
		conds = append(conds, "phone = ?")
		args = append(args, e164)
	}
	if len(conds) == 0 {
		return q.Where("FALSE")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}
