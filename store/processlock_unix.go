//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"syscall"
)

// ProcessLock takes, on SQLite, an exclusive lock on a file beside the
// database (tamkeen.db.dispatcher.lock) that the kernel drops when this
// process ends, however it ends. Holding it means no other dispatcher runs
// on this database, so rows another process held are orphans and can be
// taken over at once (ReclaimOrphaned). ok is false when another process
// holds it, and always on PostgreSQL, where heartbeats decide.
func (s *Store) ProcessLock(ctx context.Context) (release func(), ok bool, err error) {
	if s.dialect != "sqlite" {
		return func() {}, false, nil
	}
	path, err := s.sqliteFile(ctx)
	if err != nil || path == "" {
		return func() {}, false, err
	}
	f, err := os.OpenFile(path+".dispatcher.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}, false, fmt.Errorf("store: dispatcher lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return func() {}, false, nil
	}
	return func() { _ = f.Close() }, true, nil
}
