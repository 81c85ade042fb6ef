package webconsole_test

import (
	"context"
	"net/http"
	"testing"
)

// The console refuses what PostgreSQL cannot store or what would mislead
// (NUL, a direction override, more places than a 32-bit column holds) with
// its own words, and saves nothing, on both databases.
func TestConsoleRefusesTextThatCannotBeStored(t *testing.T) {
	each(t, token, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.login(t)
		before, _ := e.store.Opportunities(ctx)
		a := e.post(t, "/console/broadcasts", e.form(t, "text_ar", "مرحبا\x00", "audience", "all", "channel", "telegram"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("broadcast with NUL: %d", a.code)
		}
		mustContain(t, a.body, "حرف خفي لا يُرى")
		a = e.post(t, "/console/opportunities", e.form(t, "kind", "training", "title_ar", "خياطة\u202e",
			"starts_at", "2026-12-10T09:30", "capacity", "2147483648"))
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("opportunity with an override and 2^31 places: %d", a.code)
		}
		mustContain(t, a.body, "حرف خفي لا يُرى", "من 0 إلى 1000000")
		if list, _ := e.store.Broadcasts(ctx, 0, 10); len(list) != 0 {
			t.Fatal("a broadcast was saved")
		}
		if after, _ := e.store.Opportunities(ctx); len(after) != len(before) {
			t.Fatal("an opportunity was saved")
		}
	})
}
