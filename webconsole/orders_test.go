package webconsole_test

import (
	"context"
	"html/template"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

func TestOrdersPage(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		contact(t, e.store, vocab.Address{Phone: "+96890000001"}, func(c *store.Contact) { c.Name, c.ConsentAt = "فاطمة", &t0 })
		notice := func(*store.Contact, *store.Order) (string, error) { return `{"key":"order.status.placed"}`, nil }
		for _, ev := range []store.OrderEventInput{
			{EventID: "e1", OrderRef: "ORD-1", Phone: "+96890000001", Status: "placed", OccurredAt: t0, Items: 2, Total: "4.000", Currency: "OMR"},
			{EventID: "e2", OrderRef: "ORD-2", Phone: "+96890000001", Status: "shipped", OccurredAt: t0},
		} {
			if _, err := e.store.RecordOrderEvent(ctx, ev, notice); err != nil {
				t.Fatal(err)
			}
		}
		e.login(t)
		a := e.get(t, "/console/orders")
		mustContain(t, a.body, "ORD-1", "ORD-2", "فاطمة", "4.000 ريال عماني", "طلب جديد", "شُحن", "أُرسل إشعار", `href="/console/contacts/1"`)
		a = e.get(t, "/console/orders?status=shipped")
		orders, _, _ := strings.Cut(a.body, `id="order-events"`)
		if !strings.Contains(orders, `<td dir="ltr">ORD-2</td>`) || strings.Contains(orders, "ORD-1") {
			t.Fatalf("orders of one status:\n%s", a.body)
		}
		mustContain(t, e.get(t, "/console/orders?lang=en").body, "Latest order events received", "notice queued")
	})
}

func TestContentPage(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	// Every lesson and question of the loaded content is there, in the page's language.
	c := e.bundle.Content
	if len(c.Modules) == 0 || len(c.Questions) == 0 {
		t.Fatal("the test content has no lessons or no questions")
	}
	text := func(lang, key string) string {
		s, err := e.bundle.Text(lang, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		return template.HTMLEscapeString(s)
	}
	for _, lang := range []string{"ar", "en"} {
		a := e.get(t, "/console/content?lang="+lang)
		for _, m := range c.Modules {
			mustContain(t, a.body, `id="module-`+m.ID+`"`, "<h3>"+text(lang, "module."+m.ID+".title")+"</h3>",
				text(lang, "module."+m.ID+".page.1"))
		}
		for _, q := range c.Questions {
			mustContain(t, a.body, `id="question-`+q.ID+`"`, text(lang, "question."+q.ID+".text"),
				text(lang, "question."+q.ID+".option."+q.Options[0].ID))
		}
	}
	mustContain(t, e.get(t, "/console/content?lang=en").body, "SMS version: segments ")
}
