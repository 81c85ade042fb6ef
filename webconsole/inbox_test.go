package webconsole_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
	"github.com/tamkeen/tamkeen/webconsole"
)

// asking is a person of governorate on Telegram chat who asked for staff
// and wrote text; it returns the conversation's id.
func asking(t *testing.T, s *store.Store, chat int64, name, governorate, text string) int64 {
	t.Helper()
	id := contact(t, s, vocab.Address{TelegramChatID: chat}, func(c *store.Contact) {
		at := t0
		c.Name, c.Governorate, c.ConsentAt = name, governorate, &at
	})
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.ClaimInbounds([]store.InboundClaim{{Channel: vocab.Telegram, ExternalID: strconv.FormatInt(chat, 10),
			ContactID: id, Kind: store.InboundText, Text: text}}); err != nil {
			return err
		}
		return tx.OpenConversation(id, vocab.Telegram)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.LatestConversation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func staffRows(t *testing.T, s *store.Store) []store.OutboxMessage {
	t.Helper()
	rows, err := s.OutboxByDedupePrefix(context.Background(), "staff:")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The inbox by role and governorate: a caseworker limited to Muscat sees
// and answers only Muscat's people (a Dhofar conversation is "not found",
// and nothing reaches its person); a viewer reads every thread but gets no
// reply box and cannot answer; answers and closings go through the outbox
// and into the audit log; closing asks first; canned replies are the
// administrators' to edit and fill the reply box in the person's language.
func TestInboxByRoleAndRegion(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		account(t, e.store, "manager", store.RoleAdmin, "manager pass phrase")
		account(t, e.store, "salim", store.RoleStaff, "caseworker pass phrase")
		account(t, e.store, "data", store.RoleViewer, "read only pass phrase")
		if err := e.store.SetStaffRegions(t.Context(), "salim", store.ParseRegions("muscat")); err != nil {
			t.Fatal(err)
		}
		muscat := asking(t, e.store, 601, "Huda Muscati", "muscat", "متى تنزل المعونة؟")
		dhofar := asking(t, e.store, 602, "Ali Dhofari", "dhofar", "ابني معاق، هل يحق له التدريب؟")
		mPath, dPath := "/console/inbox/"+strconv.FormatInt(muscat, 10), "/console/inbox/"+strconv.FormatInt(dhofar, 10)
		salim := e.as(t, "salim", "caseworker pass phrase")
		viewer := e.as(t, "data", "read only pass phrase")
		manager := e.as(t, "manager", "manager pass phrase")

		list := salim.get(t, "/console/inbox?lang=en")
		if list.code != 200 || !strings.Contains(list.body, "Huda Muscati") || strings.Contains(list.body, "Ali Dhofari") {
			t.Fatalf("salim's inbox: %d\n%s", list.code, list.body)
		}
		if a := salim.get(t, dPath); a.code != http.StatusNotFound {
			t.Errorf("salim opens Dhofar's conversation: %d", a.code)
		}
		for _, p := range []string{"/reply", "/note", "/close", "/assign", "/reopen"} {
			if a := salim.post(t, dPath+p, salim.form(t, "text", "hello", "confirmed", "yes")); a.code != http.StatusNotFound {
				t.Errorf("salim posts %s to Dhofar's conversation: %d", p, a.code)
			}
		}
		if a := viewer.post(t, mPath+"/reply", viewer.form(t, "text", "hello")); a.code != http.StatusForbidden {
			t.Errorf("the viewer answers: %d", a.code)
		}
		if rows := staffRows(t, e.store); len(rows) != 0 {
			t.Fatalf("refused answers were queued: %+v", rows)
		}
		v := viewer.get(t, mPath+"?lang=en")
		if v.code != 200 || !strings.Contains(v.body, "متى تنزل المعونة؟") || strings.Contains(v.body, `id="compose"`) {
			t.Fatalf("the viewer reads, without a reply box: %d\n%s", v.code, v.body)
		}
		if a := viewer.get(t, "/console/inbox?lang=en"); !strings.Contains(a.body, "Ali Dhofari") || !strings.Contains(a.body, "Huda Muscati") {
			t.Errorf("the viewer, limited to no governorate, sees both")
		}

		// An empty answer is refused on the thread's page; nothing goes.
		if a := salim.post(t, mPath+"/reply", salim.form(t, "text", "   ")); a.code != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="problem"`) {
			t.Errorf("empty answer: %d", a.code)
		}
		// Salim answers.
		if a := salim.post(t, mPath+"/reply", salim.form(t, "text", "في الأسبوع الأول من كل شهر.")); a.code != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", a.code, a.body)
		}
		rows := staffRows(t, e.store)
		if len(rows) != 1 || rows[0].Body != "في الأسبوع الأول من كل شهر." || rows[0].Recipient != "601" {
			t.Fatalf("queued %+v", rows)
		}
		th := salim.get(t, mPath+"?lang=en")
		mustContain(t, th.body, "في الأسبوع الأول من كل شهر.", "<bdi>salim</bdi>", `id="assignee"><bdi>salim</bdi>`)

		// A note no beneficiary sees: on the page, not in the outbox.
		if a := salim.post(t, mPath+"/note", salim.form(t, "text", "يتابع مع مكتب مسقط")); a.code != http.StatusSeeOther {
			t.Fatalf("note: %d", a.code)
		}
		if rows := staffRows(t, e.store); len(rows) != 1 {
			t.Errorf("a note was queued to the person: %+v", rows)
		}
		mustContain(t, salim.get(t, mPath).body, "يتابع مع مكتب مسقط")

		// Closing asks first; confirmed, it tells the person.
		if a := salim.post(t, mPath+"/close", salim.form(t)); a.code != 200 || !strings.Contains(a.body, `name="confirmed"`) {
			t.Fatalf("close without confirming: %d", a.code)
		}
		if v, _ := e.store.LatestConversation(t.Context(), contactOf(t, e.store, 601)); v.Status != store.ConversationOpen {
			t.Fatal("the question closed the conversation")
		}
		if a := salim.post(t, mPath+"/close", salim.form(t, "confirmed", "yes")); a.code != http.StatusSeeOther {
			t.Fatalf("close: %d", a.code)
		}
		if rows := staffRows(t, e.store); len(rows) != 2 || !strings.Contains(rows[1].Payload, "handoff.closed") {
			t.Errorf("after closing, queued %+v", rows)
		}
		if a := salim.post(t, mPath+"/reply", salim.form(t, "text", "one more")); a.code != http.StatusConflict {
			t.Errorf("answer after closing: %d", a.code)
		}
		if a := salim.post(t, mPath+"/reopen", salim.form(t)); a.code != http.StatusSeeOther {
			t.Errorf("reopen: %d", a.code)
		}

		// All of it on record, by salim.
		audit := manager.get(t, "/console/audit?lang=en&actor=salim")
		for _, what := range []string{"answered a conversation", "added an internal note", "closed a conversation", "reopened a conversation"} {
			if !strings.Contains(audit.body, what) {
				t.Errorf("the audit log lacks %q", what)
			}
		}

		// Canned replies: administrators edit, staff use.
		if a := salim.post(t, "/console/inbox/canned", salim.form(t, "title", "x", "text_ar", "y")); a.code != http.StatusForbidden {
			t.Errorf("staff edit canned replies: %d", a.code)
		}
		if a := manager.post(t, "/console/inbox/canned", manager.form(t, "title", "موعد الصرف", "text_ar", "تنزل المعونة في الأسبوع الأول.", "text_en", "Aid comes in the first week.")); a.code != http.StatusSeeOther {
			t.Fatalf("canned: %d %s", a.code, a.body)
		}
		list2, _ := e.store.CannedReplies(t.Context())
		page := salim.get(t, mPath+"?canned="+strconv.FormatInt(list2[0].ID, 10))
		mustContain(t, page.body, ">تنزل المعونة في الأسبوع الأول.</textarea>")
	})
}

func contactOf(t *testing.T, s *store.Store, chat int64) int64 {
	t.Helper()
	return contact(t, s, vocab.Address{TelegramChatID: chat}, func(*store.Contact) {})
}

// The reply box of a WhatsApp conversation says whether a free answer can
// go and until when; once the window is closed (a day after they wrote, or
// early by WhatsApp's 131047), how the answer will go instead: as the staff
// template when one is set, else by SMS where the number reaches, else it
// waits for the person to write.
func TestReplyBoxOnWhatsAppOutsideTheWindow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		template string
		smsDead  bool
		want     string
	}{
		{"template", "tamkeen_staff_reply", false, "the answer goes as the approved template tamkeen_staff_reply"},
		{"no template: SMS", "", false, "the answer goes by SMS to their number"},
		{"no template, no SMS", "", true, "a normal message will not reach them until they write again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(t0)
			storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
				e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"whatsapp", "sms"}, StaffTemplate: tc.template})
				wrote := t0.Add(-time.Hour)
				id := contact(t, s, vocab.Address{Phone: "+96891000077"}, func(c *store.Contact) {
					c.Name, c.ConsentAt, c.WhatsAppLastInboundAt, c.SMSUnreachable = "Mariam", &t0, &wrote, tc.smsDead
				})
				if err := s.InTx(context.Background(), func(tx *store.Tx) error { return tx.OpenConversation(id, vocab.WhatsApp) }); err != nil {
					t.Fatal(err)
				}
				v, err := s.LatestConversation(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				e.login(t)
				path := "/console/inbox/" + strconv.FormatInt(v.ID, 10) + "?lang=en"
				mustContain(t, e.get(t, path).body, `id="reply-window">WhatsApp: a normal message can go until`)
				// WhatsApp says the window closed (131047): the box says so at once.
				if err := s.CloseWhatsAppWindow(context.Background(), id, t0.Add(-time.Minute)); err != nil {
					t.Fatal(err)
				}
				mustContain(t, e.get(t, path).body, tc.want)
			})
		})
	}
}
