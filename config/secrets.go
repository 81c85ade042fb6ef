package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// SecretVars are the variables that hold secrets. Each may instead be given
// as NAME_FILE, the path of a file holding the value (Docker and Kubernetes
// secrets, systemd credentials); setting both is an error. A new secret
// variable is added here, and nowhere else: TestEverySecretLookingVariableIsListed
// fails when Load reads a *_TOKEN, *_SECRET, *_PASSWORD or *_KEY variable
// missing from this list.
var SecretVars = []string{
	"TAMKEEN_DB", // a postgres:// URL may carry a password
	"TAMKEEN_ADMIN_TOKEN",
	"TAMKEEN_ORDERS_SECRET",
	"TELEGRAM_BOT_TOKEN",
	"TELEGRAM_WEBHOOK_SECRET",
	"TWILIO_AUTH_TOKEN",
	"WHATSAPP_ACCESS_TOKEN",
	"WHATSAPP_APP_SECRET",
	"WHATSAPP_VERIFY_TOKEN",
}

// FileSuffix turns a secret variable's name into the name of its file variable.
const FileSuffix = "_FILE"

// withSecretFiles returns a LookupEnv that answers each secret variable from
// its file when NAME_FILE is set, and the errors of the files it could not
// use (both set, unreadable, empty). Every file is read once, here.
func withSecretFiles(lookupEnv LookupEnv, readFile func(string) ([]byte, error)) (LookupEnv, error) {
	fromFiles := map[string]string{}
	var errs []error
	for _, name := range SecretVars {
		path, set := lookupEnv(name + FileSuffix)
		if !set {
			continue
		}
		// A blank value counts as unset, as everywhere in Load.
		if v, _ := lookupEnv(name); strings.TrimSpace(v) != "" {
			errs = append(errs, fmt.Errorf("%s and %s%s are both set: give the secret one way only (unset %s, or %s%s)",
				name, name, FileSuffix, name, name, FileSuffix))
			continue
		}
		if strings.TrimSpace(path) == "" {
			errs = append(errs, fmt.Errorf("%s%s is set but empty: want the path of a file that holds %s", name, FileSuffix, name))
			continue
		}
		raw, err := readFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s=%q: cannot read the file: %w", name, FileSuffix, path, unwrapPath(err)))
			continue
		}
		// Files written by echo or an editor end with a line break: it is not part of the secret.
		v := strings.TrimSpace(string(raw))
		if v == "" {
			errs = append(errs, fmt.Errorf("%s%s=%q: the file is empty", name, FileSuffix, path))
			continue
		}
		fromFiles[name] = v
	}
	return func(name string) (string, bool) {
		if v, ok := fromFiles[name]; ok {
			return v, true
		}
		return lookupEnv(name)
	}, errors.Join(errs...)
}

// unwrapPath drops the path that os errors repeat (the message names it already).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
