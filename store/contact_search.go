package store

import (
	"strings"
	"unicode"

	"gorm.io/gorm"

	"github.com/tamkeen/tamkeen/textnorm"
)

// likeEscaper makes typed text literal inside a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// searchContacts narrows q to contacts matching the search text.
func searchContacts(q *gorm.DB, text, e164 string) *gorm.DB {
	text = strings.TrimSpace(text)
	if text == "" && e164 == "" {
		return q
	}
	var conds []string
	var args []any
	if text != "" {
		conds = append(conds, `LOWER(name) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(text))+"%")
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
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}
