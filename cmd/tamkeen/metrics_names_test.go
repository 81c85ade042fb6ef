package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tamkeen/tamkeen/bot/telegram/telegramtest"
)

var (
	metricName = regexp.MustCompile(`\b(?:tamkeen|go|process)_[a-z0-9_]+\b`)
	selector   = regexp.MustCompile(`\b((?:tamkeen|go|process)_[a-z0-9_]+)\{([^}]*)\}`)
	matcher    = regexp.MustCompile(`(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"`)
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)
	labelPair  = regexp.MustCompile(`(\w+)="([^"]*)"`)
)

// The alert rules and the dashboard in deploy/ read only metrics that a
// freshly started serve exports (with a channel on), with the labels and
// label values they select on: a renamed metric or label fails here, not
// silently in an operator's Prometheus.
func TestDeployRulesAndDashboardNameMetricsServeExports(t *testing.T) {
	dir := t.TempDir()
	fake := telegramtest.New(t)
	_, addr, _ := startServe(t, dir, webhookEnv(filepath.Join(dir, "tamkeen.db"), fake, "metrics-secret"))
	var body []byte
	for range 2 { // as Prometheus scrapes: the second answer counts the first request
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}

	// series: metric name → label name → values seen.
	series := map[string]map[string][]string{}
	for _, line := range strings.Split(string(body), "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(line, "#") {
			continue
		}
		labels := series[m[1]]
		if labels == nil {
			labels = map[string][]string{}
			series[m[1]] = labels
		}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = append(labels[p[1]], p[2])
		}
	}

	root := filepath.Join("..", "..", "deploy")
	rules, err := os.ReadFile(filepath.Join(root, "prometheus", "tamkeen-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "grafana", "tamkeen-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	exprs := map[string]string{"tamkeen-alerts.yml": string(rules)}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs["dashboard panel "+p.Title] += tg.Expr + "\n"
		}
	}
	if len(dash.Panels) < 8 {
		t.Errorf("the dashboard has %d panels", len(dash.Panels))
	}

	for where, text := range exprs {
		for _, name := range metricName.FindAllString(text, -1) {
			if series[name] == nil {
				t.Errorf("%s reads %s, which /metrics does not export", where, name)
			}
		}
		for _, sel := range selector.FindAllStringSubmatch(text, -1) {
			labels := series[sel[1]]
			for _, mt := range matcher.FindAllStringSubmatch(sel[2], -1) {
				label, op, value := mt[1], mt[2], mt[3]
				if label == "job" || label == "instance" || labels == nil {
					continue // Prometheus adds these; a missing metric is reported above
				}
				if _, ok := labels[label]; !ok {
					t.Errorf("%s selects %s by label %q, which it does not have", where, sel[1], label)
				}
				var want []string
				switch op {
				case "=":
					want = []string{value}
				case "=~": // the alternatives that are plain words
					for _, alt := range strings.Split(value, "|") {
						if regexp.QuoteMeta(alt) == alt {
							want = append(want, alt)
						}
					}
				}
				for _, v := range want {
					if !slices.Contains(labels[label], v) {
						t.Errorf("%s selects %s{%s=%q}, a value it never has at start (has %v)", where, sel[1], label, v, labels[label])
					}
				}
			}
		}
	}
	for _, name := range []string{"tamkeen_outbox_due_messages", "tamkeen_outbox_oldest_due_seconds", "tamkeen_dispatcher_replicas", "tamkeen_ready"} {
		if series[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
