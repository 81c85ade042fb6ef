package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
)

// X-Forwarded-For names the client only when the connection comes from a
// trusted proxy, and only the entries trusted proxies wrote are believed:
// the first address from the right that is not a trusted proxy is the
// client, whatever a client put in front of it.
func TestClientAddress(t *testing.T) {
	office := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no trusted proxy: the header is ignored", nil, "10.0.0.5:1234", []string{"203.0.113.7"}, "10.0.0.5"},
		{"an untrusted peer's header is ignored", office, "192.0.2.1:1234", []string{"203.0.113.7"}, "192.0.2.1"},
		{"a trusted proxy names the client", office, "10.0.0.5:1234", []string{"203.0.113.7"}, "203.0.113.7"},
		{"what the client wrote in front is not believed", office, "10.0.0.5:1234", []string{"6.6.6.6, 203.0.113.7"}, "203.0.113.7"},
		{"two proxies", office, "10.0.0.5:1234", []string{"203.0.113.7, 10.0.0.9"}, "203.0.113.7"},
		{"several header lines", office, "10.0.0.5:1234", []string{"6.6.6.6", "203.0.113.7, 10.0.0.9"}, "203.0.113.7"},
		{"garbage behind a proxy stops at that proxy", office, "10.0.0.5:1234", []string{"not-an-ip, 10.0.0.9"}, "10.0.0.9"},
		{"only proxies: the farthest", office, "10.0.0.5:1234", []string{"10.0.0.7, 10.0.0.9"}, "10.0.0.7"},
		{"no header from a proxy: the proxy", office, "10.0.0.5:1234", nil, "10.0.0.5"},
		{"IPv6 proxy and client", office, "[::1]:80", []string{"2001:db8::5"}, "2001:db8::5"},
		{"an entry with a port", office, "10.0.0.5:1234", []string{"203.0.113.7:5678"}, "203.0.113.7"},
		{"an IPv4-mapped peer", office, "[::ffff:10.0.0.5]:1234", []string{"203.0.113.7"}, "203.0.113.7"},
		{"an IPv4-mapped entry", office, "10.0.0.5:1234", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := httpapi.New("127.0.0.1:0", nil, metrics.New(), slog.New(slog.DiscardHandler))
			s.TrustProxies(c.trusted)
			s.Handle("GET /who", "who", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, httpapi.ClientAddress(r))
			}))
			req := httptest.NewRequest("GET", "/who", nil)
			req.RemoteAddr = c.peer
			for _, h := range c.xff {
				req.Header.Add("X-Forwarded-For", h)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if got := rec.Body.String(); got != c.want {
				t.Fatalf("client address %q, want %q", got, c.want)
			}
		})
	}
}
