package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Many rows go to the database as one parameter, a JSON array, rather than
// a parameter per value: the SQLite driver binds each parameter by looking
// through all of them (quadratic in their number), and both databases parse
// and plan a statement of thousands of parameters slowly. A batch of a
// thousand contacts is then one short statement per table.

// jsonTable is a FROM item over the JSON array of arrays in the named
// parameter param: column i of each inner array as cols[i], aliased as.
func (s *Store) jsonTable(param, as string, cols ...string) string {
	var b strings.Builder
	b.WriteString("(SELECT ")
	elem := "value"
	from := "json_each(@" + param + ")"
	if s.dialect == "postgres" {
		elem, from = "e", "json_array_elements(CAST(@"+param+" AS json)) e"
	}
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s->>%d AS %s", elem, i, c)
	}
	b.WriteString(" FROM " + from + ") " + as)
	return b.String()
}

// jsonList is a subquery of the values of the JSON array in the named
// parameter param (strings, or with ids numbers), for "x IN (…)".
func (s *Store) jsonList(param string, ids bool) string {
	if s.dialect == "postgres" {
		v := "json_array_elements_text(CAST(@" + param + " AS json))"
		if ids {
			v = "CAST(" + v + " AS BIGINT)"
		}
		return "(SELECT " + v + ")"
	}
	return "(SELECT value FROM json_each(@" + param + "))"
}

// jsonArray encodes values as a JSON array for jsonTable or jsonList.
func jsonArray[T any](values []T) (string, error) {
	b, err := json.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("encode rows: %w", err)
	}
	return string(b), nil
}

// idList encodes ids as a JSON array of numbers, for jsonList.
func idList(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
