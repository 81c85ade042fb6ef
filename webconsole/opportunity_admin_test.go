package webconsole_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
)

func TestManageOpportunityAndSignups(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		freed := 0
		e.console.OnPlacesFreed(func() { freed++ })
		a := phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		b := phoneContact(t, e.store, "+96890000002", "muscat", "ar", true)
		newcomer := phoneContact(t, e.store, "+96890000003", "muscat", "ar", true)
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة تصوير"}, Description: map[string]string{},
			StartsAt: t0.AddDate(0, 0, 7), Capacity: 1}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetSignup(a, o.ID, store.SignupRegistered); err != nil {
				return err
			}
			return tx.SetSignup(b, o.ID, store.SignupWaitlisted)
		}); err != nil {
			t.Fatal(err)
		}
		rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10})
		regID, waitID := strconv.FormatInt(rows[0].ID, 10), strconv.FormatInt(rows[1].ID, 10)
		path := "/console/opportunities/" + strconv.FormatInt(o.ID, 10)
		e.login(t)

		// Attendance: only a registration can be marked.
		if r := e.post(t, path+"/signups/"+regID+"/attended", e.form(t, "attended", "1")); r.code != http.StatusSeeOther {
			t.Fatalf("mark attended %s: %d %s", path+"/signups/"+regID+"/attended", r.code, r.body)
		}
		mustContain(t, e.get(t, path).body, `<td>حضر</td>`)
		if r := e.post(t, path+"/signups/"+waitID+"/attended", e.form(t, "attended", "1")); r.code != http.StatusConflict {
			t.Fatalf("mark a waiting person attended: %d", r.code)
		}
		if r := e.post(t, path+"/signups/999/cancel", e.form(t)); r.code != http.StatusNotFound {
			t.Fatalf("cancel a missing sign-up: %d", r.code)
		}
		// Cancelling the registration frees the place for the person waiting.
		if r := e.post(t, path+"/signups/"+regID+"/cancel", e.form(t, "confirmed", "yes")); r.code != http.StatusSeeOther {
			t.Fatalf("cancel: %d", r.code)
		}
		if rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10}); rows[0].Status != store.SignupCancelled || freed != 1 {
			t.Fatalf("after cancel: %+v, places freed %d", rows[0], freed)
		}
		if r := e.post(t, path+"/signups/"+waitID+"/cancel", e.form(t, "confirmed", "yes")); r.code != http.StatusSeeOther || freed != 1 {
			t.Fatalf("cancelling a waiting person frees no place: %d, %d", r.code, freed)
		}

		// Closing ends sign-ups: the opportunity is no longer offered.
		offered := func() bool {
			var views []store.OpportunityView
			_ = e.store.InTx(ctx, func(tx *store.Tx) error {
				var err error
				views, _, err = tx.ConversationData(newcomer, e.clk.Now())
				return err
			})
			for _, v := range views {
				if v.ID == o.ID {
					return true
				}
			}
			return false
		}
		if !offered() {
			t.Fatal("the open opportunity is not offered")
		}
		if r := e.post(t, path+"/close", e.form(t)); r.code != http.StatusSeeOther {
			t.Fatalf("close: %d", r.code)
		}
		if offered() {
			t.Fatal("a closed opportunity is still offered")
		}
		mustContain(t, e.get(t, path).body, "التسجيل مغلق")
		// Archiving takes it off the list; restoring brings it back.
		if r := e.post(t, path+"/archive", e.form(t, "archived", "1")); r.code != http.StatusSeeOther {
			t.Fatalf("archive: %d", r.code)
		}
		if strings.Contains(e.get(t, "/console/opportunities").body, "دورة تصوير") ||
			!strings.Contains(e.get(t, "/console/opportunities?archived=1").body, "دورة تصوير") {
			t.Fatal("an archived opportunity is in the list, or missing from the archive")
		}
		e.post(t, path+"/archive", e.form(t, "archived", "0"))
		mustContain(t, e.get(t, "/console/opportunities").body, "دورة تصوير")
		log, _ := e.store.AuditLog(ctx, 0, 3)
		if log[0].Action != "opportunity_archive" || log[2].Action != "opportunity_close" {
			t.Fatalf("audit: %+v", log)
		}
	})
}
