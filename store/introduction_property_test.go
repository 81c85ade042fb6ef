package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/vocab"
)

// Over random queues (people a list brought who never wrote, people a list
// brought who wrote, people who came by writing; messages of three
// priorities in any order) claimed by two lanes with random limits, and
// random outcomes (sent, given back by a rate limit, still out), what the
// dispatcher is handed keeps the rules: everyone's messages go, each once;
// someone never introduced gets the introduction before anything else and
// only once, and nothing of theirs is out beside it; nobody else gets one;
// at most one message per person and priority is out; and each person's
// messages of one priority go in the order they were queued.
func TestIntroductionsGoFirstAndHoldNothingForever(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		rounds := 30
		if s.Dialect() == "postgres" {
			rounds = 12
		}
		for round := range rounds {
			checkIntroductionRound(t, s, round)
		}
	})
}

type queuedPerson struct {
	id       int64
	phone    string
	newcomer bool // a list brought them and they never wrote
}

func checkIntroductionRound(t *testing.T, s *store.Store, round int) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(round), 22))
	people := make([]queuedPerson, 1+rng.IntN(5))
	var imported []store.ImportRow
	for i := range people {
		people[i].phone = fmt.Sprintf("+9689%03d%04d", round, i)
		if rng.IntN(3) > 0 {
			imported = append(imported, store.ImportRow{Phone: people[i].phone, Language: "ar"})
		}
	}
	counts, err := s.ImportContacts(ctx, "list", imported, false)
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		next := 0
		for i := range people {
			p := &people[i]
			if next < len(imported) && imported[next].Phone == p.phone {
				p.id, next = counts.CreatedIDs[next], next+1
				if p.newcomer = rng.IntN(3) > 0; !p.newcomer { // this one wrote since
					if _, err := tx.ClaimInbound("sms", fmt.Sprintf("SM-%d-%d", round, i), p.id); err != nil {
						return err
					}
				}
				continue
			}
			a := vocab.Address{Phone: p.phone}
			found, err := tx.ContactsByAddresses([]vocab.Address{a}, []string{"ar"})
			if err != nil {
				return err
			}
			p.id = found[a.Key()].ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	byContact := map[int64]*queuedPerson{}
	for i := range people {
		byContact[people[i].id] = &people[i]
	}

	priorities := []int{store.PriorityReply, store.PriorityNotice, store.PriorityBulk}
	queued := 1 + rng.IntN(8)
	for j := range queued {
		p := people[rng.IntN(len(people))]
		prio := priorities[rng.IntN(len(priorities))]
		m := &store.OutboxMessage{ContactID: p.id, Channel: "sms", Recipient: p.phone, Language: "ar", Priority: prio,
			Body: fmt.Sprintf("m%d", j), DedupeKey: fmt.Sprintf("staff:%d:%d", round, j)}
		if _, err := s.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	type key struct {
		contact  int64
		priority int
	}
	out := map[int64]store.OutboxMessage{} // handed out, no result yet
	introduced := map[int64]bool{}         // the introduction was sent
	sent := map[int64][]string{}           // by contact, in the order sent
	lastSent := map[key]int{}              // the last message number sent
	done := 0
	lanes := [][2]int{{0, store.PriorityBulk}, {store.PriorityBulk, 100}}
	for step := 0; done < queued; step++ {
		if step == 400 {
			t.Fatalf("round %d: %d of %d messages sent after %d claims; still out: %v", round, done, queued, step, out)
		}
		lane := lanes[rng.IntN(len(lanes))]
		rows, err := s.ClaimLane(ctx, "sms", lane[0], lane[1], 1+rng.IntN(3), time.Minute, "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			p := byContact[r.ContactID]
			intro := strings.HasPrefix(r.DedupeKey, "intro:")
			switch {
			case intro && (!p.newcomer || introduced[p.id]):
				t.Fatalf("round %d: an introduction for %+v (introduced before: %v)", round, *p, introduced[p.id])
			case !intro && p.newcomer && !introduced[p.id]:
				t.Fatalf("round %d: %s handed out before the introduction was sent to %+v", round, r.Body, *p)
			}
			for _, o := range out {
				if o.ContactID == r.ContactID && (o.Priority == r.Priority || intro || strings.HasPrefix(o.DedupeKey, "intro:")) {
					t.Fatalf("round %d: %q handed out while %q of the same person is out", round, r.DedupeKey, o.DedupeKey)
				}
			}
			out[r.ID] = r
		}
		var results []store.OutboxResult
		for id, r := range out {
			switch n := rng.IntN(10); {
			case n < 5:
				results = append(results, store.OutboxResult{ID: id, Status: store.OutboxSent})
				delete(out, id)
				if strings.HasPrefix(r.DedupeKey, "intro:") {
					introduced[r.ContactID] = true
					sent[r.ContactID] = append(sent[r.ContactID], "intro")
					continue
				}
				var number int
				fmt.Sscanf(r.Body, "m%d", &number)
				if k := (key{r.ContactID, r.Priority}); number < lastSent[k] {
					t.Fatalf("round %d: %s sent after m%d of the same person and priority", round, r.Body, lastSent[k])
				} else {
					lastSent[k] = number
				}
				sent[r.ContactID] = append(sent[r.ContactID], r.Body)
				done++
			case n < 7: // a rate limit gave it back
				results = append(results, store.OutboxResult{ID: id, Status: store.OutboxPending, RetryAt: t0, Released: true})
				delete(out, id)
			}
		}
		if err := s.FinishBatch(ctx, results); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range people {
		got := sent[p.id]
		intros := strings.Count(strings.Join(got, " "), "intro")
		if want := p.newcomer && len(got) > 0; want != (intros == 1 && got[0] == "intro") || intros > 1 {
			t.Errorf("round %d: %+v was sent %v", round, p, got)
		}
	}
}

// The claim looks for each row's person's unsent introduction in the
// partial index that holds those alone (step 42), on both databases: the
// index is used only when the query's words match its own, and without it
// every row claimed cost a look-up in the outbox's largest index.
func TestTheClaimLooksUpUnsentIntroductionsInTheirIndex(t *testing.T) {
	storetest.Each(t, newClock, func(t *testing.T, s *store.Store) {
		plan, err := s.ExplainClaim(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "outbox_unsent_intro") {
			t.Errorf("the claim's plan does not use outbox_unsent_intro:\n%s", plan)
		}
	})
}
