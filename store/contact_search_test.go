package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/textnorm"
	"github.com/tamkeen/tamkeen/vocab"
)

// Letters a name is made of in the property tests: the forms the bot folds
// (alef with hamza above and below, madda, wasla; yaa and alef maqsura; taa
// marbuta and haa; waw and yaa with hamza) and plain ones.
var (
	foldClasses = [][]rune{
		{'ا', 'أ', 'إ', 'آ', 'ٱ'},
		{'ي', 'ى', 'ئ'},
		{'ه', 'ة'},
		{'و', 'ؤ'},
	}
	plainLetters = []rune("بتثجحخدذرزسشصضطظعغفقكلمن")
	marks        = []rune{'\u064E', '\u064F', '\u0650', '\u0651', '\u0652', '\u064B', '\u0640'} // harakat, shadda, sukun, tanween, tatweel
)

// randomWord is a word of 2 to 7 letters, often with the article «ال».
func randomWord(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(3) == 0 {
		b.WriteString("ال")
	}
	for range 2 + r.IntN(6) {
		if r.IntN(2) == 0 {
			class := foldClasses[r.IntN(len(foldClasses))]
			b.WriteRune(class[r.IntN(len(class))])
		} else {
			b.WriteRune(plainLetters[r.IntN(len(plainLetters))])
		}
	}
	return b.String()
}

// variant writes w another way a person might type it: each foldable letter
// as any form of its class, diacritics and tatweel added or dropped.
func variant(r *rand.Rand, w string) string {
	var b strings.Builder
	for _, c := range w {
		if slices.Contains(marks, c) {
			continue
		}
		for _, class := range foldClasses {
			if slices.Contains(class, c) {
				c = class[r.IntN(len(class))]
				break
			}
		}
		b.WriteRune(c)
		if r.IntN(4) == 0 {
			b.WriteRune(marks[r.IntN(len(marks))])
		}
	}
	return b.String()
}

// saveName gives contact id the name, as the inbox does.
func saveName(t *testing.T, s *store.Store, id int64, name string) {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		c, err := s.Contact(context.Background(), id)
		if err != nil {
			return err
		}
		c.Name = name
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newContact(t *testing.T, s *store.Store, phone, name string) int64 {
	t.Helper()
	var id int64
	err := s.InTx(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.ContactByAddress(vocab.Address{Phone: phone}, "ar")
		if err != nil {
			return err
		}
		c.Name, id = name, c.ID
		return tx.SaveContact(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func search(t *testing.T, s *store.Store, q string) []int64 {
	t.Helper()
	list, err := s.ListContacts(context.Background(), store.ContactFilter{Search: q, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids
}

// findsByWord is the rule said plainly: the folded query starts a word of
// the folded name, or that word without its article.
func findsByWord(name, query string) bool {
	q := textnorm.Normalize(query)
	for _, w := range strings.Fields(textnorm.Normalize(name)) {
		rest, _ := strings.CutPrefix(w, "ال")
		if strings.HasPrefix(w, q) || len([]rune(rest)) >= 3 && strings.HasPrefix(rest, q) {
			return true
		}
	}
	return false
}

// For any stored name, any way of writing any of its words (alef, yaa, taa
// marbuta forms, diacritics, tatweel), whole or its beginning, finds it, and
// a search finds exactly the people the rule names, no one else.
func TestNameSearchFindsEveryLetterFormOfEveryWord(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		r := rand.New(rand.NewPCG(19, 24))
		names := map[int64]string{}
		for i := range 80 {
			words := make([]string, 1+r.IntN(3))
			for j := range words {
				words[j] = randomWord(r)
			}
			name := strings.Join(words, " ")
			names[newContact(t, s, fmt.Sprintf("+9689%07d", i), name)] = name
		}
		checked := 0
		for id, name := range names {
			for _, w := range strings.Fields(name) {
				for range 3 {
					q := variant(r, w)
					if runes := []rune(q); r.IntN(2) == 0 && len(runes) > 2 {
						q = string(runes[:1+r.IntN(len(runes)-1)]) // its beginning
					}
					got := search(t, s, q)
					if !slices.Contains(got, id) {
						t.Fatalf("%q does not find %q (contact %d); found %v", q, name, id, got)
					}
					for _, other := range got {
						if !findsByWord(names[other], q) {
							t.Fatalf("%q finds %q (contact %d), which has no word starting so", q, names[other], other)
						}
					}
					var want []int64
					for cid, n := range names {
						if findsByWord(n, q) {
							want = append(want, cid)
						}
					}
					if len(want) != len(got) {
						t.Fatalf("%q finds %d people, want %d: %v, want %v", q, len(got), len(want), got, want)
					}
					checked++
				}
			}
		}
		if checked < 300 {
			t.Fatalf("only %d searches checked", checked)
		}
	})
}

// The names of the issue: «احمد» finds every Ahmad, however his alef is
// written, and the first words and family names of the others are found
// however their letters are typed.
func TestNameSearchIssueNames(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ahmadB := newContact(t, s, "+96891000001", "أحمد البلوشي")
		iman := newContact(t, s, "+96891000002", "إيمان الحارثية")
		amna := newContact(t, s, "+96891000003", "آمنة الكندية")
		aisha := newContact(t, s, "+96891000004", "عائشة المعمرية")
		ahmadR := newContact(t, s, "+96891000005", "احمد الراشدي")
		for _, tt := range []struct {
			q    string
			want []int64
		}{
			{"احمد", []int64{ahmadB, ahmadR}},
			{"أحمد", []int64{ahmadB, ahmadR}},
			{"ايمان", []int64{iman}},
			{"امنة", []int64{amna}},
			{"آمنه", []int64{amna}},
			{"عائشه", []int64{aisha}},
			{"عايشة", []int64{aisha}},
			{"البلوشى", []int64{ahmadB}},
			{"بلوشي", []int64{ahmadB}},        // without the article
			{"احمد الراشدي", []int64{ahmadR}}, // every word must match
			{"الحارثيه", []int64{iman}},
			{"مد", nil}, // the middle of a word is not its beginning
		} {
			if got := search(t, s, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("%q finds %v, want %v", tt.q, got, tt.want)
			}
		}
	})
}

// A changed name is found by its new words only; an erased person, and the
// emptied contact of a merge, by none.
func TestNameWordsFollowEveryWriteOfAName(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id := newContact(t, s, "+96891000001", "أمل الهاشمية")
		saveName(t, s, id, "سعاد الهاشمية")
		if got := search(t, s, "امل"); len(got) != 0 {
			t.Fatalf("the old first name still finds %v", got)
		}
		if got := search(t, s, "سعاد الهاشميه"); !slices.Equal(got, []int64{id}) {
			t.Fatalf("the new name finds %v", got)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Erase(id) }); err != nil {
			t.Fatal(err)
		}
		if got := search(t, s, "الهاشمية"); len(got) != 0 {
			t.Fatalf("the erased person is still found: %v", got)
		}
		if n, err := s.Int64s(ctx, "SELECT COUNT(*) FROM contact_name_words WHERE contact_id = ?", id); err != nil || n[0] != 0 {
			t.Fatalf("words of the erased person kept: %v %v", n, err)
		}

		// A Telegram chat that shares the number of an SMS contact merges into it.
		sms := newContact(t, s, "+96891000002", "")
		var chat int64
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := tx.ContactByAddress(vocab.Address{TelegramChatID: 42}, "ar")
			if err != nil {
				return err
			}
			c.Name, chat = "زينب", c.ID
			if err := tx.SaveContact(c); err != nil {
				return err
			}
			_, _, err = tx.LinkTelegramPhone(42, "+96891000002", "ar")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, s, "زينب"); !slices.Equal(got, []int64{sms}) {
			t.Fatalf("after the merge «زينب» finds %v, want only the surviving contact %d (not %d)", got, sms, chat)
		}
	})
}

// Names stored before the words existed are found once the migration ran.
func TestMigrationFillsNameWords(t *testing.T) {
	eachEmpty(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.MigrateSteps(ctx, store.MigrationsBefore(24)); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"أحمد البلوشي", "إيمان الحارثية", "", "عائشة المعمرية"} {
			if err := s.Exec(ctx, `INSERT INTO contacts (phone, language, name, created_at, updated_at) VALUES (?, 'ar', ?, ?, ?)`,
				fmt.Sprintf("+9689100000%d", i), name, t0, t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Exec(ctx, `INSERT INTO contacts (phone, language, name, erased_at, created_at, updated_at) VALUES ('+96891000009', 'ar', 'أحمد', ?, ?, ?)`, t0, t0, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string][]int64{"احمد": {1}, "ايمان": {2}, "عائشه": {4}, "المعمريه": {4}} {
			if got := search(t, s, q); !slices.Equal(got, want) {
				t.Errorf("after the migration %q finds %v, want %v", q, got, want)
			}
		}
	})
}

// The name search is served by the words' index on both databases, and on
// PostgreSQL the words compare byte by byte, as SQLite's do, so a range on
// them is a prefix whatever the database's collation.
func TestNameSearchUsesTheIndex(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 50 {
			newContact(t, s, fmt.Sprintf("+9689200%04d", i), fmt.Sprintf("اسم%d عائلة", i))
		}
		plan, err := s.ExplainContactSearch(ctx, "احمد")
		if err != nil {
			t.Fatal(err)
		}
		// PostgreSQL's primary key index; on SQLite the table is its key (WITHOUT ROWID).
		if !strings.Contains(plan, "contact_name_words_pkey") && !strings.Contains(plan, "contact_name_words USING PRIMARY KEY (word") {
			t.Fatalf("the search does not use the words' index:\n%s", plan)
		}
		if s.Dialect() == "postgres" {
			got, err := s.Strings(ctx, `SELECT collation_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = 'contact_name_words' AND column_name = 'word'`)
			if err != nil || !slices.Equal(got, []string{"C"}) {
				t.Fatalf("contact_name_words.word collation %v (%v), want C", got, err)
			}
		}
	})
}

// Fields and name words written before step 39 are all there after it, and
// still found: on SQLite the step rebuilt both tables in their keys' order.
func TestFieldsAndWordsSurviveTheirTablesRebuilt(t *testing.T) {
	eachEmpty(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.MigrateSteps(ctx, store.MigrationsBefore(39)); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, name := range []string{"أحمد البلوشي", "إيمان الحارثية"} {
			ids = append(ids, newContact(t, s, fmt.Sprintf("+9689100000%d", i), name))
		}
		for _, id := range ids {
			if err := s.SetContactField(ctx, id, "program", fmt.Sprintf("Takaful %d", id)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			f, err := s.ContactFields(ctx, id)
			if err != nil || f["program"] != fmt.Sprintf("Takaful %d", id) {
				t.Errorf("contact %d's fields after the step: %v, %v", id, f, err)
			}
			if got := search(t, s, []string{"احمد", "ايمان"}[i]); !slices.Equal(got, []int64{id}) {
				t.Errorf("search after the step finds %v, want [%d]", got, id)
			}
		}
		if s.Dialect() == "sqlite" {
			got, err := s.Strings(ctx, `SELECT sql FROM sqlite_master WHERE name IN ('contact_fields', 'contact_name_words') ORDER BY name`)
			if err != nil || len(got) != 2 || !strings.Contains(got[0], "WITHOUT ROWID") || !strings.Contains(got[1], "WITHOUT ROWID") {
				t.Errorf("tables after the step: %q, %v", got, err)
			}
		}
		// A field can be set again.
		if err := s.SetContactField(ctx, ids[0], "program", "Karama"); err != nil {
			t.Fatal(err)
		}
	})
}

// A contact the inbox drops again (every message from its new address was a
// duplicate) leaves no name words or fields behind: nothing in the database
// ties them to the contact since step 40, so the store deletes them itself.
// Other contacts keep theirs.
func TestADroppedNewContactLeavesNoWordsOrFields(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		kept := newContact(t, s, "+96891000001", "أحمد البلوشي")
		if err := s.SetContactField(ctx, kept, "program", "Takaful"); err != nil {
			t.Fatal(err)
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			a := vocab.Address{Phone: "+96891000002"}
			found, err := tx.ContactsByAddresses([]vocab.Address{a}, []string{"ar"})
			if err != nil {
				return err
			}
			c := found[a.Key()]
			c.Name = "إيمان الحارثية"
			if err := tx.SaveContact(c); err != nil {
				return err
			}
			if err := tx.SetContactField(c.ID, "program", "Karama"); err != nil {
				return err
			}
			return tx.DropNewContacts([]*store.Contact{c})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT contact_id FROM contact_name_words", "SELECT contact_id FROM contact_fields"} {
			ids, err := s.Int64s(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if id != kept {
					t.Errorf("%s: %v, want only contact %d's", q, ids, kept)
					break
				}
			}
			if len(ids) == 0 {
				t.Errorf("%s: nothing, want contact %d's", q, kept)
			}
		}
	})
}
