package webconsole_test

import (
	"context"
	"net/http"
	"net/url"
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

// previewOf asks for the composer's preview as the page's script does.
func (e *env) previewOf(t *testing.T, form url.Values) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/broadcasts/preview", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	return e.do(t, req)
}

func TestComposerPreviewAudienceAndCost(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		var chat int64 = 500
		tg := func(lang string) int64 {
			chat++
			c := chat
			return contact(t, e.store, vocab.Address{TelegramChatID: c}, func(ct *store.Contact) { ct.Language, ct.ConsentAt = lang, &t0 })
		}
		tg("ar")
		tg("ar")
		smsAr := phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
		phoneContact(t, e.store, "+96890000002", "muscat", "en", true)
		phoneContact(t, e.store, "+96890000003", "muscat", "ar", false) // no consent
		contact(t, e.store, vocab.Address{Phone: "+96890000004"}, func(c *store.Contact) { c.ConsentAt, c.OptedOutAt = &t0, &t0 })
		e.login(t)

		seventy := strings.Repeat("ب", 70)
		a := e.previewOf(t, e.form(t, "text_ar", seventy, "text_en", "Hello", "audience", "all", "channel", "telegram", "channel", "sms"))
		if a.code != 200 || strings.Contains(a.body, "<html") {
			t.Fatalf("preview fragment: %d\n%s", a.code, a.body)
		}
		mustContain(t, a.body,
			`id="audience-count">ستصل الرسالة الآن إلى 4 أشخاص`, // 2 on Telegram, 2 by SMS
			`<p class="bubble" dir="auto">`+seventy+`</p>`,      // the Telegram bubble
			"الصفحة 1: 70 حرفاً، تُرسل في رسالة قصيرة واحدة.",   // 70 Arabic characters: one SMS
			"حروف عربية أو رموز تعبيرية: 70 حرفاً في الرسالة القصيرة، و67 حرفاً في كل رسالة",
			"الصفحة 1: 5 أحرف، تُرسل في رسالة قصيرة واحدة.", // the English text's page
			"حروف لاتينية فقط: 160 حرفاً في الرسالة القصيرة، و153 حرفاً",
			"مجموع الرسائل القصيرة التي تُحسب: 2", "0.024 ريال عماني", // 2 SMS × 0.012, as the bot writes money
			"من أوقفوا الرسائل 1، ومن لم يوافقوا بعد 1")
		for _, jargon := range []string{"UCS-2", "GSM-7", "وحدة", "شرائح", "OMR"} {
			if strings.Contains(a.body, jargon) {
				t.Errorf("the preview says %q", jargon)
			}
		}
		// One more Arabic letter: two segments, and the cost follows.
		a = e.previewOf(t, e.form(t, "text_ar", seventy+"ب", "text_en", "Hello", "audience", "all", "channel", "telegram", "channel", "sms"))
		mustContain(t, a.body, "الصفحة 1: 71 حرفاً، تُرسل في رسالتين قصيرتين.", "مجموع الرسائل القصيرة التي تُحسب: 3", "0.036 ريال عماني")
		// SMS only: the Telegram people fall out of the count.
		a = e.previewOf(t, e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "sms"))
		mustContain(t, a.body, `id="audience-count">ستصل الرسالة الآن إلى شخصين`, "ومن لا عنوان لهم على القنوات المختارة 2")

		// An opportunity's registrants.
		opps, _ := e.store.Opportunities(ctx)
		if err := e.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSignup(smsAr, opps[0].ID, store.SignupRegistered) }); err != nil {
			t.Fatal(err)
		}
		opp := strconv.FormatInt(opps[0].ID, 10)
		a = e.previewOf(t, e.form(t, "text_ar", "تذكير بالموعد", "audience", "filtered", "opportunity", opp, "channel", "telegram", "channel", "sms"))
		mustContain(t, a.body, `id="audience-count">ستصل الرسالة الآن إلى شخص واحد`, "المسجلون في «<bdi>"+opps[0].Title["ar"]+"</bdi>»")
		if a := e.get(t, "/console/broadcasts/new?opportunity="+opp); a.code != 200 || !strings.Contains(a.body, `<option value="`+opp+`" selected>`) {
			t.Fatalf("composer aimed at an opportunity: %d", a.code)
		}
		a = e.post(t, "/console/broadcasts", e.form(t, "text_ar", "تذكير بالموعد", "audience", "filtered", "opportunity", opp, "channel", "sms", "confirmed", "yes"))
		if a.code != http.StatusSeeOther {
			t.Fatalf("broadcast to registrants: %d\n%s", a.code, a.body)
		}
		if err := e.broadcasts.Expand(ctx); err != nil {
			t.Fatal(err)
		}
		rep, _ := e.broadcasts.Report(ctx, 1)
		if rep.Audience.OpportunityID != opps[0].ID || rep.Counts.Targeted != 1 || rep.Counts.Queued != 1 {
			t.Fatalf("broadcast to registrants: %+v", rep)
		}

		// Without a script, the Preview button shows the whole form with the
		// preview, saves nothing and leaves no trace in the audit log.
		a = e.post(t, "/console/broadcasts/preview", e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "sms"))
		mustContain(t, a.body, "<html", `name="text_ar"`, ">مرحبا</textarea>", `id="audience-count">ستصل الرسالة الآن إلى شخصين`)
		if list, _ := e.broadcasts.List(ctx, 0, 10); len(list) != 1 {
			t.Fatalf("a preview saved a broadcast: %d", len(list))
		}
		if log, _ := e.store.AuditLog(ctx, 0, 1); log[0].Action != "broadcast_create" {
			t.Fatalf("last audit event: %+v", log[0])
		}
		mustContain(t, e.get(t, "/console/broadcasts/new?lang=en").body, "Preview before sending")
	})
}

// A channel that is not configured is named before sending; a broadcast
// whose channels are all unconfigured is refused instead of ending "done"
// with 0 sent.
func TestComposerWarnsAboutUnconfiguredChannels(t *testing.T) {
	clk := clock.NewManual(t0)
	e := newEnvWith(t, storetest.SQLite(t, clk), clk, webconsole.Config{Token: token, Channels: []string{"telegram"}})
	phoneContact(t, e.store, "+96890000001", "muscat", "ar", true)
	e.login(t)
	a := e.previewOf(t, e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "sms"))
	mustContain(t, a.body, `id="no-channel"`, "فلن تصل الرسالة إلى أحد", "لم يضبط الفريق التقني سعر الرسالة القصيرة")
	a = e.post(t, "/console/broadcasts", e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "sms"))
	if a.code != http.StatusUnprocessableEntity {
		t.Fatalf("a broadcast on no configured channel: %d", a.code)
	}
	mustContain(t, a.body, "فلم تُرسل الرسالة")
	if list, _ := e.broadcasts.List(t.Context(), 0, 10); len(list) != 0 {
		t.Fatal("a broadcast on no configured channel was saved")
	}
	a = e.previewOf(t, e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "telegram", "channel", "sms"))
	mustContain(t, a.body, `id="unconfigured"`, "رسائل قصيرة")
	a = e.post(t, "/console/broadcasts", e.form(t, "text_ar", "مرحبا", "audience", "all", "channel", "telegram", "channel", "sms", "confirmed", "yes"))
	if a.code != http.StatusSeeOther {
		t.Fatalf("a broadcast with one configured channel: %d", a.code)
	}
	mustContain(t, e.get(t, a.location).body, `id="unconfigured"`)
}

// Each problem is shown next to its field (and in the summary at the top).
func TestProblemsNextToTheirFields(t *testing.T) {
	e := sqlite(t, token)
	e.login(t)
	between := func(body, problem, after, before string) {
		t.Helper()
		p := strings.Index(body, `<p class="field-problem" role="alert">`+problem)
		a, b := strings.Index(body, after), strings.Index(body, before)
		if p < 0 || a < 0 || b < 0 || p < a || p > b {
			t.Errorf("%q is not shown between %q and %q (at %d, %d, %d)", problem, after, before, p, a, b)
		}
	}
	a := e.post(t, "/console/broadcasts", e.form(t, "text_en", "Hello", "audience", "filtered"))
	if a.code != http.StatusUnprocessableEntity {
		t.Fatalf("bad broadcast: %d", a.code)
	}
	between(a.body, "النص العربي مطلوب", `name="text_ar"`, `name="governorate"`)
	between(a.body, "يرجى اختيار محافظة أو لغة", `name="audience"`, `name="channel"`)
	between(a.body, "يرجى اختيار قناة واحدة على الأقل", `name="channel"`, `name="send_at"`)
	a = e.post(t, "/console/opportunities", e.form(t, "kind", "training", "title_en", "Sewing", "starts_at", "2026-12-10T09:30", "capacity", "-3"))
	between(a.body, "العنوان العربي مطلوب", `name="title_ar"`, `name="title_en"`)
	between(a.body, "يجب أن يكون عدد المقاعد", `name="capacity"`, `>حفظ</button>`)
}

// With WhatsApp on, the composer says per way how many a broadcast reaches
// and what that costs: WhatsApp inside the window free, outside it the
// broadcast template at TAMKEEN_WHATSAPP_TEMPLATE_PRICE, or SMS where a
// segment is cheaper, and those it would wait for; the total adds them up.
func TestComposerCostPerWay(t *testing.T) {
	for _, tc := range []struct {
		name        string
		template    string
		price       float64
		want        []string
		notWant     []string
		audienceAll string
	}{
		{"template cheaper than SMS", "tamkeen_broadcast", 0.01, []string{
			`id="way-telegram"><td>تيليجرام</td><td class="num">1</td><td>بلا كلفة`,
			`id="way-whatsapp"><td>واتساب، خلال 24 ساعة من آخر رسالة منهم</td><td class="num">1</td><td>بلا كلفة`,
			`id="way-whatsapp_template"><td>واتساب، بالقالب المعتمد tamkeen_broadcast</td><td class="num">2</td><td>0.020 ريال عماني`,
			`id="way-sms"><td>رسالة قصيرة</td><td class="num">1</td><td>0.012 ريال عماني`,
			"0.032 ريال عماني", // 2 templates × 0.010 + 1 SMS × 0.012
		}, []string{`id="way-waiting"`}, "5"},
		{"SMS cheaper than the template", "tamkeen_broadcast", 0.05, []string{
			`id="way-whatsapp_template"><td>واتساب، بالقالب المعتمد tamkeen_broadcast</td><td class="num">1</td><td>0.050 ريال عماني`, // the one SMS cannot reach
			`id="way-sms"><td>رسالة قصيرة</td><td class="num">2</td><td>0.024 ريال عماني`,
			"0.074 ريال عماني",
		}, []string{`id="way-waiting"`}, "5"},
		{"no broadcast template", "", 0.01, []string{
			`id="way-sms"><td>رسالة قصيرة</td><td class="num">2</td>`,
			`id="way-waiting"><td>واتساب، بانتظار أن يكتبوا: لا قالب ولا رسالة قصيرة</td><td class="num">1</td><td>تصلهم حين يكتبون من جديد`,
		}, []string{`id="way-whatsapp_template"`}, "4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(t0)
			storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
				e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"telegram", "whatsapp", "sms"},
					SMSPrice: 0.012, SMSCurrency: "OMR", TemplatePrice: tc.price, BroadcastTemplate: tc.template})
				hour, twoDays := t0.Add(-time.Hour), t0.Add(-48*time.Hour)
				contact(t, s, vocab.Address{TelegramChatID: 901}, func(c *store.Contact) { c.Language, c.ConsentAt = "ar", &t0 })
				contact(t, s, vocab.Address{Phone: "+96891000001"}, func(c *store.Contact) { // inside the window
					c.Language, c.ConsentAt, c.WhatsAppLastInboundAt = "ar", &t0, &hour
				})
				contact(t, s, vocab.Address{Phone: "+96891000002"}, func(c *store.Contact) { // outside, SMS reaches them
					c.Language, c.ConsentAt, c.WhatsAppLastInboundAt = "ar", &t0, &twoDays
				})
				contact(t, s, vocab.Address{WhatsAppID: "OM.91"}, func(c *store.Contact) { // outside, WhatsApp only
					c.Language, c.ConsentAt, c.WhatsAppLastInboundAt = "ar", &t0, &twoDays
				})
				phoneContact(t, s, "+96891000005", "muscat", "ar", true) // SMS only
				e.login(t)
				a := e.previewOf(t, e.form(t, "text_ar", "ورشة", "audience", "all", "channel", "telegram", "channel", "whatsapp", "channel", "sms"))
				if a.code != 200 {
					t.Fatalf("preview: %d", a.code)
				}
				mustContain(t, a.body, append(tc.want, `id="audience-count">ستصل الرسالة الآن إلى `+tc.audienceAll)...)
				for _, s := range tc.notWant {
					if strings.Contains(a.body, s) {
						t.Errorf("the preview has %s", s)
					}
				}
				// The broadcast's page says the same before it runs.
				rep, err := e.broadcasts.Create(context.Background(), &store.Broadcast{Texts: map[string]string{"ar": "ورشة"},
					Audience: store.Audience{All: true}, Channels: []string{"telegram", "whatsapp", "sms"}, SendAt: t0.Add(24 * time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				page := e.get(t, "/console/broadcasts/"+strconv.FormatInt(rep.ID, 10))
				mustContain(t, page.body, tc.want[:len(tc.want)-1]...)
			})
		})
	}
}
