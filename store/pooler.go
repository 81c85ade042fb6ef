package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Behind PgBouncer in transaction pooling mode a client's statements go to
// whichever server connection is free at each transaction, so what lives
// in one server session is lost between transactions: prepared statements
// (pgx prepares and caches every query by default) and LISTEN. Open finds
// out by asking (detectPooling) and then sends every query unprepared (the
// simple protocol), and ListenOutbox answers ErrNoListen: replicas find
// each other's new messages by polling (within a second) instead of being
// woken. Advisory locks are only ever taken per transaction, which such a
// pooler keeps together. Statement pooling, which allows no transactions
// at all, is refused.

// ErrStatementPooling is returned by Open behind a pooler that allows no transactions.
var ErrStatementPooling = errors.New("store: PostgreSQL is reached through a pooler in statement mode (PgBouncer pool_mode=statement), which allows no transactions; Tamkeen needs them: use pool_mode=transaction or session")

// detectPooling reports whether the server sessions behind dsn are shared
// between clients (a pooler in transaction mode): a second client is given
// the very server process the first one used, while the first is still
// connected. A direct connection, or a pooler in session mode, never does
// that. A busy pooler may hand that process to a third client meanwhile:
// the question is asked a few times.
func detectPooling(ctx context.Context, dsn string) (bool, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return false, err
	}
	defer db.Close()
	simple := pgx.QueryExecModeSimpleProtocol // no prepared statement can lose its session here
	first, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer first.Close()
	if err := checkTransactions(ctx, first); err != nil {
		return false, err
	}
	for range 3 {
		var pid1, pid2 int
		if err := first.QueryRowContext(ctx, "SELECT pg_backend_pid()", simple).Scan(&pid1); err != nil {
			return false, err
		}
		second, err := db.Conn(ctx)
		if err != nil {
			return false, err
		}
		err = second.QueryRowContext(ctx, "SELECT pg_backend_pid()", simple).Scan(&pid2)
		second.Close()
		if err != nil {
			return false, err
		}
		if pid1 == pid2 {
			return true, nil
		}
	}
	return false, nil
}

// checkTransactions runs a transaction of two statements, which a pooler in
// statement mode refuses.
func checkTransactions(ctx context.Context, c *sql.Conn) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrStatementPooling, err)
	}
	defer tx.Rollback()
	for range 2 {
		if _, err := tx.ExecContext(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("%w (%v)", ErrStatementPooling, err)
		}
	}
	return nil
}
