package webconsole_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

func phoneContact(t *testing.T, s *store.Store, phone, gov, lang string, consent bool) int64 {
	t.Helper()
	return contact(t, s, vocab.Address{Phone: phone}, func(c *store.Contact) {
		c.Name, c.Governorate, c.Language = "Person "+phone, gov, lang
		if consent {
			now := t0
			c.ConsentAt = &now
		}
	})
}

func TestDashboardMatchesTheData(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := e.store
		a := phoneContact(t, s, "+96890000001", "muscat", "ar", true)
		b := phoneContact(t, s, "+96890000002", "dhofar", "en", true)
		c := phoneContact(t, s, "+96890000003", "dhofar", "ar", true)
		gone := phoneContact(t, s, "+96890000004", "dhofar", "ar", true)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Erase(gone); err != nil {
				return err
			}
			if err := tx.AddAssessment(&store.Assessment{ContactID: b, Track: "training", CompletedAt: t0,
				Answers: map[string]string{}, Scores: map[string]int{}, Strengths: []string{}}); err != nil {
				return err
			}
			if err := tx.SetSignup(b, 1, store.SignupRegistered); err != nil {
				return err
			}
			return tx.SetSignup(c, 1, store.SignupWaitlisted)
		})
		if err != nil {
			t.Fatal(err)
		}
		contact(t, s, vocab.Address{Phone: "+96890000002"}, func(x *store.Contact) { x.Track = "training" })
		if err := s.MarkOptedOut(ctx, a); err != nil {
			t.Fatal(err)
		}
		// Two messages went out on the web channel today, one a month ago.
		for i, key := range []string{"a", "b", "old"} {
			if key == "old" {
				e.clk.Advance(-30 * 24 * time.Hour)
			}
			if _, err := s.Enqueue(ctx, &store.OutboxMessage{ContactID: c, Channel: "web", Recipient: "x", Body: "hi",
				DedupeKey: "test:" + key, Priority: store.PriorityNotice}); err != nil {
				t.Fatal(err)
			}
			if err := e.dispatcher.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				e.clk.Advance(30 * 24 * time.Hour)
			}
		}
		e.login(t)
		body := e.get(t, "/console/").body
		mustContain(t, body,
			`id="n-contacts">3<`, `id="n-opted-out">1<`, `id="n-erased">1<`, `id="n-assessments">1<`, `id="n-consented">3<`,
			"<th>ظفار</th><td>2</td>", "<th>مسقط</th><td>1</td>",
			"<th>العربية</th><td>2</td>", "<th>English</th><td>1</td>",
			"<th>تدريب</th><td>1</td>",
			"<th>مسجّل</th><td>1</td>", "<th>قائمة الانتظار</th><td>1</td>",
			"<th>محاكي البوت</th><td>2</td>",
		)
		// The first demo opportunity: one registered, one waiting.
		row := body[strings.Index(body, `id="opp-1"`):]
		row = row[:strings.Index(row, "</tr>")]
		if !strings.Contains(row, `<td class="num">1</td>`) || strings.Count(row, `<td class="num">1</td>`) != 2 {
			t.Fatalf("opportunity 1 row: %s", row)
		}
	})
}

func TestBroadcasts(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		phoneContact(t, e.store, "+96890000002", "dhofar", "en", true)
		e.login(t)

		// Bad input: the form comes back with what is wrong, nothing is saved.
		a := e.post(t, "/console/broadcasts", e.form(t, "text_en", "Hello", "audience", "filtered", "channel", "telegram"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad broadcast: %d", a.code)
		}
		mustContain(t, a.body, "لم يُحفظ شيء", "النص العربي مطلوب", "يرجى اختيار محافظة أو لغة", `>Hello</textarea>`)
		a = e.post(t, "/console/broadcasts", e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "fax"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown channel: %d\n%s", a.code, a.body)
		}
		if list, _ := e.broadcasts.List(ctx, 0, 10); len(list) != 0 {
			t.Fatalf("a bad form saved a broadcast: %+v", list)
		}

		a = e.post(t, "/console/broadcasts", e.form(t, "text_ar", "ورشة غداً", "text_en", "Workshop tomorrow",
			"audience", "filtered", "governorate", "dhofar", "channel", "telegram", "channel", "sms", "confirmed", "yes"))
		if a.code != http.StatusSeeOther || a.location != "/console/broadcasts/1" {
			t.Fatalf("create: %d %q\n%s", a.code, a.location, a.body)
		}
		if err := e.broadcasts.Expand(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := e.broadcasts.Report(ctx, 1)
		if err != nil || rep.Counts.Targeted != 1 || rep.Counts.Queued != 1 || rep.CreatedBy != "console:token" {
			t.Fatalf("report: %+v %v", rep, err)
		}
		page := e.get(t, "/console/broadcasts/1").body
		mustContain(t, page, "ورشة غداً", "Workshop tomorrow", "<b>1</b><span>المستهدفون</span>", "قيد الإرسال",
			`<meta http-equiv="refresh"`, "/console/broadcasts/1/cancel")
		mustContain(t, e.get(t, "/console/broadcasts").body, `id="broadcast-1"`, "ورشة غداً")

		// Cancel without the token changes nothing; with it, the rows are cancelled.
		if a := e.post(t, "/console/broadcasts/1/cancel", nil); a.code != http.StatusForbidden {
			t.Fatalf("cancel without CSRF: %d", a.code)
		}
		if rep, _ := e.broadcasts.Report(ctx, 1); rep.Status == "cancelled" {
			t.Fatal("cancelled without a CSRF token")
		}
		if a := e.post(t, "/console/broadcasts/1/cancel", e.form(t, "confirmed", "yes")); a.code != http.StatusSeeOther {
			t.Fatalf("cancel: %d", a.code)
		}
		page = e.get(t, "/console/broadcasts/1").body
		mustContain(t, page, "<b>1</b><span>أُلغيت</span>", `s-cancelled`)
		if strings.Contains(page, "/cancel") || strings.Contains(page, `http-equiv="refresh"`) {
			t.Fatal("a cancelled broadcast still offers cancel or keeps reloading")
		}
	})
}

func TestOpportunities(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.login(t)
		before, _ := e.store.Opportunities(ctx)

		a := e.post(t, "/console/opportunities", e.form(t, "kind", "training", "title_en", "Sewing",
			"starts_at", "tomorrow", "capacity", "-3"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad opportunity: %d", a.code)
		}
		mustContain(t, a.body, "العنوان العربي مطلوب", "موعد البدء", "عدد المقاعد", `value="Sewing"`)
		if after, _ := e.store.Opportunities(ctx); len(after) != len(before) {
			t.Fatal("a bad form saved an opportunity")
		}

		a = e.post(t, "/console/opportunities", e.form(t, "kind", "job", "track", "job", "governorate", "muscat",
			"title_ar", "وظيفة مساعد مطبخ", "title_en", "Kitchen helper", "description_ar", "دوام صباحي",
			"starts_at", "2026-12-10T09:30", "signup_deadline", "2026-12-08T17:00", "capacity", "5"))
		if a.code != http.StatusSeeOther || !strings.HasPrefix(a.location, "/console/opportunities/") {
			t.Fatalf("create: %d %q\n%s", a.code, a.location, a.body)
		}
		id := int64(len(before) + 1)
		o, err := e.store.Opportunity(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// 09:30 in Muscat (UTC+4) is 05:30 UTC.
		if o.Kind != "job" || o.Capacity != 5 || o.Title["en"] != "Kitchen helper" || !o.StartsAt.Equal(time.Date(2026, 12, 10, 5, 30, 0, 0, time.UTC)) ||
			o.SignupDeadline == nil || !o.SignupDeadline.Equal(time.Date(2026, 12, 8, 13, 0, 0, 0, time.UTC)) {
			t.Fatalf("stored: %+v", o)
		}
		mustContain(t, e.get(t, "/console/opportunities").body, "وظيفة مساعد مطبخ")
		mustContain(t, e.get(t, a.location).body, `value="2026-12-10T09:30"`, `value="وظيفة مساعد مطبخ"`)

		// An edit with the deadline after the start is refused and changes nothing.
		path := a.location
		a = e.post(t, path, e.form(t, "kind", "job", "title_ar", "عنوان آخر", "starts_at", "2026-12-10T09:30",
			"signup_deadline", "2026-12-11T09:30", "capacity", "5"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad edit: %d", a.code)
		}
		mustContain(t, a.body, "آخر موعد للتسجيل بعد موعد البدء")
		if o, _ := e.store.Opportunity(ctx, id); o.Title["ar"] != "وظيفة مساعد مطبخ" {
			t.Fatalf("a refused edit changed the title: %v", o.Title)
		}
		a = e.post(t, path, e.form(t, "kind", "job", "title_ar", "عنوان آخر", "starts_at", "2026-12-10T09:30", "capacity", "0"))
		if a.code != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", a.code, a.body)
		}
		if o, _ := e.store.Opportunity(ctx, id); o.Title["ar"] != "عنوان آخر" || o.Capacity != 0 || o.SignupDeadline != nil || o.Title["en"] != "" {
			t.Fatalf("edit not saved: %+v", o)
		}

		// Its sign-ups, on the page and as CSV.
		who := phoneContact(t, e.store, "+96890000009", "muscat", "ar", true)
		if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(who, id, store.SignupRegistered) }); err != nil {
			t.Fatal(err)
		}
		mustContain(t, e.get(t, path).body, "Person &#43;96890000009", "مسجّل", path+"/signups.csv")
		csv := e.get(t, path+"/signups.csv")
		if csv.code != 200 || !strings.HasPrefix(csv.body, "\uFEFFرقم التسجيل,رقم الشخص,الاسم,الهاتف,") ||
			!strings.Contains(csv.body, "Person +96890000009,'+96890000009,,") || !strings.Contains(csv.body, ",مسجّل,") {
			t.Fatalf("CSV: %d\n%s", csv.code, csv.body)
		}
	})
}
