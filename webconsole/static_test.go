package webconsole_test

import (
	"net/http"
	"strings"
	"testing"
)

// The console's files are served, its folder is not listed.
func TestStaticFolderIsNotListed(t *testing.T) {
	e := sqlite(t, token)
	if a := e.get(t, "/console/static/console.css"); a.code != http.StatusOK {
		t.Fatalf("console.css: %d", a.code)
	}
	for _, p := range []string{"/console/static/", "/console/static/%2e/"} {
		if a := e.get(t, p); a.code != http.StatusNotFound || strings.Contains(a.body, "console.css") {
			t.Errorf("GET %s: %d %.200s, want 404 without a listing", p, a.code, a.body)
		}
	}
}
