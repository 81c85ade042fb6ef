package store

import (
	"context"
	"github.com/tamkeen/tamkeen/vocab"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

func TestEraseLeavesNoAddressOrWordsBehind(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	s, err := Open(ctx, t.TempDir()+"/erase.db", clk)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	err = s.InTx(ctx, func(tx *Tx) error {
		c, _, err := tx.ContactByAddress(vocab.Address{Phone: "+96891234567"}, "ar")
		if err != nil {
			return err
		}
		id = c.ID
		c.Name = "Fatma"
		if err := tx.SaveContact(c); err != nil {
			return err
		}
		_, err = tx.Enqueue(
			&OutboxMessage{ContactID: id, Channel: "sms", Recipient: "+96891234567", Payload: `{"key":"menu.title","data":{"Name":"Fatma"}}`, DedupeKey: "sent-earlier", Status: OutboxSent},
			&OutboxMessage{ContactID: id, Channel: "sms", Recipient: "+96891234567", Body: "reminder", DedupeKey: "queued-earlier"},
		)
		if err != nil {
			return err
		}
		if err := tx.Erase(id); err != nil {
			return err
		}
		_, err = tx.Enqueue(&OutboxMessage{ContactID: id, Channel: "sms", Recipient: "+96891234567", Payload: `{"key":"delete.done"}`, Always: true, DedupeKey: "goodbye"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	var c Contact
	if err := s.db.First(&c, id).Error; err != nil {
		t.Fatal(err)
	}
	if c.Name != "" || c.Phone != nil || c.ErasedAt == nil {
		t.Fatalf("contact not erased: %+v", c)
	}
	rows := func() map[string]OutboxMessage {
		var list []OutboxMessage
		if err := s.db.Where("contact_id = ?", id).Find(&list).Error; err != nil {
			t.Fatal(err)
		}
		m := map[string]OutboxMessage{}
		for _, r := range list {
			m[r.DedupeKey] = r
		}
		return m
	}
	got := rows()
	if r := got["sent-earlier"]; r.Recipient != "" || r.Payload != "" {
		t.Errorf("an earlier message still holds the address or words: %+v", r)
	}
	if r := got["queued-earlier"]; r.Status != OutboxSkipped || r.Recipient != "" {
		t.Errorf("a message queued before the erasure must never go: %+v", r)
	}
	if r := got["goodbye"]; r.Recipient == "" || r.Status != OutboxPending {
		t.Fatalf("the goodbye must keep its address until it is sent: %+v", r)
	}

	if n, err := s.ScrubErased(ctx); err != nil || n != 0 {
		t.Fatalf("scrub before the goodbye went: %d, %v; want 0 (it is still pending)", n, err)
	}
	if err := s.db.Model(&OutboxMessage{}).Where("dedupe_key = ?", "goodbye").Update("status", OutboxSent).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := s.ScrubErased(ctx); err != nil || n != 1 {
		t.Fatalf("scrub after the goodbye went: %d, %v; want 1", n, err)
	}
	if r := rows()["goodbye"]; r.Recipient != "" || r.Payload != "" {
		t.Errorf("the sent goodbye still holds the address: %+v", r)
	}
}
