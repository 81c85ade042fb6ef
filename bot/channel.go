package bot

import (
	"context"
	"net/http"
)

// Channel is one way of reaching people, whole: in the spirit of courier's
// channel handlers, it names itself, sends what the dispatcher gives it
// (Sender, and Limiter or Coster where the provider counts), serves the
// HTTP routes its provider calls, and runs the jobs that keep it going.
// What arrives it turns into Input for a Handler and into Receipt for a
// ReceiptHandler; it decides nothing else and stores nothing. Its send
// errors read as *SendError. A new channel (WhatsApp, a USSD gateway) is
// one package that implements Channel; serve mounts its routes, runs its
// jobs and hands its sender to the dispatcher.
type Channel interface {
	Sender
	// Routes are the endpoints the provider calls (webhooks); nil for none.
	Routes() []Route
	// Jobs run for as long as the service does (long polling, registering a
	// webhook); nil for none.
	Jobs() []Job
}

// Route is one HTTP endpoint of a channel.
type Route struct {
	Pattern string // a net/http pattern with its method: "POST /webhooks/twilio/sms"
	Name    string // the route's name in metrics and logs: "twilio-sms"
	Handler http.Handler
}

// Job is a long-running part of a channel. Run returns when ctx ends (nil),
// or with an error that stops the service; a job with nothing left to do
// (a webhook registered) returns nil early.
type Job struct {
	Name string
	Run  func(ctx context.Context) error
}
