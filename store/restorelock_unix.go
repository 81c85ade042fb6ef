//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// sqliteShmDMS is the byte of the -shm file on which every SQLite
// connection in WAL mode holds a shared lock for as long as it is open
// (UNIX_SHM_DMS in SQLite's os_unix.c: (22+8)*4+8).
const sqliteShmDMS = 128

// lockOut makes sure no process has the SQLite database at db open, and
// keeps newcomers out until release: it takes the lock that serve's
// dispatcher holds while it runs (ProcessLock), and the exclusive lock on
// the -shm file's DMS byte, which SQLite itself needs to open a WAL
// database and cannot get while any connection, from any program, is open.
func lockOut(db string) (release func(), err error) {
	var held []*os.File
	release = func() {
		for _, f := range held {
			_ = f.Close()
		}
	}
	lockPath := db + ".dispatcher.lock"
	lf, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", db, err)
	}
	held = append(held, lf)
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		release()
		return nil, fmt.Errorf("%w: tamkeen serve is running on %s (it holds %s): stop it first", ErrInUse, db, lockPath)
	}
	shm, err := os.OpenFile(db+"-shm", os.O_RDWR, 0)
	switch {
	case errors.Is(err, os.ErrNotExist): // nobody has it open in WAL mode
		return release, nil
	case err != nil:
		release()
		return nil, fmt.Errorf("lock %s: %w", db, err)
	}
	held = append(held, shm)
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: sqliteShmDMS, Len: 1}
	if err := syscall.FcntlFlock(shm.Fd(), syscall.F_SETLK, &lk); err != nil {
		release()
		return nil, fmt.Errorf("%w: another process has %s open (tamkeen serve, chat, staff or migrate, or an sqlite3 shell): stop it first", ErrInUse, db)
	}
	return release, nil
}
