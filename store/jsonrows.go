package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Many rows go to the database as one parameter per column rather than a
// parameter per value: the SQLite driver binds each parameter by looking
// through all of them (quadratic in their number), and both databases parse
// and plan a statement of thousands of parameters slowly. A batch of
// thousands of contacts is then one short statement per table: on SQLite
// the rows are a JSON array read by json_each, on PostgreSQL a text array
// per column read by unnest.

// rowsTable is a FROM item, aliased as, over rows (each as many values as
// cols, every value text): it adds to args what it needs.
func (s *Store) rowsTable(as string, cols []string, rows [][]string, args map[string]any) (string, error) {
	if s.dialect == "postgres" {
		arrays := make([]string, len(cols))
		for i := range cols {
			p := fmt.Sprintf("%s_%d", as, i)
			args[p] = pgTextArray(len(rows), func(j int) string { return rows[j][i] })
			arrays[i] = "CAST(@" + p + " AS text[])"
		}
		return "unnest(" + strings.Join(arrays, ", ") + ") AS " + as + "(" + strings.Join(cols, ", ") + ")", nil
	}
	enc, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encode rows: %w", err)
	}
	args[as+"_rows"] = string(enc)
	var b strings.Builder
	b.WriteString("(SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "value->>%d AS %s", i, c)
	}
	b.WriteString(" FROM json_each(@" + as + "_rows)) " + as)
	return b.String(), nil
}

// inTexts is the condition "col is one of values", adding to args what it
// needs under the name param.
func (s *Store) inTexts(col, param string, values []string, args map[string]any) (string, error) {
	if s.dialect == "postgres" {
		args[param] = pgTextArray(len(values), func(i int) string { return values[i] })
		return col + " = ANY(CAST(@" + param + " AS text[]))", nil
	}
	enc, err := json.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("encode values: %w", err)
	}
	args[param] = string(enc)
	return col + " IN (SELECT value FROM json_each(@" + param + "))", nil
}

// inIDs is the condition "col is one of ids", adding to args what it needs
// under the name param.
func (s *Store) inIDs(col, param string, ids []int64, args map[string]any) string {
	b := make([]byte, 0, 8*len(ids)+2)
	open, close := byte('['), byte(']')
	if s.dialect == "postgres" {
		open, close = '{', '}'
	}
	b = append(b, open)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	args[param] = string(append(b, close))
	if s.dialect == "postgres" {
		return col + " = ANY(CAST(@" + param + " AS bigint[]))"
	}
	return col + " IN (SELECT value FROM json_each(@" + param + "))"
}

// pgTextArray writes n values as a PostgreSQL array literal of text.
func pgTextArray(n int, value func(i int) string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		v := value(i)
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
