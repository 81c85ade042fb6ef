package webconsole_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

// tile reads the number of the tile labelled label inside the element with id.
func tile(t *testing.T, page, id, label string) string {
	t.Helper()
	block := regexp.MustCompile(`(?s)id="` + id + `">(.*?)</div>\s*(</div>|<p|<div class="grid">)`).FindStringSubmatch(page)
	if block == nil {
		return "absent"
	}
	m := regexp.MustCompile(`<b>(\d+)</b><span>` + regexp.QuoteMeta(label) + `</span>`).FindStringSubmatch(block[1])
	if m == nil {
		return "absent"
	}
	return m[1]
}

// A broadcast's page shows whom it goes to (an opportunity's registrants
// by name), how many it would reach before it runs, and a bar that counts
// what went out: one cancelled after 10 of 30 stays at a third.
func TestBroadcastPageAudienceExpectedReachAndProgress(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.clk.Set(t0)
		ctx := context.Background()
		o := &store.Opportunity{Kind: "training", Title: map[string]string{"ar": "دورة الخياطة", "en": "Sewing"},
			Description: map[string]string{}, StartsAt: t0.AddDate(0, 0, 7)}
		if err := e.store.CreateOpportunity(ctx, o); err != nil {
			t.Fatal(err)
		}
		var people []int64
		for i := range 30 {
			people = append(people, phoneContact(t, e.store, "+968900"+strconv.Itoa(10000+i), "muscat", "ar", true))
		}
		phoneContact(t, e.store, "+96890099999", "muscat", "ar", false) // no consent: left out
		if err := e.store.InTx(ctx, func(tx *store.Tx) error {
			for _, p := range people[:3] {
				if err := tx.SetSignup(p, o.ID, store.SignupRegistered); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		send := func(kv ...string) string {
			t.Helper()
			a := e.post(t, "/console/broadcasts", e.form(t, append([]string{"text_ar", "مرحبا", "channel", "sms", "confirmed", "yes"}, kv...)...))
			if a.code != http.StatusSeeOther {
				t.Fatalf("create broadcast %v: %d\n%s", kv, a.code, a.body)
			}
			return a.location
		}

		// To the registrants of an opportunity, tomorrow: the page names the
		// opportunity and says how many it would reach now.
		muscat, _ := time.LoadLocation("Asia/Muscat") // TAMKEEN_TIMEZONE in these tests
		tomorrow := t0.Add(24 * time.Hour).In(muscat).Format("2006-01-02T15:04")
		path := send("audience", "filtered", "opportunity", strconv.FormatInt(o.ID, 10), "send_at", tomorrow)
		page := e.get(t, path).body
		mustContain(t, page, `id="audience-opportunity"`, `<a href="/console/opportunities/`+strconv.FormatInt(o.ID, 10)+`">دورة الخياطة</a>`)
		if got := tile(t, page, "expected", "ستصلهم الرسالة لو أُرسلت الآن"); got != "3" {
			t.Errorf("a scheduled broadcast to 3 registrants shows %s expected", got)
		}
		// To everyone, now: 30 reached, 1 left out for want of consent.
		all := send("audience", "all")
		page = e.get(t, all).body
		if got := tile(t, page, "expected", "ستصلهم الرسالة لو أُرسلت الآن"); got != "30" {
			t.Errorf("a broadcast not yet expanded shows %s expected, want 30", got)
		}
		for {
			_, found, err := e.broadcasts.ExpandOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				break
			}
		}
		page = e.get(t, all).body
		if got := tile(t, page, "expected", "ستصلهم الرسالة لو أُرسلت الآن"); got != "absent" {
			t.Errorf("an expanded broadcast still shows an estimate (%s)", got)
		}
		if got := tile(t, page, "counts", "المستهدفون"); got != "31" {
			t.Errorf("expanded: %s targeted, want 31", got)
		}
		// 10 of 30 go out, then it is cancelled.
		rows, err := e.store.ClaimLane(ctx, "sms", store.PriorityBulk, store.PriorityBulk+1, 10, time.Minute, "test")
		if err != nil || len(rows) != 10 {
			t.Fatalf("claimed %d rows: %v", len(rows), err)
		}
		var results []store.OutboxResult
		for _, r := range rows {
			results = append(results, store.OutboxResult{ID: r.ID, Status: store.OutboxSent, ProviderID: "SM" + strconv.FormatInt(r.ID, 10)})
		}
		if err := e.store.FinishBatch(ctx, results); err != nil {
			t.Fatal(err)
		}
		if a := e.post(t, all+"/cancel", e.form(t, "confirmed", "yes")); a.code != http.StatusSeeOther {
			t.Fatalf("cancel: %d", a.code)
		}
		page = e.get(t, all).body
		mustContain(t, page, `<progress id="progress" max="30" value="10">`, `33 %`, "أُرسلت 10 من 30")
		if strings.Contains(page, "100 %") {
			t.Error("the cancelled broadcast shows 100 %")
		}
		if got := tile(t, page, "counts", "أُلغيت"); got != "20" {
			t.Errorf("cancelled tile %s", got)
		}
	})
}
