package webconsole_test

import (
	"context"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

		// Attendance: only a registration can be marked (and only from the start: TestAttendanceFromTheStartOn).
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

// Attendance is marked from the opportunity's start on: 13 days before, the
// page offers no button and says when it can be marked, and a mark sent
// anyway is refused with a clear message and stores nothing.
func TestAttendanceFromTheStartOn(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.clk.Set(t0) // the clock is shared by both databases' runs
		ctx := context.Background()
		who := phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		starts := t0.AddDate(0, 0, 13)
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة تصوير"}, Description: map[string]string{}, StartsAt: starts}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(who, o.ID, store.SignupRegistered) }); err != nil {
			t.Fatal(err)
		}
		rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10})
		path := "/console/opportunities/" + strconv.FormatInt(o.ID, 10)
		mark := path + "/signups/" + strconv.FormatInt(rows[0].ID, 10) + "/attended"
		e.login(t)

		page := e.get(t, path).body
		mustContain(t, page, "يُسجَّل الحضور ابتداءً من موعد بدء الفرصة")
		if strings.Contains(page, `action="`+mark+`"`) {
			t.Fatal("the page offers to mark attendance 13 days before the start")
		}
		for _, at := range []time.Time{t0, starts.Add(-time.Minute)} {
			e.clk.Set(at)
			e.login(t) // a session lasts 12 hours
			r := e.post(t, mark, e.form(t, "attended", "1"))
			if r.code != http.StatusConflict {
				t.Fatalf("mark attended at %v, before the start %v: %d", at, starts, r.code)
			}
			mustContain(t, r.body, "لم تبدأ هذه الفرصة بعد")
		}
		if rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10}); rows[0].AttendedAt != nil {
			t.Fatal("a refused mark was stored")
		}

		e.clk.Set(starts)
		e.login(t)
		if page := e.get(t, path).body; !strings.Contains(page, `action="`+mark+`"`) || strings.Contains(page, "يُسجَّل الحضور ابتداءً") {
			t.Fatal("at the start the page does not offer to mark attendance")
		}
		if r := e.post(t, mark, e.form(t, "attended", "1")); r.code != http.StatusSeeOther {
			t.Fatalf("mark attended at the start: %d %s", r.code, r.body)
		}
		mustContain(t, e.get(t, path).body, `<td>حضر</td>`)
	})
}

// row is the HTML of the table row with id in page ("" when absent).
func row(page, id string) string {
	m := regexp.MustCompile(`(?s)<tr id="` + regexp.QuoteMeta(id) + `">(.*?)</tr>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// Closed sign-ups can be opened again (not once the opportunity started,
// nor while archived); the lists say whether each is open; the waiting list
// shows each person's place; the dashboard leaves archived ones out.
func TestReopenOpenStateWaitingPlacesAndDashboard(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.clk.Set(t0)
		ctx := context.Background()
		newOpp := func(title string, starts time.Time) (*store.Opportunity, string) {
			o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": title}, Description: map[string]string{},
				StartsAt: starts, Capacity: 1}
			if err := e.store.CreateOpportunity(ctx, o); err != nil {
				t.Fatal(err)
			}
			return o, "/console/opportunities/" + strconv.FormatInt(o.ID, 10)
		}
		course, coursePath := newOpp("دورة تصوير", t0.AddDate(0, 0, 7))
		old, oldPath := newOpp("دورة بدأت", t0.Add(time.Hour))
		shelved, shelvedPath := newOpp("دورة مؤرشفة", t0.AddDate(0, 0, 9))
		var people []int64
		for i := range 4 {
			people = append(people, phoneContact(t, e.store, "+9689000000"+strconv.Itoa(i+1), "muscat", "ar", true))
		}
		// One registered, then three join the waiting list one after the other.
		for i, p := range people {
			status := store.SignupWaitlisted
			if i == 0 {
				status = store.SignupRegistered
			}
			if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(p, course.ID, status) }); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Minute)
		}
		e.login(t)
		rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: course.ID, Limit: 10})
		places := func() map[string]string {
			page := e.get(t, coursePath).body
			out := map[string]string{}
			for _, r := range rows {
				id := "signup-" + strconv.FormatInt(r.ID, 10)
				m := regexp.MustCompile(`الدور (\d+)`).FindStringSubmatch(row(page, id))
				if m != nil {
					out[id] = m[1]
				}
			}
			return out
		}
		id := func(i int) string { return "signup-" + strconv.FormatInt(rows[i].ID, 10) }
		if got, want := places(), map[string]string{id(1): "1", id(2): "2", id(3): "3"}; !maps.Equal(got, want) {
			t.Fatalf("waiting places %v, want %v", got, want)
		}
		// The first person waiting leaves: the others move up.
		if r := e.post(t, coursePath+"/signups/"+strconv.FormatInt(rows[1].ID, 10)+"/cancel", e.form(t, "confirmed", "yes")); r.code != http.StatusSeeOther {
			t.Fatalf("cancel: %d", r.code)
		}
		if got, want := places(), map[string]string{id(2): "1", id(3): "2"}; !maps.Equal(got, want) {
			t.Fatalf("after the first left, waiting places %v, want %v", got, want)
		}

		state := func(page string, o *store.Opportunity) string {
			r := row(page, "opp-"+strconv.FormatInt(o.ID, 10))
			switch {
			case r == "":
				return "absent"
			case strings.Contains(r, "مفتوح"):
				return "open"
			case strings.Contains(r, "مغلق"):
				return "closed"
			}
			return "no state: " + r
		}
		if r := e.post(t, shelvedPath+"/archive", e.form(t, "archived", "1")); r.code != http.StatusSeeOther {
			t.Fatalf("archive: %d", r.code)
		}
		e.clk.Advance(2 * time.Hour) // the old one has started
		e.login(t)
		list, dash := e.get(t, "/console/opportunities").body, e.get(t, "/console/").body
		for _, tc := range []struct {
			o          *store.Opportunity
			list, dash string
		}{{course, "open", "open"}, {old, "closed", "closed"}, {shelved, "absent", "absent"}} {
			if got := state(list, tc.o); got != tc.list {
				t.Errorf("%s in the list: %s, want %s", tc.o.Title["ar"], got, tc.list)
			}
			if got := state(dash, tc.o); got != tc.dash {
				t.Errorf("%s on the dashboard: %s, want %s", tc.o.Title["ar"], got, tc.dash)
			}
		}
		if got := state(e.get(t, "/console/opportunities?archived=1").body, shelved); got != "closed" {
			t.Errorf("the archived one under Archived: %s", got)
		}

		newcomer := phoneContact(t, e.store, "+96890000009", "muscat", "ar", true)
		offered := func() bool {
			var views []store.OpportunityView
			if err := e.store.InTx(ctx, func(tx *store.Tx) error {
				var err error
				views, _, err = tx.ConversationData(newcomer, e.clk.Now())
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(views, func(v store.OpportunityView) bool { return v.ID == course.ID })
		}
		// Close, then reopen: the bot offers it again and the list says open.
		if r := e.post(t, coursePath+"/close", e.form(t)); r.code != http.StatusSeeOther {
			t.Fatalf("close: %d", r.code)
		}
		if page := e.get(t, coursePath).body; offered() || !strings.Contains(page, "/reopen") || state(e.get(t, "/console/opportunities").body, course) != "closed" {
			t.Fatal("after closing: still offered, no reopen button, or the list does not say closed")
		}
		if r := e.post(t, coursePath+"/reopen", e.form(t)); r.code != http.StatusSeeOther {
			t.Fatalf("reopen: %d %s", r.code, r.body)
		}
		if page := e.get(t, coursePath).body; !offered() || strings.Contains(page, "/reopen") || !strings.Contains(page, "التسجيل مفتوح") ||
			state(e.get(t, "/console/opportunities").body, course) != "open" {
			t.Fatal("after reopening: not offered, a reopen button left, or the list does not say open")
		}
		// Not once it started, nor while archived.
		for _, tc := range []struct{ path, want string }{
			{oldPath, "بدأت هذه الفرصة"}, {shelvedPath, "هذه الفرصة مؤرشفة"},
		} {
			if strings.Contains(e.get(t, tc.path).body, "/reopen") {
				t.Errorf("%s offers to reopen", tc.path)
			}
			r := e.post(t, tc.path+"/reopen", e.form(t))
			if r.code != http.StatusConflict || !strings.Contains(r.body, tc.want) {
				t.Errorf("reopen %s: %d, want 409 saying %q", tc.path, r.code, tc.want)
			}
		}
		if o, _ := e.store.Opportunity(ctx, shelved.ID); o.SignupDeadline == nil {
			t.Error("a refused reopen opened the archived one")
		}
		log, _ := e.store.AuditLog(ctx, 0, 10)
		if !slices.ContainsFunc(log, func(a store.AuditEvent) bool {
			return a.Action == "opportunity_reopen" && a.Outcome == http.StatusSeeOther
		}) {
			t.Errorf("the reopen is not in the audit log: %+v", log)
		}
	})
}

// The sign-ups CSV reads as the console does: headers and statuses in the
// console's language, times in TAMKEEN_TIMEZONE with their offset (not UTC),
// who attended and each waiting person's place.
func TestSignupsCSVReadsAsTheConsole(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.clk.Set(t0)
		ctx := context.Background()
		came := phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		waits := phoneContact(t, e.store, "+96890000002", "muscat", "en", true)
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة تصوير", "en": "Photography"},
			Description: map[string]string{}, StartsAt: t0.Add(time.Hour), Capacity: 1}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetSignup(came, o.ID, store.SignupRegistered); err != nil {
				return err
			}
			return tx.SetSignup(waits, o.ID, store.SignupWaitlisted)
		}); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(o.StartsAt)
		rows, _ := e.store.ListSignups(ctx, store.SignupFilter{OpportunityID: o.ID, Limit: 10})
		if err := e.store.SetAttended(ctx, o.ID, rows[0].ID, true); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		path := "/console/opportunities/" + strconv.FormatInt(o.ID, 10) + "/signups.csv"
		for _, tc := range []struct {
			query  string
			header []string
			rows   []string
		}{
			{"", []string{"رقم التسجيل", "الاسم", "الهاتف", "الحالة", "وقت التسجيل", "الحضور", "الدور في قائمة الانتظار"},
				[]string{",مسجّل,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,حضر,\n", ",قائمة الانتظار,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,,1\n"}},
			{"?lang=en", []string{"Sign-up no.", "Name", "Phone", "Status", "Signed up at", "Attendance", "Place on the waiting list"},
				[]string{",Registered,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,attended,\n", ",Waiting list,2026-11-23 14:00 +04:00,2026-11-23 14:00 +04:00,,1\n"}},
		} {
			a := e.get(t, path+tc.query)
			if a.code != 200 {
				t.Fatalf("CSV%s: %d", tc.query, a.code)
			}
			header, _, _ := strings.Cut(a.body, "\n")
			for _, h := range tc.header {
				if !strings.Contains(header, h) {
					t.Errorf("CSV%s header %q lacks %q", tc.query, header, h)
				}
			}
			for _, r := range tc.rows {
				if !strings.Contains(a.body, r) {
					t.Errorf("CSV%s lacks a row ending %q:\n%s", tc.query, r, a.body)
				}
			}
			if strings.Contains(a.body, "T10:00:00Z") || strings.Contains(a.body, "registered") {
				t.Errorf("CSV%s has UTC times or status codes:\n%s", tc.query, a.body)
			}
		}
	})
}
