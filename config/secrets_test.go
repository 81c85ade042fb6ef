package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// secretBase makes every secret variable mean something when set alone:
// the SMS channel lacks only its token.
var secretBase = map[string]string{
	"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_FROM": "+96890000000", "TAMKEEN_PUBLIC_URL": "https://tamkeen.example.org",
}

// A value every secret variable accepts (long enough for the admin token,
// only the characters a webhook secret may hold).
const secretValue = "Sec_ret-0123456789abcdefXYZ"

func loadWith(t *testing.T, extra map[string]string) (Config, string) {
	t.Helper()
	m := map[string]string{}
	for k, v := range secretBase {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	c, err := Load(env(m))
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return c, msg
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every secret variable given as a file configures exactly what the variable
// itself does (the file's final line break is not part of the secret), and
// what it configures is not nothing.
func TestEverySecretVariableMayComeFromAFile(t *testing.T) {
	for _, name := range SecretVars {
		t.Run(name, func(t *testing.T) {
			direct, directErr := loadWith(t, map[string]string{name: secretValue})
			fromFile, fileErr := loadWith(t, map[string]string{name + "_FILE": writeSecret(t, secretValue+"\n")})
			if directErr != fileErr || !reflect.DeepEqual(direct, fromFile) {
				t.Errorf("%s_FILE configures differently from %s:\nfile:   %+v %s\ndirect: %+v %s", name, name, fromFile, fileErr, direct, directErr)
			}
			without, withoutErr := loadWith(t, nil)
			if withoutErr == directErr && reflect.DeepEqual(without, direct) {
				t.Errorf("setting %s changes nothing: is the name in SecretVars misspelt?", name)
			}
		})
	}
}

func TestASecretGivenBothWaysIsRefusedNamingBoth(t *testing.T) {
	for _, name := range SecretVars {
		_, err := loadWith(t, map[string]string{name: secretValue, name + "_FILE": writeSecret(t, secretValue)})
		if !strings.Contains(err, name+" and "+name+"_FILE are both set") {
			t.Errorf("%s and its file both set: error %q does not name both", name, err)
		}
	}
}

func TestUnusableSecretFilesNameTheVariableAndTheProblem(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	cases := []struct {
		path, want string
	}{
		{missing, fmt.Sprintf("TELEGRAM_BOT_TOKEN_FILE=%q: cannot read the file: no such file or directory", missing)},
		{writeSecret(t, " \n"), "TELEGRAM_BOT_TOKEN_FILE=%q: the file is empty"},
		{"", "TELEGRAM_BOT_TOKEN_FILE is set but empty"},
	}
	for _, c := range cases {
		want := c.want
		if strings.Contains(want, "%q") {
			want = fmt.Sprintf(want, c.path)
		}
		_, err := loadWith(t, map[string]string{"TELEGRAM_BOT_TOKEN_FILE": c.path})
		if !strings.Contains(err, want) {
			t.Errorf("TELEGRAM_BOT_TOKEN_FILE=%q: error %q, want it to say %q", c.path, err, want)
		}
	}
}

var secretLooking = regexp.MustCompile(`(TOKEN|SECRET|PASSWORD|KEY)$`)

// A variable added to Load that looks like a secret must be in SecretVars,
// so that it can be given as a file too.
func TestEverySecretLookingVariableIsListed(t *testing.T) {
	asked := map[string]bool{}
	_, _ = Load(func(name string) (string, bool) { asked[name] = true; return "", false })
	if len(asked) < 10 {
		t.Fatalf("Load asked for only %d variables: the recording does not work", len(asked))
	}
	for name := range asked {
		if secretLooking.MatchString(name) && !slices.Contains(SecretVars, name) {
			t.Errorf("%s looks like a secret but is not in config.SecretVars: add it there so that %s_FILE works", name, name)
		}
	}
}

func TestLogFormat(t *testing.T) {
	for _, v := range []string{"", "json", "text", "JSON"} {
		c, err := Load(env(map[string]string{"TAMKEEN_LOG_FORMAT": v}))
		if err != nil || c.LogFormat != strings.ToLower(v) {
			t.Errorf("TAMKEEN_LOG_FORMAT=%q: format %q, error %q", v, c.LogFormat, err)
		}
	}
	if _, err := Load(env(map[string]string{"TAMKEEN_LOG_FORMAT": "xml"})); err == nil || !strings.Contains(err.Error(), `TAMKEEN_LOG_FORMAT="xml": allowed values are json, text`) {
		t.Errorf("bad format: error %q", err)
	}
}
