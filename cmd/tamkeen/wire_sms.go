package main

import "context"

// wireSMS switches the SMS channel on when the Twilio credentials are set.
func wireSMS(ctx context.Context, w *wiring) error {
	if !w.app.cfg.Twilio.Enabled() {
		w.app.log.Info("channel off: sms", "why", "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID) are not set")
		return nil
	}
	w.app.log.Warn("channel off: sms", "why", "this build has no SMS channel yet")
	return nil
}
