package locales

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/tamkeen/tamkeen/officehours"
)

// DefaultCountry is the pack used when TAMKEEN_COUNTRY is not set.
const DefaultCountry = "OM"

// Pack is what a country's deployment sets apart from the others, read from
// countries/<cc>/pack.toml beside its regions and modules. Its words (program,
// ministry and office names, currency) are catalog keys pack.* and currency.*.
type Pack struct {
	Country     string `toml:"country"`      // ISO 3166 alpha-2, such as OM
	Currency    string `toml:"currency"`     // ISO 4217, such as OMR: order amounts without one are in it
	PhoneRegion string `toml:"phone_region"` // numbers written without a country code
	TimeZone    string `toml:"time_zone"`    // IANA name
	// Marketplace is true where a marketplace for producer families sends
	// order events (Maksab in Oman): "my orders" and order notices exist.
	Marketplace bool `toml:"marketplace"`
	// ProducerModules are the lessons offered in the producer corner, in order.
	ProducerModules []string `toml:"producer_modules"`
	// OfficeHours are when staff answer people who asked for a person, in
	// the pack's time zone ("Sun-Thu 08:00-15:00"; TAMKEEN_OFFICE_HOURS
	// replaces them).
	OfficeHours officehours.Hours `toml:"office_hours"`
	// Help is how to reach the office in person, from countries/<cc>/help.toml
	// (the deployment's settings in the environment go over it); empty unless
	// a deployment sets it.
	Help Contact `toml:"-"`
}

// Countries lists the embedded packs' country codes, sorted.
func Countries() []string {
	entries, err := fs.ReadDir(embedded, "countries")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, strings.ToUpper(e.Name()))
		}
	}
	return out
}

// PackSettings reads the embedded pack of country without its words, for
// settings that have to be known before the catalogs are loaded (phone
// region, time zone).
func PackSettings(country string) (Pack, error) {
	dir, err := packDir(country)
	if err != nil {
		return Pack{}, err
	}
	data, err := fs.ReadFile(embedded, dir+"/pack.toml")
	if err != nil {
		return Pack{}, fmt.Errorf("locales: %w", err)
	}
	var c Content
	if _, err := toml.Decode(string(data), &c); err != nil {
		return Pack{}, fmt.Errorf("locales: %s/pack.toml: %w", dir, err)
	}
	return c.Pack, nil
}

// packDir is the folder of country's pack, or an error naming the packs there are.
func packDir(country string) (string, error) {
	if country == "" {
		country = DefaultCountry
	}
	cc := strings.ToUpper(strings.TrimSpace(country))
	for _, c := range Countries() {
		if c == cc {
			return "countries/" + strings.ToLower(cc), nil
		}
	}
	return "", fmt.Errorf("locales: no country pack %q: choose one of %s", country, strings.Join(Countries(), ", "))
}
