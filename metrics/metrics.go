// Package metrics owns the service's Prometheus collectors, kept in a
// registry of their own (no process-wide default) and served at /metrics.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of collectors.
type Metrics struct {
	Registry *prometheus.Registry
	// Inbound counts inbound messages by channel and result (handled, duplicate, error).
	Inbound *prometheus.CounterVec
	// Outbound counts send attempts by channel and result (sent, retry, failed, skipped).
	Outbound *prometheus.CounterVec
	// Throttled counts providers' "too many requests" answers by channel and
	// by whom they concerned (recipient or channel).
	Throttled *prometheus.CounterVec
	// SendSeconds observes how long a provider took to accept a message.
	SendSeconds *prometheus.HistogramVec
	// HTTPRequests counts HTTP requests by route and status code.
	HTTPRequests *prometheus.CounterVec
	// Conversations with staff: open ones and those waiting for an answer
	// now; the median time to a first answer and the share answered within
	// office hours, over the last 30 days.
	ConversationsOpen, ConversationsWaiting, FirstAnswerSeconds, AnsweredWithinHours prometheus.Gauge
}

// New makes the collectors and registers them, with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tamkeen_inbound_messages_total", Help: "Inbound messages by channel and result.",
		}, []string{"channel", "result"}),
		Outbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tamkeen_outbound_messages_total", Help: "Outbound send attempts by channel and result.",
		}, []string{"channel", "result"}),
		Throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tamkeen_provider_throttled_total", Help: "Provider 429 answers by channel and scope (recipient or channel).",
		}, []string{"channel", "scope"}),
		SendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tamkeen_send_seconds", Help: "Time a provider took to accept a message.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"channel"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tamkeen_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
	}
	m.ConversationsOpen = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tamkeen_conversations_open", Help: "Conversations with staff open now."})
	m.ConversationsWaiting = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tamkeen_conversations_waiting", Help: "Open conversations whose person waits for an answer now."})
	m.FirstAnswerSeconds = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tamkeen_conversations_first_answer_median_seconds", Help: "Median time from a request for staff to the first answer, last 30 days."})
	m.AnsweredWithinHours = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tamkeen_conversations_answered_within_office_hours_ratio", Help: "Share of the conversations answered in the last 30 days that were answered within office hours."})
	m.Registry.MustRegister(m.ConversationsOpen, m.ConversationsWaiting, m.FirstAnswerSeconds, m.AnsweredWithinHours)
	m.Registry.MustRegister(m.Inbound, m.Outbound, m.Throttled, m.SendSeconds, m.HTTPRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Results of a send attempt and scopes of a provider's 429, as counted.
var (
	// window_closed: WhatsApp's 131047 (sent again as a template);
	// moved_to_sms: outside the window, SMS carries it; waiting_window:
	// outside the window with no template and no SMS, it waits.
	SendResults     = []string{"sent", "retry", "failed", "skipped", "window_closed", "moved_to_sms", "waiting_window"}
	InboundResults  = []string{"handled", "duplicate", "error"}
	ThrottledScopes = []string{"recipient", "channel"}
)

// InitChannel makes a channel's series exist at 0 from the start, so that
// rate() and alert rules see them before the first event (a series that
// appears with its first 429 hides that 429 from rate()).
func (m *Metrics) InitChannel(channel string) {
	for _, r := range SendResults {
		m.Outbound.WithLabelValues(channel, r)
	}
	for _, r := range InboundResults {
		m.Inbound.WithLabelValues(channel, r)
	}
	for _, s := range ThrottledScopes {
		m.Throttled.WithLabelValues(channel, s)
	}
	m.SendSeconds.WithLabelValues(channel)
}

// Backlog is the due, unsent outbox messages of one channel and lane.
type Backlog struct {
	Channel string
	Lane    string        // reply, notice or bulk
	Due     int64         // messages due now and not yet sent
	Oldest  time.Duration // how long the longest-waiting one has been due
}

// Watch registers what is read when /metrics is scraped: the outbox backlog
// per channel, the dispatcher replicas seen, and whether this replica is
// ready (the check /readyz makes). The database reads are bounded by a
// timeout; a backlog that cannot be read is left out (unknown, not 0).
func (m *Metrics) Watch(backlog func(context.Context) ([]Backlog, error), replicas func() int, ready func(context.Context) bool) {
	c := &dbCollector{
		backlog: backlog, replicas: replicas, ready: ready, timeout: 5 * time.Second,
		dueDesc: prometheus.NewDesc("tamkeen_outbox_due_messages",
			"Outbox messages due now and not yet sent, by channel and lane (reply, notice, bulk).", []string{"channel", "lane"}, nil),
		oldestDesc: prometheus.NewDesc("tamkeen_outbox_oldest_due_seconds",
			"How long the longest-waiting due outbox message has been due, by channel and lane (0 when none is).", []string{"channel", "lane"}, nil),
		replicasDesc: prometheus.NewDesc("tamkeen_dispatcher_replicas",
			"Dispatchers seen running on this database within the last seconds (this one included).", nil, nil),
		readyDesc: prometheus.NewDesc("tamkeen_ready",
			"1 when this replica is ready (the database answers and takes writes, as /readyz checks), else 0.", nil, nil),
	}
	m.Registry.MustRegister(c)
}

type dbCollector struct {
	backlog  func(context.Context) ([]Backlog, error)
	replicas func() int
	ready    func(context.Context) bool
	timeout  time.Duration

	dueDesc, oldestDesc, replicasDesc, readyDesc *prometheus.Desc
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.dueDesc
	ch <- c.oldestDesc
	ch <- c.replicasDesc
	ch <- c.readyDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	ready := c.ready(ctx)
	if backlog, err := c.backlog(ctx); err == nil { // unknown is not 0
		for _, b := range backlog {
			ch <- prometheus.MustNewConstMetric(c.dueDesc, prometheus.GaugeValue, float64(b.Due), b.Channel, b.Lane)
			ch <- prometheus.MustNewConstMetric(c.oldestDesc, prometheus.GaugeValue, b.Oldest.Seconds(), b.Channel, b.Lane)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.replicasDesc, prometheus.GaugeValue, float64(c.replicas()))
	r := 0.0
	if ready {
		r = 1
	}
	ch <- prometheus.MustNewConstMetric(c.readyDesc, prometheus.GaugeValue, r)
}
