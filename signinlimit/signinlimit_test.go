package signinlimit

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
)

func TestLimiter(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	l := New(clk)
	for i := range Limit {
		if w := l.Wait("10.0.0.1"); w != 0 {
			t.Fatalf("after %d failures: wait %v", i, w)
		}
		l.Failed("10.0.0.1")
		clk.Advance(time.Minute)
	}
	// 5 failures at 0..4 min, now 5 min: the first is 10 min old at 10 min.
	if w := l.Wait("10.0.0.1"); w != 5*time.Minute {
		t.Fatalf("wait = %v, want 5m", w)
	}
	if w := l.Wait("10.0.0.2"); w != 0 {
		t.Fatalf("another address waits %v", w)
	}
	clk.Advance(5 * time.Minute)
	if w := l.Wait("10.0.0.1"); w != 0 {
		t.Fatalf("after the window: wait %v", w)
	}
	l.Failed("10.0.0.1")
	l.Succeeded("10.0.0.1")
	if got := len(l.fails); got != 0 {
		t.Fatalf("a success should forget the address: %d tracked", got)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8::1]:4242"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	if a := ClientAddress(r); a != "2001:db8::1" {
		t.Fatalf("ClientAddress = %q", a)
	}
}
