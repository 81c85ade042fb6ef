package webconsole_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
)

func TestImpactOverTime(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		// t0 is Monday 23 November 2026, 14:00 in Muscat: week 0 is the week
		// of the 23rd; two people came three weeks before.
		e.clk.Set(t0.AddDate(0, 0, -21))
		old1 := phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		phoneContact(t, e.store, "+96890000002", "dhofar", "ar", false)
		e.clk.Set(t0)
		phoneContact(t, e.store, "+96890000003", "dhofar", "ar", true)
		opps, _ := e.store.Opportunities(ctx)
		if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(old1, opps[0].ID, store.SignupRegistered) }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RecordOrderEvent(ctx, store.OrderEventInput{EventID: "e1", OrderRef: "A1", Phone: "+96890000003",
			Status: "shipped", OccurredAt: t0}, func(*store.Contact, *store.Order) (string, error) { return `{"key":"order.status.shipped"}`, nil }); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		a := e.get(t, "/console/impact?weeks=4")
		if a.code != 200 {
			t.Fatalf("impact: %d", a.code)
		}
		// Rows: week, reached, consented, assessed, signed up.
		rows := regexp.MustCompile(`<tr><td dir="ltr">([0-9-]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>`).FindAllStringSubmatch(a.body, -1)
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join(r[1:], " "))
		}
		// phoneContact gives consent at t0, whenever the person came.
		want := []string{"2026-11-02 2 0 0 0", "2026-11-09 0 0 0 0", "2026-11-16 0 0 0 0", "2026-11-23 1 2 0 1"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("weeks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		mustContain(t, a.body, `<svg class="chart" id="funnel-chart"`, `<polyline points="`, "<title>2026-11-23: 2</title>",
			`id="orders-chart"`, ">شُحن</text>")
		// Muscat alone: one of the two who came in the first week; the order's producer is in Dhofar.
		a = e.get(t, "/console/impact?weeks=4&governorate=muscat")
		if !strings.Contains(a.body, `<td dir="ltr">2026-11-02</td><td class="num">1</td><td class="num">0</td>`) ||
			strings.Contains(a.body, `id="orders-chart"`) {
			t.Fatalf("Muscat only:\n%s", a.body)
		}
		// Totals per governorate in the weeks shown: Muscat 1 reached, 1 consented, 1 signed up; Dhofar 2, 1, 0.
		mustContain(t, a.body, `<td>مسقط</td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>`)
		a = e.get(t, "/console/impact?weeks=4")
		mustContain(t, a.body, `<td>ظفار</td><td class="num">2</td><td class="num">1</td><td class="num">0</td><td class="num">0</td>`)
		mustContain(t, e.get(t, "/console/impact?lang=en").body, "Impact over time", "signed up", "By governorate")
	})
}
