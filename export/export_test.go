package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

func TestSignups(t *testing.T) {
	phone := "+96891234567"
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	err := Signups(&b, []store.SignupRow{{ID: 1, ContactID: 2, Name: "=evil()", Phone: &phone, OpportunityID: 3,
		Opportunity: map[string]string{"ar": "خياطة", "en": "Sewing"}, Status: "registered", CreatedAt: at, UpdatedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	// Excel reads the file as UTF-8 only after a byte-order mark.
	if !strings.HasPrefix(b.String(), "\xEF\xBB\xBFid,") {
		t.Fatalf("csv does not start with the UTF-8 byte-order mark: %q", b.String())
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(b.String(), BOM)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "id,contact_id,name,phone") {
		t.Fatalf("csv = %q", b.String())
	}
	if want := "1,2,'=evil(),'+96891234567,,3,خياطة,Sewing,registered,2026-11-23T10:00:00Z,2026-11-23T10:00:00Z"; lines[1] != want {
		t.Errorf("row = %q, want %q", lines[1], want)
	}
}
