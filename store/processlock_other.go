//go:build !unix

package store

import "context"

// ProcessLock is not available here: heartbeats alone decide when another
// dispatcher's rows are taken over.
func (s *Store) ProcessLock(ctx context.Context) (release func(), ok bool, err error) {
	return func() {}, false, nil
}
