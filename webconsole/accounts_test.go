package webconsole_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
)

// account adds a staff account as `tamkeen staff add` would.
func account(t *testing.T, s *store.Store, name, role, password string) {
	t.Helper()
	hash, err := store.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateStaffAccount(t.Context(), &store.StaffAccount{Username: name, Role: role, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
}

// as is a second browser on the same console, signed in as name.
func (e *env) as(t *testing.T, name, password string) *env {
	t.Helper()
	b := e.browser()
	if a := b.signIn(t, url.Values{"username": {name}, "password": {password}}); a.code != http.StatusSeeOther || a.location != "/console/" {
		t.Fatalf("sign in as %s: %d %q\n%s", name, a.code, a.location, a.body)
	}
	return b
}

func TestAccountsRolesAndAudit(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		account(t, e.store, "manager", store.RoleAdmin, "manager pass phrase")
		account(t, e.store, "Mona", store.RoleStaff, "caseworker pass phrase")
		account(t, e.store, "data", store.RoleViewer, "read only pass phrase")

		// A wrong password, or a name that does not exist, is refused the same way.
		for _, f := range []url.Values{
			{"username": {"mona"}, "password": {"caseworker pass phrasE"}},
			{"username": {"nobody"}, "password": {"caseworker pass phrase"}},
			{"username": {"mona"}, "password": {""}},
		} {
			a := e.signIn(t, f)
			if a.code != http.StatusUnauthorized || len(a.cookies) != 0 {
				t.Fatalf("wrong sign-in %v: %d %v", f, a.code, a.cookies)
			}
			mustContain(t, a.body, "اسم المستخدم أو كلمة المرور أو الرمز غير صحيح")
		}

		mona := e.as(t, "MONA", "caseworker pass phrase") // names are not case-sensitive
		viewer := e.as(t, "data", "read only pass phrase")
		admin := e.as(t, "manager", "manager pass phrase")
		mustContain(t, mona.get(t, "/console/").body, `<span class="who"><bdi>mona</bdi> · موظف</span>`)

		// Viewers read everything and change nothing.
		for _, p := range []string{"/console/", "/console/broadcasts", "/console/opportunities"} {
			if a := viewer.get(t, p); a.code != 200 {
				t.Fatalf("viewer reads %s: %d", p, a.code)
			}
		}
		before, _ := e.store.Opportunities(t.Context())
		if strings.Contains(viewer.get(t, "/console/opportunities").body, `href="/console/opportunities/new"`) ||
			!strings.Contains(mona.get(t, "/console/opportunities").body, `href="/console/opportunities/new"`) {
			t.Fatal("the new-opportunity button is offered to a viewer, or not to staff")
		}
		opportunity := []string{"kind", "job", "track", "job", "governorate", "muscat", "title_ar", "وظيفة", "title_en", "Job",
			"starts_at", "2026-12-10T09:30", "capacity", "5"}
		for _, p := range []string{"/console/opportunities", "/console/broadcasts", "/console/simulator/reset", "/console/opportunities/1"} {
			a := viewer.post(t, p, viewer.form(t, opportunity...))
			if a.code != http.StatusForbidden {
				t.Fatalf("viewer POST %s: %d", p, a.code)
			}
			mustContain(t, a.body, "دورك لا يسمح بهذا")
		}
		if list, _ := e.store.Opportunities(t.Context()); len(list) != len(before) {
			t.Fatal("a viewer's POST created an opportunity")
		}
		// Staff change things; only admins read the audit log.
		a := mona.post(t, "/console/opportunities", mona.form(t, opportunity...))
		if a.code != http.StatusSeeOther {
			t.Fatalf("staff creates an opportunity: %d\n%s", a.code, a.body)
		}
		created := a.location
		for _, who := range []*env{mona, viewer} {
			if a := who.get(t, "/console/audit"); a.code != http.StatusForbidden {
				t.Fatalf("audit log for a non-admin: %d", a.code)
			}
			if strings.Contains(who.get(t, "/console/").body, `href="/console/audit"`) {
				t.Fatal("the audit link is shown to a non-admin")
			}
		}
		a = admin.get(t, "/console/audit?lang=en")
		if a.code != 200 {
			t.Fatalf("audit log for an admin: %d", a.code)
		}
		// In words a program officer reads: what was done, to what (by its
		// name, linked), how it ended; no route names, paths or HTTP codes.
		mustContain(t, a.body,
			`<td dir="auto">mona</td><td>staff</td>`+"\n      <td>created an opportunity</td><td dir=\"auto\"><a href=\""+created+`">Job</a></td><td>done</td>`,
			`<td dir="auto">data</td><td>viewer</td>`+"\n      <td>changed an opportunity</td><td dir=\"auto\"><a href=\"/console/opportunities/1\">Demo: Sewing course in Dhofar</a></td><td>refused: not allowed for this role",
			`<td dir="auto">data</td><td>viewer</td>`+"\n      <td>reset the simulator</td><td dir=\"auto\">the bot simulator</td>",
			`<td dir="auto">nobody</td><td>—</td>`+"\n      <td>sign-in refused</td><td dir=\"auto\">—</td><td>refused: wrong name, password or token</td>",
			"2 tries, the last at", // mona's two wrong passwords are one row
			`<td dir="auto">manager</td><td>administrator</td>`+"\n      <td>signed in</td>",
		)
		for _, jargon := range []string{"signin_refused</td>", "opportunity_update</td>", "<td>403</td>", "<td>303</td>", `">/console/`} {
			if strings.Contains(a.body, jargon) {
				t.Errorf("the audit page shows %q", jargon)
			}
		}
		// Every kind of event in the filter is offered in words.
		if m := regexp.MustCompile(`<option value="([a-z_]+)"[^>]*>([a-z_]+)</option>`).FindStringSubmatch(a.body); m != nil {
			t.Errorf("the filter offers %q without words", m[1])
		}

		// The log narrows to one person or one kind of event.
		a = admin.get(t, "/console/audit?actor=nobody")
		if !strings.Contains(a.body, `<td dir="auto">nobody</td>`) || strings.Contains(a.body, `<td dir="auto">mona</td>`) {
			t.Fatalf("audit log of one actor:\n%s", a.body)
		}
		a = admin.get(t, "/console/audit?action=signin_refused&lang=en")
		if strings.Count(a.body, "<td>sign-in refused</td>") != 2 || strings.Contains(a.body, "<td>signed in</td>") {
			t.Fatalf("audit log of refused sign-ins:\n%s", a.body)
		}

		// An admin disables an account from the accounts page: its sessions end
		// at once and its password is refused. Others may not; nobody disables themself.
		if a := mona.get(t, "/console/staff"); a.code != http.StatusForbidden {
			t.Fatalf("accounts page for staff: %d", a.code)
		}
		if a := mona.post(t, "/console/staff/data/disabled", mona.form(t, "disabled", "1")); a.code != http.StatusForbidden {
			t.Fatalf("staff disabling an account: %d", a.code)
		}
		mustContain(t, admin.get(t, "/console/staff").body, `id="account-mona"`, `id="account-data"`, "<td>viewer</td>")
		if a := admin.post(t, "/console/staff/manager/disabled", admin.form(t, "disabled", "1")); a.code != http.StatusConflict {
			t.Fatalf("an admin disabling themself: %d", a.code)
		}
		if a := admin.post(t, "/console/staff/mona/disabled", admin.form(t, "disabled", "1", "confirmed", "yes")); a.code != http.StatusSeeOther {
			t.Fatalf("disable mona: %d", a.code)
		}
		if a := mona.get(t, "/console/"); a.code != http.StatusSeeOther || a.location != "/console/login" {
			t.Fatalf("a disabled account's session still works: %d %q", a.code, a.location)
		}
		if a := e.signIn(t, url.Values{"username": {"mona"}, "password": {"caseworker pass phrase"}}); a.code != http.StatusUnauthorized {
			t.Fatalf("a disabled account signs in: %d", a.code)
		}
		// A new password ends the old sessions too.
		hash, _ := store.HashPassword("a brand new pass phrase")
		if err := e.store.SetStaffPassword(t.Context(), "data", hash); err != nil {
			t.Fatal(err)
		}
		if a := viewer.get(t, "/console/"); a.code != http.StatusSeeOther {
			t.Fatalf("a session survived a password reset: %d", a.code)
		}
		e.as(t, "data", "a brand new pass phrase")
		// Signing out ends the session and is on record.
		if a := admin.post(t, "/console/logout", admin.form(t)); a.code != http.StatusSeeOther {
			t.Fatalf("logout: %d", a.code)
		}
		if a := admin.get(t, "/console/audit"); a.code != http.StatusSeeOther {
			t.Fatalf("still signed in after logout: %d", a.code)
		}
		log, _ := e.store.AuditLog(t.Context(), 0, 100)
		if log[0].Action != "signout" || log[0].Actor != "manager" || log[1].Action != "signin" || log[1].Actor != "data" ||
			!slices.ContainsFunc(log, func(ev store.AuditEvent) bool {
				return ev.Action == "staff_disabled" && ev.Actor == "manager" && ev.Target == "/console/staff/mona/disabled" && ev.Outcome == 303
			}) {
			t.Fatalf("audit log ends with %+v", log[:3])
		}
	})
}
