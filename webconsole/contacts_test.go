package webconsole_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

func TestContactsSearchAndProfile(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.login(t)
		maryam := contact(t, e.store, vocab.Address{Phone: "+96891234567"}, func(c *store.Contact) {
			c.Name, c.Governorate, c.Language, c.ConsentAt = "مريم الهنائية", "dhofar", "ar", &t0
		})
		contact(t, e.store, vocab.Address{Phone: "+96892223333"}, func(c *store.Contact) {
			c.Name, c.Language, c.OptedOutAt = "Salma", "en", &t0
		})
		opps, _ := e.store.Opportunities(ctx)
		if err := e.store.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetSignup(maryam, opps[0].ID, store.SignupRegistered)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RecordOrderEvent(ctx, store.OrderEventInput{EventID: "ev1", OrderRef: "ORD-77", Phone: "+96891234567",
			Status: "shipped", OccurredAt: t0, Items: 3, Total: "12.500", Currency: "OMR"},
			func(*store.Contact, *store.Order) (string, error) { return `{"key":"order.status.shipped"}`, nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Enqueue(ctx, &store.OutboxMessage{ContactID: maryam, Channel: "sms", Recipient: "+96891234567",
			Language: "ar", Body: "ورشة الخياطة غداً", DedupeKey: "test:1"}); err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct {
			q, want, not string
		}{
			{"الهنائية", "مريم الهنائية", "Salma"},
			{"9123 4567", "مريم الهنائية", "Salma"},
			{"٩١٢٣٤٥٦٧", "مريم الهنائية", "Salma"},
			{"+968 9222 3333", "Salma", "مريم"},
			{"salma", "أوقف الرسائل", "مريم"},
			{"nobody", "لم نجد أحداً بهذا البحث", "مريم"},
		} {
			a := e.get(t, "/console/contacts?q="+url.QueryEscape(tt.q))
			if a.code != 200 || !strings.Contains(a.body, tt.want) || strings.Contains(a.body, tt.not) {
				t.Errorf("search %q: %d, want %q and not %q:\n%s", tt.q, a.code, tt.want, tt.not, a.body)
			}
		}
		if a := e.get(t, "/console/contacts?q="+strings.Repeat("x", 101)); a.code != http.StatusUnprocessableEntity {
			t.Errorf("a 101-character search: %d", a.code)
		}

		a := e.get(t, "/console/contacts/1")
		if a.code != 200 {
			t.Fatalf("profile: %d\n%s", a.code, a.body)
		}
		mustContain(t, a.body, "مريم الهنائية", "&#43;96891234567", "العربية", "ظفار", "موافق",
			"تجريبي", "مسجّل", // the sign-up and its status
			"ORD-77", "12.500 ريال عماني", // the order
			"ورشة الخياطة غداً", // a broadcast text sent to her
			">شُحن",             // the order notice, rendered in her language
		)
		if a := e.get(t, "/console/contacts/999"); a.code != http.StatusNotFound {
			t.Fatalf("missing person: %d", a.code)
		}
		mustContain(t, e.get(t, "/console/contacts/1?lang=en").body, "Arabic", "consented", "Sign-ups")
	})
}

// Staff find a person however the letters of her name are typed: «احمد»
// finds «أحمد» as well as «احمد», «ايمان» finds «إيمان», and so on.
func TestContactsSearchFoldsArabicLetterForms(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		e.login(t)
		for i, name := range []string{"أحمد البلوشي", "إيمان الحارثية", "آمنة الكندية", "عائشة المعمرية", "احمد الراشدي"} {
			contact(t, e.store, vocab.Address{Phone: "+9689300000" + string(rune('1'+i))}, func(c *store.Contact) { c.Name = name })
		}
		for _, tt := range []struct {
			q    string
			want []string
		}{
			{"احمد", []string{"أحمد البلوشي", "احمد الراشدي"}},
			{"ايمان", []string{"إيمان الحارثية"}},
			{"امنة", []string{"آمنة الكندية"}},
			{"عائشه", []string{"عائشة المعمرية"}},
			{"الكنديه", []string{"آمنة الكندية"}},
		} {
			a := e.get(t, "/console/contacts?q="+url.QueryEscape(tt.q))
			if a.code != 200 {
				t.Fatalf("search %q: %d", tt.q, a.code)
			}
			for _, name := range []string{"أحمد البلوشي", "إيمان الحارثية", "آمنة الكندية", "عائشة المعمرية", "احمد الراشدي"} {
				if found, want := strings.Contains(a.body, name), slices.Contains(tt.want, name); found != want {
					t.Errorf("search %q: %q shown %v, want %v", tt.q, name, found, want)
				}
			}
		}
	})
}
