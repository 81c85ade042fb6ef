package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tamkeen/tamkeen/clock"
)

// The inbox loads contacts by contactColumns and saves them whole: a
// column left out of the list is written back empty whenever a person
// writes (an import's list was wiped so, and WhatsApp's early window
// close). The list names every column a Contact saves, and scanContacts
// reads each into its field: what is saved comes back as it was.
func TestTheInboxLoadsEveryContactColumn(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	s, err := Open(ctx, t.TempDir()+"/columns.db", clk)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(&Contact{}); err != nil {
		t.Fatal(err)
	}
	table := slices.Clone(stmt.Schema.DBNames) // what SaveContact writes
	var listed []string
	for _, c := range strings.Split(contactColumns, ",") {
		listed = append(listed, strings.TrimSpace(c))
	}
	slices.Sort(table)
	sorted := slices.Sorted(slices.Values(listed))
	if !slices.Equal(table, sorted) {
		t.Fatalf("contactColumns %v\nthe contacts table %v", sorted, table)
	}
	// Every field set, saved, loaded by the inbox's query: the same.
	at := clk.Now().UTC()
	phone, wa := "+96891234567", "OM.123"
	c := &Contact{Phone: &phone, WhatsAppID: &wa, Language: "ar", Name: "سلمى", Governorate: "dhofar", Track: "crafts",
		ConsentAt: &at, ConsentDeclinedAt: &at, OptedOutAt: &at, TelegramBlocked: true, SMSUnreachable: true,
		WhatsAppLastInboundAt: &at, WhatsAppUnreachable: true, WhatsAppFailures: 2, WhatsAppWindowClosedAt: &at,
		ImportSource: "registry", ImportedAt: &at, ImportCreated: true}
	if err := s.db.Create(c).Error; err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.Raw("SELECT "+contactColumns+" FROM contacts WHERE id = ?", c.ID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanContacts(rows)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	g := got[0]
	for name, same := range map[string]bool{
		"consent declined": g.ConsentDeclinedAt != nil && g.ConsentDeclinedAt.Equal(at),
		"window closed":    g.WhatsAppWindowClosedAt != nil && g.WhatsAppWindowClosedAt.Equal(at),
		"imported":         g.ImportedAt != nil && g.ImportedAt.Equal(at) && g.ImportSource == "registry" && g.ImportCreated,
		"whatsapp":         *g.WhatsAppID == wa && g.WhatsAppUnreachable && g.WhatsAppFailures == 2 && g.WhatsAppLastInboundAt.Equal(at),
		"profile":          g.Name == c.Name && g.Governorate == c.Governorate && g.Track == c.Track && g.ConsentAt.Equal(at) && g.OptedOutAt.Equal(at),
	} {
		if !same {
			t.Errorf("%s: loaded %+v", name, g)
		}
	}
}

// Whom broadcasts may reach is said twice, in SQL for the audience
// (consentedSQL) and in Go for the dispatcher (Contact.Consented): over
// every combination of agreed, declined and brought by a list, both say
// the same.
func TestConsentedIsOneRuleInSQLAndGo(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	s, err := Open(ctx, t.TempDir()+"/consent.db", clk)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := clk.Now().UTC()
	want := map[int64]bool{}
	for i := range 8 {
		phone := "+9689100000" + strconv.Itoa(i)
		c := &Contact{Phone: &phone, Language: "ar"}
		if i&1 != 0 {
			c.ConsentAt = &at
		}
		if i&2 != 0 {
			c.ConsentDeclinedAt = &at
		}
		if i&4 != 0 {
			c.ImportSource, c.ImportedAt = "registry", &at
		}
		if err := s.db.Create(c).Error; err != nil {
			t.Fatal(err)
		}
		want[c.ID] = c.Consented()
	}
	var ids []int64
	if err := s.db.Raw("SELECT c.id FROM contacts c WHERE " + consentedSQL).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, id := range ids {
		got[id] = true
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("contact %d (combination %d): SQL says %v, Go says %v", id, id-1, got[id], w)
		}
	}
	if n := len(ids); n != 5 { // agreed (4 ways) or listed and never declined (1)
		t.Errorf("%d of the 8 combinations may be reached, want 5", n)
	}
}
