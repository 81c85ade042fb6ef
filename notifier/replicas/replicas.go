// Package replicas lets the dispatchers that send from one database know of
// each other. Each announces itself every interval under its instance name
// (the name its claims carry), learns how many are running so that each
// takes its share of every provider's rate, and takes over the rows of a
// dispatcher that fell silent (it was killed) without waiting for their
// lease; on SQLite the process holding the dispatcher lock file takes over
// at once whatever a previous process held. On PostgreSQL it also wakes the
// others when rows were enqueued here (LISTEN/NOTIFY).
package replicas

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
)

// Store is what coordination needs of the database. *store.Store fits.
type Store interface {
	Dialect() string
	ProcessLock(ctx context.Context) (release func(), alone bool, err error)
	Heartbeat(ctx context.Context, instance string, within time.Duration) (int, error)
	LeaveReplicas(ctx context.Context, instance string) error
	ReclaimOrphaned(ctx context.Context, silentFor time.Duration, exceptFor string) (int, error)
	ListenOutbox(ctx context.Context, fn func(payload string)) error
	NotifyOutbox(ctx context.Context, payload string) error
}

var _ Store = (*store.Store)(nil)

// NewInstance returns a fresh instance name. Every dispatcher of one
// process should carry the same (serve's and its terminal chat's): the
// lock file says which process runs, not which dispatcher, and rows one of
// them holds are not a stopped dispatcher's to the other.
func NewInstance() string {
	b := make([]byte, 8)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// Config says who a Coordinator is and whom it tells.
type Config struct {
	// Instance is the name this dispatcher's claims and heartbeats carry
	// (empty: a NewInstance of its own).
	Instance string
	// Interval is how often to announce ourselves (default 1 s). Replicas
	// seen within three intervals share the rates; rows of one silent for
	// three intervals and at least a second are taken over.
	Interval time.Duration
	// Shared is told, after every heartbeat, how many share the rates (nil: nobody).
	Shared func(replicas int)
	// TookOver is told when rows of a stopped dispatcher were put back (nil: nobody).
	TookOver func()
}

// Coordinator is one dispatcher's membership among the replicas. Its
// methods are safe for concurrent use.
type Coordinator struct {
	store Store
	clock clock.Clock
	log   *slog.Logger
	cfg   Config

	mu       sync.Mutex
	lastBeat time.Time
	replicas int
}

// New returns a Coordinator; it announces nothing until Join, Beat or Run.
func New(s Store, clk clock.Clock, log *slog.Logger, cfg Config) *Coordinator {
	if cfg.Instance == "" {
		cfg.Instance = NewInstance()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	return &Coordinator{store: s, clock: clk, log: log, cfg: cfg, replicas: 1}
}

// Instance is the name this dispatcher's claims carry.
func (c *Coordinator) Instance() string { return c.cfg.Instance }

// Replicas is how many dispatchers the last heartbeat counted (itself included).
func (c *Coordinator) Replicas() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.replicas
}

// Silence is how long a dispatcher may stay silent before its rows are
// taken over: three heartbeats, and never under a second, so that a busy
// moment is not taken for a death.
func (c *Coordinator) Silence() time.Duration { return max(3*c.cfg.Interval, time.Second) }

// Join announces this dispatcher before it claims anything, so that no
// other takes its rows for a dead one's, then takes the process lock and,
// when this process is alone on the database, takes over every row that
// carries another name: a killed predecessor's. release gives the lock back.
func (c *Coordinator) Join(ctx context.Context) (release func()) {
	c.Beat(ctx)
	release, alone, err := c.store.ProcessLock(ctx)
	if err != nil {
		c.log.Warn("dispatcher: no process lock; rows of a stopped process wait for its heartbeat to age", "err", err)
		return func() {}
	}
	if alone {
		c.takeOver(ctx, c.cfg.Instance)
	}
	return release
}

// Beat announces this dispatcher, reads how many share the rates (those
// seen within three intervals) and tells Shared. On failure the last count
// stands.
func (c *Coordinator) Beat(ctx context.Context) {
	n, err := c.store.Heartbeat(ctx, c.cfg.Instance, 3*c.cfg.Interval)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("dispatcher: heartbeat failed; keeping the last share of the rates", "err", err)
		}
		return
	}
	c.mu.Lock()
	c.lastBeat, c.replicas = c.clock.Now(), n
	c.mu.Unlock()
	if c.cfg.Shared != nil {
		c.cfg.Shared(n)
	}
}

// Due says whether a heartbeat is due: the last is an interval old. A
// dispatcher that sends only now and then (DispatchOnce) beats when due,
// since its claims name it.
func (c *Coordinator) Due() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock.Now().Sub(c.lastBeat) >= c.cfg.Interval
}

// TakeOver puts back the rows of dispatchers silent for Silence; it says how many.
func (c *Coordinator) TakeOver(ctx context.Context) int { return c.takeOver(ctx, "") }

// takeOver puts back the rows of stopped dispatchers (with alone set: of
// every dispatcher but alone, which knows its process is the only one).
func (c *Coordinator) takeOver(ctx context.Context, alone string) int {
	n, err := c.store.ReclaimOrphaned(ctx, c.Silence(), alone)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("dispatcher: could not take over a stopped dispatcher's rows; they wait for their lease", "err", err)
		}
		return 0
	}
	if n > 0 {
		c.log.Warn("dispatcher: took over rows a stopped dispatcher held", "count", n)
		if c.cfg.TookOver != nil {
			c.cfg.TookOver()
		}
	}
	return n
}

// Run beats every interval and takes over the rows of dispatchers that fell
// silent, until ctx ends.
func (c *Coordinator) Run(ctx context.Context) {
	t := c.clock.NewTimer(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		c.Beat(ctx)
		c.TakeOver(ctx)
		t.Reset(c.cfg.Interval)
	}
}

// Leave forgets this dispatcher at once, so the others take up its share
// without waiting for its heartbeat to age. Call it once every result is recorded.
func (c *Coordinator) Leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.store.LeaveReplicas(ctx, c.cfg.Instance); err != nil {
		c.log.Warn("dispatcher: could not leave the replica list; the others wait for it to age out", "err", err)
	}
}

// Listen calls wake when another replica enqueued rows (PostgreSQL
// LISTEN), until ctx ends; elsewhere it returns at once.
func (c *Coordinator) Listen(ctx context.Context, wake func()) {
	wait := time.Second
	for ctx.Err() == nil {
		err := c.store.ListenOutbox(ctx, func(payload string) {
			if payload != c.cfg.Instance {
				wake()
			}
		})
		if errors.Is(err, store.ErrNoListen) || ctx.Err() != nil {
			return
		}
		c.log.Warn("dispatcher: LISTEN connection lost; polling meanwhile", "err", err, "retry_in", wait)
		_ = clock.Sleep(ctx, c.clock, wait)
		wait = min(2*wait, 30*time.Second)
	}
}

// Announce tells the other replicas (PostgreSQL NOTIFY) each time publish
// fires that rows were enqueued here, until ctx ends; elsewhere it returns at once.
func (c *Coordinator) Announce(ctx context.Context, publish <-chan struct{}) {
	if c.store.Dialect() != "postgres" {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-publish:
			if err := c.store.NotifyOutbox(ctx, c.cfg.Instance); err != nil && ctx.Err() == nil {
				c.log.Warn("dispatcher: NOTIFY failed; other replicas will find the rows by polling", "err", err)
			}
		}
	}
}
