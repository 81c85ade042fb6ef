package config

import (
	"strings"
	"testing"
)

// A short admin token is a configuration error naming the variable (and
// never quoting the token); 16 characters and more, or none, are fine.
func TestLoadAdminTokenMinimumLength(t *testing.T) {
	for _, tc := range []struct {
		token string
		ok    bool
	}{
		{"", true}, {"Q", false}, {"fifteen-chars-x", false}, {"sixteen-chars-xx", true}, {"مفتاح-سري-طويل-جداً", true},
	} {
		c, err := Load(env(map[string]string{"TAMKEEN_ADMIN_TOKEN": tc.token}))
		if tc.ok {
			if err != nil || c.AdminToken != tc.token {
				t.Errorf("token of %d characters: %v", len([]rune(tc.token)), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "TAMKEEN_ADMIN_TOKEN") || !strings.Contains(err.Error(), "at least 16") {
			t.Errorf("token %q: error %v, want one naming TAMKEEN_ADMIN_TOKEN and the minimum", tc.token, err)
		}
		if err != nil && strings.Contains(err.Error(), tc.token) {
			t.Errorf("the error quotes the token: %v", err)
		}
	}
}
