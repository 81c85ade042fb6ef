// Package metrics owns the service's Prometheus collectors, kept in a
// registry of their own (no process-wide default) and served at /metrics.
package metrics

import (
	"net/http"

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
