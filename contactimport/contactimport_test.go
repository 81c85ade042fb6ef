package contactimport_test

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

func bundle(t testing.TB) *locales.Bundle {
	t.Helper()
	b, err := locales.Load("", "OM")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClock() clock.Clock { return clock.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

// run imports csv and returns the report and the rejections by line.
func run(t *testing.T, im *contactimport.Importer, csv string, opt contactimport.Options) (contactimport.Report, map[int]contactimport.Rejection) {
	t.Helper()
	rejected := map[int]contactimport.Rejection{}
	opt.Reject = func(r contactimport.Rejection) error { rejected[r.Line] = r; return nil }
	if opt.Source == "" {
		opt.Source = "registry-2026"
	}
	rep, err := im.Import(context.Background(), strings.NewReader(csv), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep, rejected
}

func contactByPhone(t *testing.T, s *store.Store, e164 string) *store.Contact {
	t.Helper()
	list, err := s.ListContacts(context.Background(), store.ContactFilter{Phone: e164, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		return nil
	}
	if len(list) > 1 {
		t.Fatalf("%s: %d contacts", e164, len(list))
	}
	return &list[0]
}

func TestEveryRejectionReason(t *testing.T) {
	header := "phone,name,region,language,program\n"
	cases := []struct {
		row, reason, column string
	}{
		{"91234567,Salma,dhofar,ar", contactimport.ReasonColumns, ""},
		{"91234567,Salma,dhofar,ar,Takaful,extra", contactimport.ReasonColumns, ""},
		{"91234567,Sal\xffma,dhofar,ar,Takaful", contactimport.ReasonEncoding, "name"},
		{",Salma,dhofar,ar,Takaful", contactimport.ReasonPhoneMissing, "phone"},
		{"   ,Salma,dhofar,ar,Takaful", contactimport.ReasonPhoneMissing, "phone"},
		{"1234,Salma,dhofar,ar,Takaful", contactimport.ReasonPhoneInvalid, "phone"},
		{"9123456a,Salma,dhofar,ar,Takaful", contactimport.ReasonPhoneInvalid, "phone"},
		{"+44 20 7946 09,Salma,dhofar,ar,Takaful", contactimport.ReasonPhoneInvalid, "phone"},
		{"91234567,Salma,Atlantis,ar,Takaful", contactimport.ReasonRegionUnknown, "region"},
		{"91234567,Salma,dhofar,fr,Takaful", contactimport.ReasonLanguageUnknown, "language"},
		{"91234567,Sal\u202ema,dhofar,ar,Takaful", contactimport.ReasonUnsafe, "name"},
		{"91234567,Salma,dhofar,ar,Taka\x00ful", contactimport.ReasonUnsafe, "program"},
		{"91234567," + strings.Repeat("س", contactimport.MaxValueRunes+1) + ",dhofar,ar,Takaful", contactimport.ReasonTooLong, "name"},
	}
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		b := bundle(t)
		im := contactimport.New(s, b, "OM")
		for _, c := range cases {
			t.Run(c.reason, func(t *testing.T) {
				// A good row first, the bad one on line 3.
				csv := header + "92000001,Good,muscat,en,Karama\n" + c.row + "\n"
				rep, rej := run(t, im, csv, contactimport.Options{DryRun: true})
				if rep.Rejected != 1 || rep.Rows() != 2 {
					t.Fatalf("report %+v, want 1 rejected of 2", rep)
				}
				r, ok := rej[3]
				if !ok || r.Reason != c.reason || r.Column != c.column {
					t.Fatalf("rejections %+v, want line 3 %s in %q", rej, c.reason, c.column)
				}
				for _, lang := range b.Languages() {
					if txt := r.Text(b, lang); txt == "" || txt == r.Reason || strings.Contains(txt, "no value") {
						t.Errorf("%s in %s reads %q", c.reason, lang, txt)
					}
				}
			})
		}
		t.Run(contactimport.ReasonDuplicate, func(t *testing.T) {
			csv := header + "91234567,First,dhofar,ar,Takaful\n92000001,Other,,,\n+968 9123 4567,Second,muscat,en,Karama\n"
			rep, rej := run(t, im, csv, contactimport.Options{})
			if rep.Created != 2 || rep.Rejected != 1 {
				t.Fatalf("report %+v", rep)
			}
			if r := rej[4]; r.Reason != contactimport.ReasonDuplicate || r.First != 2 {
				t.Fatalf("line 4: %+v", r)
			}
			c := contactByPhone(t, s, "+96891234567")
			if c == nil || c.Name != "First" || c.Governorate != "dhofar" {
				t.Fatalf("the first row was not the one applied: %+v", c)
			}
		})
		// Every reason was covered above.
		seen := map[string]bool{contactimport.ReasonDuplicate: true}
		for _, c := range cases {
			seen[c.reason] = true
		}
		for _, r := range contactimport.Reasons() {
			if !seen[r] {
				t.Errorf("no case for %s", r)
			}
		}
	})
}

func TestColumnsInAnyOrderLanguageSeparatorAndBOM(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		im := contactimport.New(s, bundle(t), "OM")
		files := map[string]string{
			"english, comma":         "program,Region,Phone,name,language\nTakaful,Dhofar,91234567,Salma Said,ar\n",
			"arabic, semicolon, BOM": "\ufeffالبرنامج;المحافظة;الهاتف;الاسم;اللغة\nTakaful;ظفار;٩١٢٣٤٥٦٧;Salma Said;العربية\n",
			"international, ids":     "phone;region;name;program;language\n+968 9123-4567;dhofar;Salma  Said;Takaful;Arabic\n",
			"00 prefix, quoted":      "\ufeff\"name\",\"phone\",\"region\",\"program\"\n\"Salma Said\",\"0096891234567\",\"DHOFAR\",\"Takaful\"\n",
		}
		for name, csv := range files {
			t.Run(name, func(t *testing.T) {
				rep, rej := run(t, im, csv, contactimport.Options{DryRun: true})
				if rep.Created != 1 || len(rej) != 0 {
					t.Fatalf("report %+v, rejected %+v", rep, rej)
				}
			})
		}
		run(t, im, files["arabic, semicolon, BOM"], contactimport.Options{})
		c := contactByPhone(t, s, "+96891234567")
		if c == nil || c.Name != "Salma Said" || c.Governorate != "dhofar" || c.Language != "ar" || c.ImportSource != "registry-2026" || c.ImportedAt == nil {
			t.Fatalf("contact %+v", c)
		}
		f, err := s.ContactFields(context.Background(), c.ID)
		if err != nil || f["البرنامج"] != "Takaful" {
			t.Fatalf("fields %v, %v", f, err)
		}
		for _, csv := range files {
			rep, _ := run(t, im, csv, contactimport.Options{DryRun: true})
			if rep.Created != 0 {
				t.Fatalf("the same person twice: %+v", rep)
			}
		}
	})
}

func TestFileErrorsChangeNothing(t *testing.T) {
	files := map[string]string{
		"empty":           "",
		"no phone column": "name,region\nSalma,dhofar\n",
		"column twice":    "phone,الهاتف\n91234567,91234568\n",
		"field twice":     "phone,Program,program\n91234567,a,b\n",
		"blank column":    "phone,,program\n91234567,,a\n",
	}
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		im := contactimport.New(s, bundle(t), "OM")
		for name, csv := range files {
			t.Run(name, func(t *testing.T) {
				_, err := im.Import(context.Background(), strings.NewReader(csv), contactimport.Options{Source: "x"})
				if err == nil || !strings.Contains(err.Error(), "cannot be imported") {
					t.Fatalf("error %v", err)
				}
			})
		}
		_, err := im.Import(context.Background(), strings.NewReader("phone\n91234567\n"), contactimport.Options{Source: " "})
		if err == nil {
			t.Fatal("an import without a source was accepted")
		}
		list, err := s.ListContacts(context.Background(), store.ContactFilter{Limit: 10})
		if err != nil || len(list) != 0 {
			t.Fatalf("contacts %d, %v", len(list), err)
		}
	})
}

// TestWhatThePersonSaidWins: a contact who wrote to the bot keeps their
// name, governorate and language; the list fills only what is blank, and
// adds its fields.
func TestWhatThePersonSaidWins(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		now := time.Now()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96891234567"}, "en")
			if err != nil {
				return err
			}
			c.Name, c.Governorate, c.ConsentAt = "Salma", "muscat", &now
			return tx.SaveContact(c)
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := run(t, im, "phone,name,region,language,program\n91234567,Salma Said Al Amri,dhofar,ar,Takaful\n", contactimport.Options{})
		if rep.Updated != 1 {
			t.Fatalf("report %+v", rep)
		}
		c := contactByPhone(t, s, "+96891234567")
		if c.Name != "Salma" || c.Governorate != "muscat" || c.Language != "en" || c.ImportSource != "registry-2026" {
			t.Fatalf("the list overwrote the person's words: %+v", c)
		}
		if f, _ := s.ContactFields(ctx, c.ID); f["program"] != "Takaful" {
			t.Fatalf("fields %v", f)
		}
		// A contact the import created is the list's to update.
		run(t, im, "phone,name,region\n92000001,Old,muscat\n", contactimport.Options{})
		rep, _ = run(t, im, "phone,name,region\n92000001,New,dhofar\n", contactimport.Options{})
		if c := contactByPhone(t, s, "+96892000001"); rep.Updated != 1 || c.Name != "New" || c.Governorate != "dhofar" {
			t.Fatalf("%+v %+v", rep, c)
		}
	})
}

func TestOptedOutAndErasedStayOut(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		var optedOut, erased int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			a, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96891111111"}, "ar")
			if err != nil {
				return err
			}
			b, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96892222222"}, "ar")
			optedOut, erased = a.ID, b.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkOptedOut(ctx, optedOut); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Erase(erased) }); err != nil {
			t.Fatal(err)
		}
		csv := "phone,name,program\n91111111,Opted Out,Takaful\n92222222,Erased,Takaful\n93333333,New,Takaful\n"
		for i := 0; i < 2; i++ {
			rep, _ := run(t, im, csv, contactimport.Options{})
			want := contactimport.Report{Created: 1, SkippedOptedOut: 1, SkippedErased: 1}
			if i == 1 {
				want = contactimport.Report{Unchanged: 1, SkippedOptedOut: 1, SkippedErased: 1}
			}
			if rep != want {
				t.Fatalf("import %d: %+v, want %+v", i+1, rep, want)
			}
		}
		if c := contactByPhone(t, s, "+96892222222"); c != nil {
			t.Fatalf("an erased number came back: %+v", c)
		}
		c, err := s.Contact(ctx, optedOut)
		if err != nil || c.OptedOutAt == nil || c.Name != "" {
			t.Fatalf("opted-out contact %+v, %v", c, err)
		}
		if f, _ := s.ContactFields(ctx, optedOut); len(f) != 0 {
			t.Fatalf("opted-out contact got fields %v", f)
		}
	})
}

// TestImportingTwiceIsImportingOnce: for random lists (with duplicates, bad
// rows and numbers that repeat across runs), importing a list a second time
// reports every applied row unchanged and leaves the contacts and fields as
// the first import left them.
func TestImportingTwiceIsImportingOnce(t *testing.T) {
	regions := []string{"dhofar", "muscat", "ظفار", "Muscat", "Atlantis", ""}
	programs := []string{"Takaful", "Karama", ""}
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		n := 0
		prop := func(seed int64) bool {
			n++
			r := rand.New(rand.NewSource(seed))
			var b strings.Builder
			b.WriteString("phone,name,region,program\n")
			for i := 0; i < 1+r.Intn(40); i++ {
				num := fmt.Sprintf("9%07d", r.Intn(60))
				if r.Intn(10) == 0 {
					num = "12"
				}
				fmt.Fprintf(&b, "%s,P%d,%s,%s\n", num, r.Intn(5), regions[r.Intn(len(regions))], programs[r.Intn(len(programs))])
			}
			source := fmt.Sprintf("list-%d", r.Intn(3))
			first, _ := run(t, im, b.String(), contactimport.Options{Source: source})
			before := snapshot(t, s)
			second, _ := run(t, im, b.String(), contactimport.Options{Source: source})
			after := snapshot(t, s)
			applied := first.Created + first.Updated + first.Unchanged
			if second.Unchanged != applied || second.Created+second.Updated != 0 || second.Rejected != first.Rejected {
				t.Logf("seed %d: first %+v, second %+v", seed, first, second)
				return false
			}
			if before != after {
				t.Logf("seed %d: the second import changed the contacts", seed)
				return false
			}
			return true
		}
		if err := quick.Check(prop, &quick.Config{MaxCount: 30}); err != nil {
			t.Fatal(err)
		}
		_ = ctx
	})
}

// snapshot is every contact with its fields, as text.
func snapshot(t *testing.T, s *store.Store) string {
	t.Helper()
	list, err := s.ListContacts(context.Background(), store.ContactFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	fields, err := s.FieldsOf(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range list {
		fmt.Fprintf(&b, "%d %s %s %s %s %s %v %v\n", c.ID, *c.Phone, c.Name, c.Governorate, c.Language, c.ImportSource, c.ImportedAt, fields[c.ID])
	}
	return b.String()
}

// TestFirstContactIntroducesOnce: a broadcast to imported people sends each
// one who never wrote the introduction first (in their language, on the
// broadcast's channel), and only once across broadcasts; people who wrote
// to the bot, imported or not, get the broadcast alone.
func TestFirstContactIntroducesOnce(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		// One who wrote before the list came (the bot made the contact),
		// one the list brought who wrote since.
		var wroteID int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96893000003"}, "ar")
			if err != nil {
				return err
			}
			now := time.Now()
			c.ConsentAt = &now
			return tx.SaveContact(c)
		})
		if err != nil {
			t.Fatal(err)
		}
		run(t, im, "phone,language,program\n93000001,ar,Takaful\n93000002,en,Takaful\n93000003,,Takaful\n93000004,ar,Takaful\n", contactimport.Options{})
		wroteID = contactByPhone(t, s, "+96893000004").ID
		err = s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ClaimInbound("sms", "SM-wrote-1", wroteID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for round := 1; round <= 2; round++ {
			b := &store.Broadcast{Texts: map[string]string{"ar": "خبر", "en": "News"}, Channels: []string{"sms"},
				Audience: store.Audience{Fields: map[string][]string{"program": {"Takaful"}}}, SendAt: time.Now()}
			if err := s.CreateBroadcast(ctx, b); err != nil {
				t.Fatal(err)
			}
			for {
				ex, err := s.ExpandBroadcast(ctx, b.ID, 1000, 3, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				if ex.Done {
					break
				}
			}
			got := map[string][]string{} // number → what goes first, second…
			for {
				rows, err := s.ClaimLane(ctx, "sms", 0, 100, 100, time.Minute, "test")
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 {
					break
				}
				var done []store.OutboxResult
				for _, r := range rows {
					got[r.Recipient] = append(got[r.Recipient], handedOut(r))
					done = append(done, store.OutboxResult{ID: r.ID, Status: store.OutboxSent})
				}
				if err := s.FinishBatch(ctx, done); err != nil {
					t.Fatal(err)
				}
			}
			intro := `{"key":"notice.first_contact"}`
			want := map[string][]string{
				"+96893000001": {"ar:" + intro, "خبر"},
				"+96893000002": {"en:" + intro, "News"},
				"+96893000003": {"خبر"},
				"+96893000004": {"خبر"},
			}
			if round == 2 {
				want["+96893000001"], want["+96893000002"] = []string{"خبر"}, []string{"News"}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("broadcast %d sent\n%v\nwant\n%v", round, got, want)
			}
		}
	})
}

// handedOut is what a claimed row sends: its text, or the language and
// catalog key of a notice (an introduction).
func handedOut(r store.OutboxMessage) string {
	if r.Payload != "" {
		return r.Language + ":" + r.Payload
	}
	return r.Body
}

// TestTheIntroductionGoesRightBeforeTheFirstMessage: whatever the service
// first sends someone a list brought (here a reminder, then a staff
// message), the dispatcher is handed the introduction first; the person's
// messages wait while it is out (others' go meanwhile), also when a rate
// limit gives it back, and the first of them is the next taken once it is
// sent. Nobody is introduced twice.
func TestTheIntroductionGoesRightBeforeTheFirstMessage(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		run(t, im, "phone,language\n93000001,en\n", contactimport.Options{})
		newcomer := contactByPhone(t, s, "+96893000001")
		var wrote *store.Contact // someone who wrote to the bot
		err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			wrote, _, err = tx.ContactByAddress(vocab.Address{Phone: "+96893000002"}, "ar")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		msg := func(c *store.Contact, key, body string) *store.OutboxMessage {
			return &store.OutboxMessage{ContactID: c.ID, Channel: "sms", Recipient: *c.Phone, Language: "ar",
				Priority: store.PriorityNotice, Body: body, DedupeKey: key}
		}
		enqueue := func(m *store.OutboxMessage) {
			t.Helper()
			if _, err := s.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		enqueue(msg(newcomer, "reminder:1:contact:1", "reminder"))
		enqueue(msg(newcomer, "staff:1", "staff"))
		enqueue(msg(wrote, "staff:2", "news"))
		out := map[int64]bool{} // what the dispatcher holds
		finish := func(status string) {
			t.Helper()
			var done []store.OutboxResult
			for id := range out {
				done = append(done, store.OutboxResult{ID: id, Status: status, RetryAt: newClock().Now(), Released: status == store.OutboxPending})
			}
			if err := s.FinishBatch(ctx, done); err != nil {
				t.Fatal(err)
			}
			clear(out)
		}
		intro := `+96893000001 en:{"key":"notice.first_contact"}`
		for i, step := range []struct {
			then string // what becomes of what is out, before the claim
			want string // what one claim hands out
		}{
			{"", intro},
			{"", "+96893000002 news"}, // the reminder waits while the introduction is out
			{"", ""},
			{store.OutboxPending, intro}, // a rate limit gave it back: it goes again, still first
			{store.OutboxSent, "+96893000001 reminder"},
			{store.OutboxSent, "+96893000001 staff"},
			{store.OutboxSent, "+96893000001 later"}, // queued just before this claim
			{store.OutboxSent, ""},
		} {
			if step.then != "" {
				finish(step.then)
			}
			if i == 6 {
				enqueue(msg(newcomer, "staff:3", "later"))
			}
			rows, err := s.ClaimLane(ctx, "sms", 0, 100, 1, time.Minute, "test")
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, r := range rows {
				if r.ContactID == wrote.ID { // sent at once: only the newcomer's rows stay out
					if err := s.FinishBatch(ctx, []store.OutboxResult{{ID: r.ID, Status: store.OutboxSent}}); err != nil {
						t.Fatal(err)
					}
				} else {
					out[r.ID] = true
				}
				got = r.Recipient + " " + handedOut(r)
			}
			if got != step.want {
				t.Fatalf("claim %d handed out %q, want %q", i+1, got, step.want)
			}
		}
	})
}

// TestAReplyKeepsWhereThePersonCameFrom: when someone a list brought writes
// and the inbox saves them, they keep their list, its time and their
// introduction (the inbox loads and saves whole contacts).
func TestAReplyKeepsWhereThePersonCameFrom(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		run(t, im, "phone,name,program\n91234567,Salma,Takaful\n", contactimport.Options{})
		before := contactByPhone(t, s, "+96891234567")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			found, err := tx.ContactsByAddresses([]vocab.Address{{Phone: "+96891234567"}}, []string{"ar"})
			if err != nil {
				return err
			}
			c := found[vocab.Address{Phone: "+96891234567"}.Key()]
			c.Governorate = "dhofar" // what the person told the bot
			return tx.SaveContact(c)
		})
		if err != nil {
			t.Fatal(err)
		}
		after := contactByPhone(t, s, "+96891234567")
		if after.ImportSource != "registry-2026" || after.ImportedAt == nil || !after.ImportedAt.Equal(*before.ImportedAt) ||
			!after.ImportCreated || after.Governorate != "dhofar" {
			t.Fatalf("after a reply: %+v", after)
		}
	})
}

// Names and fields keep every character a list may hold, including those
// the batch statements quote (quotes, backslashes, braces, commas).
func TestQuotesBackslashesAndBracesArriveAsWritten(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		im := contactimport.New(s, bundle(t), "OM")
		csv := "phone,name,note,code\n" +
			`91234567,"Umm ""Salim"" \ Al-Harthi","{a,b} ""q"" \\n NULL",` + "\"\\\"}\"\n" +
			"91234568,سالم {١},NULL,\n"
		rep, rej := run(t, im, csv, contactimport.Options{})
		if rep.Created != 2 || len(rej) != 0 {
			t.Fatalf("report %+v, rejected %+v", rep, rej)
		}
		c := contactByPhone(t, s, "+96891234567")
		if c == nil || c.Name != `Umm "Salim" \ Al-Harthi` {
			t.Fatalf("name %q", c.Name)
		}
		f, err := s.ContactFields(context.Background(), c.ID)
		if err != nil || f["note"] != `{a,b} "q" \\n NULL` || f["code"] != `\"}` {
			t.Fatalf("fields %q, %v", f, err)
		}
		c = contactByPhone(t, s, "+96891234568")
		if f, err := s.ContactFields(context.Background(), c.ID); c.Name != "سالم {١}" || err != nil || f["note"] != "NULL" {
			t.Fatalf("second %q: %q, %v", c.Name, f, err)
		}
	})
}

// A later list that renames people it brought (and no one else) leaves them
// found by their new name only; the person who named themselves keeps it.
func TestARenameIsFoundByTheNewName(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := contactimport.New(s, bundle(t), "OM")
		run(t, im, "phone,name\n91234567,Salma Said\n91234568,Aisha Ali\n", contactimport.Options{})
		rep, _ := run(t, im, "phone,name\n91234567,Mariam Said\n91234568,Aisha Ali\n", contactimport.Options{})
		if rep.Updated != 1 || rep.Unchanged != 1 {
			t.Fatalf("report %+v", rep)
		}
		find := func(q string) []string {
			list, err := s.ListContacts(ctx, store.ContactFilter{Search: q, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range list {
				names = append(names, c.Name)
			}
			return names
		}
		for q, want := range map[string]string{"mariam": "[Mariam Said]", "salma": "[]", "said": "[Mariam Said]", "aisha": "[Aisha Ali]"} {
			if got := fmt.Sprint(find(q)); got != want {
				t.Errorf("search %q finds %s, want %s", q, got, want)
			}
		}
	})
}
