package staffapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// doAs is do with the bearer token, acting for a staff account ("" for none).
func (e env) doAs(t *testing.T, method, path, staff, body string) (int, string) {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + token}}
	if staff != "" {
		h.Set("X-Tamkeen-Staff", staff)
	}
	return e.request(t, method, path, body, h)
}

// waiting makes a person of governorate on Telegram chat who asked for
// staff and wrote text; it returns the conversation's id.
func waiting(t *testing.T, s *store.Store, chat int64, governorate, text string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := s.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: chat}, "ar")
		if err != nil {
			return err
		}
		at := t0
		c.Name, c.Governorate, c.ConsentAt = "Person "+governorate, governorate, &at
		if err := tx.SaveContact(c); err != nil {
			return err
		}
		if _, err := tx.ClaimInbounds([]store.InboundClaim{{Channel: vocab.Telegram, ExternalID: strconv.FormatInt(chat, 10),
			ContactID: c.ID, Kind: store.InboundText, Text: text}}); err != nil {
			return err
		}
		if err := tx.OpenConversation(c.ID, vocab.Telegram); err != nil {
			return err
		}
		id = c.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.LatestConversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func account(t *testing.T, s *store.Store, name, role, regions string) {
	t.Helper()
	if err := s.CreateStaffAccount(context.Background(), &store.StaffAccount{Username: name, Role: role, PasswordHash: "x", Regions: regions}); err != nil {
		t.Fatal(err)
	}
}

// Conversations through the API: a caseworker limited to Muscat lists,
// reads and answers only Muscat's people (Dhofar's are 404, and nothing is
// queued for them); a viewer reads only; bad answers change nothing;
// answers go through the outbox and on record; a closed conversation is
// told to the person and takes no more answers.
func TestConversationsByRoleAndRegion(t *testing.T) {
	e := newEnv(t, token)
	ctx := context.Background()
	muscatID := waiting(t, e.store, 501, "muscat", "متى تنزل المعونة؟")
	dhofarID := waiting(t, e.store, 502, "dhofar", "ابني معاق، هل يحق له التدريب؟")
	account(t, e.store, "salim", store.RoleStaff, "muscat")
	account(t, e.store, "vera", store.RoleViewer, "")
	m, d := "/api/v1/conversations/"+strconv.FormatInt(muscatID, 10), "/api/v1/conversations/"+strconv.FormatInt(dhofarID, 10)

	list := func(staff, query string) []int64 {
		t.Helper()
		code, body := e.doAs(t, "GET", "/api/v1/conversations"+query, staff, "")
		if code != 200 {
			t.Fatalf("list as %q: %d %s", staff, code, body)
		}
		var out struct{ Items []struct{ ID int64 } }
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if got := list("", ""); len(got) != 2 {
		t.Errorf("the token lists %v, want both", got)
	}
	if got := list("salim", "?status=open"); len(got) != 1 || got[0] != muscatID {
		t.Errorf("salim (Muscat) lists %v, want only %d", got, muscatID)
	}
	for _, c := range []struct {
		method, path, staff, body string
		want                      int
	}{
		{"GET", d, "salim", "", 404},
		{"POST", d + "/replies", "salim", `{"text":"hello"}`, 404},
		{"POST", d + "/close", "salim", "", 404},
		{"POST", m + "/replies", "vera", `{"text":"hello"}`, 403},
		{"POST", m + "/close", "vera", "", 403},
		{"GET", m, "nobody", "", 403},
		{"POST", m + "/replies", "salim", `{"text":""}`, 400},
		{"POST", m + "/replies", "salim", `{"text":"` + strings.Repeat("ب", 1001) + `"}`, 400},
		{"POST", m + "/replies", "salim", `{"text":"a\u202etext"}`, 400},
		{"POST", m + "/replies", "salim", `{"text":"hi","extra":1}`, 400},
		{"GET", "/api/v1/conversations?status=waiting", "", "", 400},
		{"GET", "/api/v1/conversations/999", "", "", 404},
	} {
		if code, body := e.doAs(t, c.method, c.path, c.staff, c.body); code != c.want {
			t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, c.staff, code, c.want, body)
		}
	}
	if counts, _ := e.store.OutboxCounts(ctx); counts[store.OutboxPending] != 0 {
		t.Fatalf("refused requests queued messages: %v", counts)
	}
	// The viewer reads, with both sides of the thread.
	code, body := e.doAs(t, "GET", m, "vera", "")
	if code != 200 || !strings.Contains(body, "متى تنزل المعونة؟") || !strings.Contains(body, `"direction":"in"`) {
		t.Fatalf("viewer reads: %d %s", code, body)
	}
	// Salim answers.
	code, body = e.doAs(t, "POST", m+"/replies", "salim", `{"text":"في الأسبوع الأول من كل شهر."}`)
	if code != 201 {
		t.Fatalf("answer: %d %s", code, body)
	}
	rows, err := e.store.OutboxByDedupePrefix(ctx, "staff:")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Body != "في الأسبوع الأول من كل شهر." || rows[0].Channel != vocab.Telegram || rows[0].Recipient != "501" || rows[0].Priority != store.PriorityStaff {
		t.Fatalf("queued %+v", rows)
	}
	code, body = e.doAs(t, "GET", m, "salim", "")
	if code != 200 || !strings.Contains(body, `"author":"salim"`) || !strings.Contains(body, `"kind":"staff"`) ||
		!strings.Contains(body, `"assigned_to":"salim"`) || !strings.Contains(body, `"waiting_since":null`) || strings.Contains(body, `"first_answer_at":null`) {
		t.Errorf("after the answer: %d %s", code, body)
	}
	events, err := e.store.AuditLog(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[0].Actor != "api:salim" || events[0].Action != "inbox_reply" || events[0].Outcome != 201 {
		t.Errorf("audit: %+v", events)
	}
	// Closing tells the person, and ends the answers.
	if code, body := e.doAs(t, "POST", m+"/close", "salim", ""); code != 200 || !strings.Contains(body, `"status":"closed"`) {
		t.Fatalf("close: %d %s", code, body)
	}
	rows, _ = e.store.OutboxByDedupePrefix(ctx, "staff:")
	if len(rows) != 2 || !strings.Contains(rows[1].Payload, "handoff.closed") {
		t.Errorf("after closing, queued %+v", rows)
	}
	if code, body := e.doAs(t, "POST", m+"/replies", "salim", `{"text":"one more"}`); code != 409 {
		t.Errorf("answer after closing: %d %s", code, body)
	}
	if got := list("salim", "?status=closed"); len(got) != 1 || got[0] != muscatID {
		t.Errorf("closed list %v", got)
	}
	if got := list("", "?status=open"); len(got) != 1 || got[0] != dhofarID {
		t.Errorf("open list after closing %v", got)
	}
}
