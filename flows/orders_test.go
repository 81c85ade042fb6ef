package flows

import (
	"slices"
	"testing"
	"time"
)

func TestMyOrders(t *testing.T) {
	e := engine(t)
	orders := []Order{
		{ID: 12, Ref: "A-10294", Status: "shipped", StatusAt: now.Add(-time.Hour), Items: 2, Total: "12.500", Currency: "OMR", CustomerArea: "Seeb"},
		{ID: 11, Ref: "A-10293", Status: "placed", StatusAt: now.Add(-48 * time.Hour)},
	}
	atList := State{Step: stepMyOrders}
	cases := []struct {
		name     string
		snap     Snapshot
		in       Input
		wantKey  string
		wantStep string
		wantOpts []string
	}{
		{"the producer corner offers my orders", Snapshot{Profile: registered, State: State{Step: stepMenu}}, Input{Payload: "pc"},
			"producer.intro", stepProducer, nil},
		{"my orders lists the latest with status and time", Snapshot{Profile: registered, State: State{Step: stepProducer}, Orders: orders}, Input{Payload: "orders"},
			"my_orders.list", stepMyOrders, []string{"ord:12", "ord:11", "back", "menu"}},
		{"no orders yet", Snapshot{Profile: registered, State: State{Step: stepProducer}}, Input{Text: "3"},
			"my_orders.none", stepMyOrders, []string{"back", "menu"}},
		{"an order's details", Snapshot{Profile: registered, State: atList, Orders: orders}, Input{Payload: "ord:12"},
			"my_orders.detail", stepMyOrders, []string{"list", "menu"}},
		{"back from the details is the list", Snapshot{Profile: registered, State: State{Step: stepMyOrders, Args: map[string]string{"order": "12"}}, Orders: orders}, Input{Text: "رجوع"},
			"my_orders.list", stepMyOrders, nil},
		{"back from the list is the producer corner", Snapshot{Profile: registered, State: atList, Orders: orders}, Input{Payload: "back"},
			"producer.intro", stepProducer, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Handle(now, tc.snap, tc.in)
			if len(r.Replies) == 0 {
				t.Fatal("no reply")
			}
			last := r.Replies[len(r.Replies)-1]
			if last.Key != tc.wantKey || r.State.Step != tc.wantStep {
				t.Fatalf("got %v at %q, want %s at %q", keys(r), r.State.Step, tc.wantKey, tc.wantStep)
			}
			var opts []string
			for _, o := range last.Options {
				opts = append(opts, o.Payload)
			}
			if tc.name == "the producer corner offers my orders" && !slices.Contains(opts, "orders") {
				t.Errorf("options %v lack my orders", opts)
			}
			if tc.wantKey == "my_orders.detail" {
				if total, _ := last.Data["Total"].(map[string]any); total["$money"] != "12.500" || total["$cur"] != "OMR" {
					t.Errorf("total %v, want 12.500 in OMR for the renderer to write per language", last.Data["Total"])
				}
			}
			if tc.wantOpts != nil && !slices.Equal(opts, tc.wantOpts) {
				t.Errorf("options %v, want %v", opts, tc.wantOpts)
			}
		})
	}
}
