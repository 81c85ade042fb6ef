// Package httpapi is the service's HTTP surface: health and readiness probes,
// Prometheus metrics, and the routes other packages mount (provider webhooks,
// the staff API). Every request has a time limit, a body size limit and panic
// recovery, and carries the client's address (ClientAddress: the peer's, or
// the one trusted proxies name).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/tamkeen/tamkeen/metrics"
)

// MaxBodyBytes bounds any request body.
const MaxBodyBytes = 1 << 20

// Pinger tells whether the database answers; store.Store fits.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WriteChecker tells whether the database takes writes; store.Store fits.
// When the Pinger passed to New is one, /readyz checks writes too.
type WriteChecker interface {
	CheckWritable(ctx context.Context) error
}

// Server is the HTTP server.
type Server struct {
	mux     *http.ServeMux
	log     *slog.Logger
	metrics *metrics.Metrics
	srv     *http.Server
	trusted []netip.Prefix // reverse proxies whose X-Forwarded-For is believed
	uploads map[string]upload
}

// upload is what a route that takes files may take: a body up to max bytes
// for up to d.
type upload struct {
	max int64
	d   time.Duration
}

// Upload lets route (mounted after this call) take a body of up to max
// bytes and run for up to d, reading and writing: an upload such as a
// contact list, where every other route has MaxBodyBytes and seconds.
func (s *Server) Upload(route string, max int64, d time.Duration) {
	if s.uploads == nil {
		s.uploads = map[string]upload{}
	}
	s.uploads[route] = upload{max: max, d: d}
}

// New returns a server with /healthz, /readyz and /metrics mounted.
func New(addr string, db Pinger, m *metrics.Metrics, log *slog.Logger) *Server {
	s := &Server{mux: http.NewServeMux(), log: log, metrics: m}
	s.Handle("GET /healthz", "healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	s.Handle("GET /readyz", "readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if problem := Ready(r.Context(), db, log); problem != "" {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": problem})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
	}))
	s.Handle("GET /metrics", "metrics", m.Handler())
	s.srv = &http.Server{
		Addr:              addr,
		Handler:           s.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	return s
}

// Ready is the readiness check of /readyz (and of the tamkeen_ready
// metric): "" when the database answers and, when db is a WriteChecker,
// takes writes; else what is wrong ("unreachable" or "read-only"), logged.
func Ready(ctx context.Context, db Pinger, log *slog.Logger) (problem string) {
	if err := db.Ping(ctx); err != nil {
		log.Warn("readyz: database not reachable", "err", err)
		return "unreachable"
	}
	// Webhooks store before they answer: a database that answers but
	// cannot be written makes every one fail, so the replica is not ready.
	if wc, ok := db.(WriteChecker); ok {
		if err := wc.CheckWritable(ctx); err != nil {
			log.Warn("readyz: database cannot be written", "err", err)
			var rs interface{ Reason() string }
			if errors.As(err, &rs) {
				return rs.Reason() // "writes failing" after a full disk, say
			}
			return "read-only"
		}
	}
	return ""
}

// Handle mounts h at pattern (Go 1.22 ServeMux syntax); route names the
// route in metrics and logs.
func (s *Server) Handle(pattern, route string, h http.Handler) {
	s.mux.Handle(pattern, s.wrap(route, h))
}

// Handler returns the root handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.mux }

// ListenAndServe serves until ctx ends, then shuts down gracefully, giving
// requests in flight up to grace to finish. ready, if not nil, receives the
// bound address once listening.
func (s *Server) ListenAndServe(ctx context.Context, grace time.Duration, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("httpapi: listen %s: %w", s.srv.Addr, err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("httpapi: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("httpapi: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("httpapi: %w", err)
	}
	return nil
}

// StatusRecorder is a ResponseWriter that remembers the status its handler
// answered: the first WriteHeader, or 200 at the first Write.
type StatusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

// RecordStatus wraps w; Status reports unset until the handler answers.
func RecordStatus(w http.ResponseWriter, unset int) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, code: unset}
}

// Status is the status answered, or the unset value given to RecordStatus.
func (w *StatusRecorder) Status() int { return w.code }

// Answered reports whether the handler has written a status yet.
func (w *StatusRecorder) Answered() bool { return w.wrote }

// WriteHeader records the first status and passes it on.
func (w *StatusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write answers 200 if no status was set, as net/http does.
func (w *StatusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) wrap(route string, h http.Handler) http.Handler {
	limit, timeout := int64(MaxBodyBytes), 20*time.Second
	up, isUpload := s.uploads[route]
	if isUpload {
		limit, timeout = up.max, up.d
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload {
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(up.d))
			_ = rc.SetWriteDeadline(time.Now().Add(up.d + 10*time.Second))
		}
		sw := RecordStatus(w, 0)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("http: panic", "route", route, "panic", fmt.Sprint(p))
				if !sw.Answered() {
					WriteError(sw, http.StatusInternalServerError, "internal error")
				}
			}
			s.metrics.HTTPRequests.WithLabelValues(route, strconv.Itoa(sw.Status())).Inc()
		}()
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r.Body = http.MaxBytesReader(sw, r.Body, limit)
		h.ServeHTTP(sw, s.withClient(r.WithContext(ctx)))
	})
}

// WriteJSON writes v as JSON with status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"error": msg} with status code.
func WriteError(w http.ResponseWriter, code int, msg string) {
	WriteJSON(w, code, map[string]string{"error": msg})
}
