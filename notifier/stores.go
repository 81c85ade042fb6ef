package notifier

import (
	"context"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

// Outbox is what the dispatcher needs of the store: the outbox lanes it
// claims from and records in, the replicas it shares the providers' rates
// with, and the two facts a send can teach about a contact. *store.Store fits.
type Outbox interface {
	Dialect() string
	ProcessLock(ctx context.Context) (release func(), ok bool, err error)
	Heartbeat(ctx context.Context, instance string, within time.Duration) (int, error)
	LeaveReplicas(ctx context.Context, instance string) error
	ListenOutbox(ctx context.Context, fn func(payload string)) error
	NotifyOutbox(ctx context.Context, payload string) error
	HasDue(ctx context.Context, channel string, minPriority, maxPriority int) (bool, error)
	ClaimLane(ctx context.Context, channel string, minPriority, maxPriority, limit int, lease time.Duration, holder string) ([]store.OutboxMessage, error)
	ClaimedContacts(ctx context.Context, rows []store.OutboxMessage) (map[int64]*store.Contact, error)
	FinishBatch(ctx context.Context, results []store.OutboxResult) error
	ReclaimExpired(ctx context.Context) (int, error)
	ReclaimOrphaned(ctx context.Context, silentFor time.Duration, exceptFor string) (int, error)
	MarkOptedOut(ctx context.Context, contactID int64) error
	MarkUnreachable(ctx context.Context, contactID int64, channel string, unreachable bool) error
	// WhatsApp outside the window: the 131047 mark, and whether a
	// broadcast's row may move to SMS.
	CloseWhatsAppWindow(ctx context.Context, contactID int64, at time.Time) error
	Broadcast(ctx context.Context, id int64) (*store.Broadcast, error)
}

// BroadcastStore is what the broadcast service needs of the store: the
// broadcasts themselves and their expansion into outbox rows. *store.Store fits.
type BroadcastStore interface {
	Ping(ctx context.Context) error // is the database answering at all?
	CreateBroadcast(ctx context.Context, b *store.Broadcast) error
	Broadcast(ctx context.Context, id int64) (*store.Broadcast, error)
	Broadcasts(ctx context.Context, before int64, limit int) ([]store.Broadcast, error)
	BroadcastRowCounts(ctx context.Context, ids []int64) (map[int64]map[string]int, error)
	CancelBroadcast(ctx context.Context, id int64) (int, error)
	DueBroadcast(ctx context.Context, now time.Time) (*store.Broadcast, error)
	ExpandBroadcast(ctx context.Context, id int64, batch, priority int, due time.Time) (store.Expansion, error)
	FailBroadcast(ctx context.Context, id int64, reason string) error
	EstimateAudience(ctx context.Context, b *store.Broadcast) (store.AudienceEstimate, error)
}

var (
	_ Outbox         = (*store.Store)(nil)
	_ BroadcastStore = (*store.Store)(nil)
)
