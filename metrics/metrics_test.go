package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// What the alert rules read is read at each scrape; a backlog the database
// cannot tell is left out (unknown), never reported as an empty outbox.
func TestWatchReportsBacklogReplicasAndReadiness(t *testing.T) {
	m := New()
	var backlogErr error
	ready := true
	m.Watch(func(context.Context) ([]Backlog, error) {
		return []Backlog{{Channel: "sms", Lane: "reply", Due: 3, Oldest: 90 * time.Second}}, backlogErr
	}, func() int { return 2 }, func(context.Context) bool { return ready })

	out := scrape(t, m)
	for _, want := range []string{
		`tamkeen_outbox_due_messages{channel="sms",lane="reply"} 3`,
		`tamkeen_outbox_oldest_due_seconds{channel="sms",lane="reply"} 90`,
		"tamkeen_dispatcher_replicas 2",
		"tamkeen_ready 1",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	backlogErr, ready = errors.New("database gone"), false
	out = scrape(t, m)
	if strings.Contains(out, "tamkeen_outbox_due_messages{") || !strings.Contains(out, "tamkeen_ready 0\n") {
		t.Errorf("with the database gone, /metrics should drop the backlog and say not ready:\n%s", out)
	}
}

func TestInitChannelMakesEverySeriesExistAtZero(t *testing.T) {
	m := New()
	m.InitChannel("telegram")
	out := scrape(t, m)
	for _, r := range SendResults {
		if !strings.Contains(out, `tamkeen_outbound_messages_total{channel="telegram",result="`+r+`"} 0`) {
			t.Errorf("no zero series for result %s", r)
		}
	}
	for _, s := range ThrottledScopes {
		if !strings.Contains(out, `tamkeen_provider_throttled_total{channel="telegram",scope="`+s+`"} 0`) {
			t.Errorf("no zero series for 429 scope %s", s)
		}
	}
}
