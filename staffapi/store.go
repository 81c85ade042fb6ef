package staffapi

import (
	"context"

	"github.com/tamkeen/tamkeen/store"
)

// Store is what the staff API reads and writes itself (broadcasts go
// through the notifier's service): people, sign-ups, opportunities and the
// audit log. *store.Store fits.
type Store interface {
	ListContacts(ctx context.Context, f store.ContactFilter) ([]store.Contact, error)
	FieldsOf(ctx context.Context, ids []int64) (map[int64]map[string]string, error)
	SetContactField(ctx context.Context, contactID int64, name, value string) error
	ListSignups(ctx context.Context, f store.SignupFilter) ([]store.SignupRow, error)
	Opportunities(ctx context.Context) ([]store.OpportunityView, error)
	Opportunity(ctx context.Context, id int64) (*store.OpportunityView, error)
	CreateOpportunity(ctx context.Context, o *store.Opportunity) error
	UpdateOpportunity(ctx context.Context, o *store.Opportunity) error
	SetAttended(ctx context.Context, opportunityID, signupID int64, attended bool) error
	Audit(ctx context.Context, e store.AuditEvent) error
	// Conversations with staff.
	StaffAccountNamed(ctx context.Context, username string) (*store.StaffAccount, error)
	ListConversations(ctx context.Context, f store.ConversationFilter) ([]store.ConversationRow, error)
	ConversationThread(ctx context.Context, id int64, regions store.Regions) (*store.ConversationView, error)
	ReplyToConversation(ctx context.Context, id int64, actor store.Actor, text string) (*store.ConversationEntry, error)
	CloseConversation(ctx context.Context, id int64, actor store.Actor) error
}

var _ Store = (*store.Store)(nil)
