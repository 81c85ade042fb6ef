package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientKey carries the client's address in a request's context.
type clientKey struct{}

// ClientAddress is the address a request came from: the connection's peer,
// or, when the peer is one of the server's trusted proxies (TrustProxies),
// the address those proxies name in X-Forwarded-For. A header sent by
// anyone else is ignored, so no client can claim another's address.
func ClientAddress(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(string); ok {
		return a
	}
	return peerAddress(r)
}

// TrustProxies names the reverse proxies whose X-Forwarded-For is believed
// (TAMKEEN_TRUSTED_PROXIES). Call it before serving.
func (s *Server) TrustProxies(prefixes []netip.Prefix) { s.trusted = prefixes }

// withClient stores the request's client address in its context.
func (s *Server) withClient(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, clientAddress(r, s.trusted)))
}

// clientAddress walks X-Forwarded-For from the right (the entry the
// nearest proxy wrote) past trusted proxies: the first address that is not
// one of them is the client. Without trusted proxies it is the peer.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddress(r)
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break // a trusted proxy passed on something that is not an address: stop at that proxy
		}
		client = a.String()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddress is the connection's peer, without its port.
func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}
