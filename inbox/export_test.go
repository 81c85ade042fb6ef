package inbox

import "time"

// Pause keeps writers from starting, so that the inputs handed to Handle
// from now on wait in the queue; resume lets them be handled, together.
// Queued tells how many wait.
func (ib *Inbox) Pause() (queued func() int, resume func()) {
	// A writer that has just answered its last input may still be looking
	// for more; wait until it has gone, or it would take what the caller
	// queues next while "paused".
	for {
		ib.mu.Lock()
		if ib.writers == 0 {
			ib.writers += ib.maxWriters
			ib.mu.Unlock()
			break
		}
		ib.mu.Unlock()
		time.Sleep(50 * time.Microsecond)
	}
	queued = func() int {
		ib.mu.Lock()
		defer ib.mu.Unlock()
		return len(ib.queue)
	}
	resume = func() {
		ib.mu.Lock()
		ib.writers -= ib.maxWriters
		start := ib.maxWriters - ib.writers
		ib.writers += start
		ib.mu.Unlock()
		for range start {
			go ib.write()
		}
	}
	return queued, resume
}
