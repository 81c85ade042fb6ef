//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// ProcessLock takes, on SQLite, a lock on a file beside the database
// (tamkeen.db.dispatcher.lock) that the kernel drops when this process
// ends, however it ends. Every running dispatcher holds it shared; a
// dispatcher that finds it free gets it exclusively first, which means no
// other dispatcher runs on this database: rows another process held are
// orphans and can be taken over at once (ReclaimOrphaned), and ok is true.
// It then keeps it shared, so a dispatcher started later knows it is not
// alone (and takes over only by heartbeats) while this one runs. ok is
// false when another dispatcher runs, and always on PostgreSQL, where
// heartbeats decide.
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
	release = func() { _ = f.Close() }
	fd := int(f.Fd())
	if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		// Alone. Downgrading is atomic on Linux (the lock is never free in between).
		if err := syscall.Flock(fd, syscall.LOCK_SH); err != nil {
			release()
			return func() {}, false, fmt.Errorf("store: dispatcher lock: %w", err)
		}
		return release, true, nil
	}
	if syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB) == nil {
		return release, false, nil
	}
	// Held exclusively: another dispatcher is starting, or one of a release
	// before this rule holds it for as long as it runs. Keep asking, so that
	// this dispatcher holds it before the next one starts after that one.
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB) == nil {
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			_ = f.Close()
		})
	}, false, nil
}
