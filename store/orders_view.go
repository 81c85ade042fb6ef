package store

import (
	"context"
	"fmt"
)

// OrderRow is an order with its producer, for staff.
type OrderRow struct {
	Order
	Name string // the producer
}

// OrderEventRow is one order event received, with its order and producer.
type OrderEventRow struct {
	OrderEvent
	OrderRef  string
	ContactID int64
	Name      string
}

// LatestOrders lists orders, the latest status change first, optionally of
// one status, at most limit.
func (s *Store) LatestOrders(ctx context.Context, status string, limit int) ([]OrderRow, error) {
	q := s.db.WithContext(ctx).Table("orders o").Select("o.*, c.name").
		Joins("JOIN contacts c ON c.id = o.contact_id").Order("o.status_at DESC, o.id DESC").Limit(limit)
	if status != "" {
		q = q.Where("o.status = ?", status)
	}
	var out []OrderRow
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: latest orders: %w", err)
	}
	return out, nil
}

// LatestOrderEvents lists the order events received most recently, at most limit.
func (s *Store) LatestOrderEvents(ctx context.Context, limit int) ([]OrderEventRow, error) {
	var out []OrderEventRow
	err := s.db.WithContext(ctx).Table("order_events e").
		Select("e.*, o.order_ref, o.contact_id, c.name").
		Joins("JOIN orders o ON o.id = e.order_id").Joins("JOIN contacts c ON c.id = o.contact_id").
		Order("e.received_at DESC, e.id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: latest order events: %w", err)
	}
	return out, nil
}
