package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"
)

// SQLite lets one writer in at a time. Writers that find the lock taken wait
// in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and
// so adds tens of milliseconds to a reply queued behind a broadcast. Within
// one process, writers therefore queue here instead, in order, and reach
// SQLite only when the lock is free; other processes on the same file still
// meet the busy timeout. Reads never wait.

// writeGate admits one writer (a transaction or a lone writing statement) at a time.
type writeGate struct {
	slot    chan struct{}
	maxWait time.Duration
}

func newWriteGate(maxWait time.Duration) *writeGate {
	return &writeGate{slot: make(chan struct{}, 1), maxWait: maxWait}
}

// errGateTimeout mirrors SQLite's own "database is locked" after the busy timeout.
var errGateTimeout = errors.New("store: database is locked: waited too long for the writer ahead")

func (g *writeGate) enter(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slot <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-g.slot }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errGateTimeout
	}
}

// isWrite tells statements that may write from plain reads.
func isWrite(query string) bool {
	q := strings.TrimLeftFunc(query, unicode.IsSpace)
	return len(q) < 6 || !strings.EqualFold(q[:6], "SELECT")
}

// gatedConnector opens SQLite connections whose writes pass the gate.
type gatedConnector struct {
	dsn  string
	drv  driver.Driver
	gate *writeGate
}

func openGatedSQLite(dsn string, gate *writeGate) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, fmt.Errorf("store: sqlite driver: %w", err)
	}
	drv := probe.Driver()
	_ = probe.Close()
	return sql.OpenDB(&gatedConnector{dsn: dsn, drv: drv, gate: gate}), nil
}

func (c *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &gatedConn{inner: conn, gate: c.gate}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.drv }

// gatedConn is one connection; database/sql uses it from one goroutine at a time.
type gatedConn struct {
	inner driver.Conn
	gate  *writeGate
	inTx  bool
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }
func (c *gatedConn) Close() error                              { return c.inner.Close() }
func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.inner.Prepare(query)
}

func (c *gatedConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	release, err := c.gate.enter(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		release()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{inner: tx, conn: c, release: release}, nil
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.inTx {
		release, err := c.gate.enter(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	return c.inner.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q := c.inner.(driver.QueryerContext)
	if c.inTx || !isWrite(query) {
		return q.QueryContext(ctx, query, args)
	}
	release, err := c.gate.enter(ctx) // UPDATE … RETURNING: held until its rows are read
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: release}, nil
}

type gatedTx struct {
	inner   driver.Tx
	conn    *gatedConn
	release func()
}

func (t *gatedTx) Commit() error {
	defer t.done()
	return t.inner.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.done()
	return t.inner.Rollback()
}

func (t *gatedTx) done() {
	t.conn.inTx = false
	t.release()
}

// gatedRows releases the gate when a writing query's rows are closed, and
// passes the column types through (gorm reads them).
type gatedRows struct {
	driver.Rows
	release func()
}

func (r *gatedRows) Close() error {
	defer r.release()
	return r.Rows.Close()
}

func (r *gatedRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *gatedRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *gatedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}
