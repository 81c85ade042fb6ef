package store

import (
	"context"
	"fmt"
)

// Size is how many bytes the service's data takes in the database: SQLite's
// pages in use (free pages left out), or on PostgreSQL the tables of the
// current schema with their indexes and TOAST.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	var err error
	if s.dialect == "postgres" {
		err = s.db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
			JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = current_schema() AND c.relkind = 'r'`).Scan(&n).Error
	} else {
		err = s.db.WithContext(ctx).Raw(`SELECT (p.page_count - f.freelist_count) * s.page_size
			FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s`).Scan(&n).Error
	}
	if err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}
