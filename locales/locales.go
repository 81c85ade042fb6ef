// Package locales owns every word the service shows people: the Arabic and
// English message catalogs and the content (awareness modules, assessment
// questions, governorates, demo opportunities, command keywords), shared by
// every country, and one country pack per deployment (countries/<cc>/: its
// regions, currency, phone region, time zone, program and office names,
// lessons and demo opportunities). They are embedded in the binary; a folder
// given at start may override any file.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed messages/*.toml content/*.toml countries
var embedded embed.FS

// Default is the language used when a person has not chosen one, and the
// fallback for a missing text.
const Default = "ar"

// Languages lists the supported languages, default first.
var languages = []string{"ar", "en"}

// Bundle is the loaded catalogs and content.
type Bundle struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	keys       map[string]map[string]*i18n.Message // language → key → message
	Content    Content
	Demo       []DemoOpportunity
}

// Load reads the shared embedded files and the pack of country (an ISO 3166
// code such as OM; "" is DefaultCountry), each replaced by the file of the
// same path under overrideDir when that exists ("" for none). Extra message
// files in overrideDir/messages and overrideDir/countries/<cc>/messages are
// loaded too. The pack's messages come after the shared ones, so a pack may
// reword a shared text (Saudi Arabia says region where others say governorate).
func Load(overrideDir, country string) (*Bundle, error) {
	dir, err := packDir(country)
	if err != nil {
		return nil, err
	}
	fsys := overlay{base: embedded}
	if overrideDir != "" {
		if st, err := os.Stat(overrideDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("locales: TAMKEEN_CONTENT_DIR %q is not a readable folder", overrideDir)
		}
		fsys.top = os.DirFS(overrideDir)
	}
	b := &Bundle{
		bundle:     i18n.NewBundle(language.Arabic),
		localizers: map[string]*i18n.Localizer{},
		keys:       map[string]map[string]*i18n.Message{},
	}
	b.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)

	files, err := fsys.glob("messages/*.toml")
	if err != nil {
		return nil, err
	}
	packFiles, err := fsys.glob(dir + "/messages/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range append(files, packFiles...) {
		data, err := fsys.read(name)
		if err != nil {
			return nil, err
		}
		mf, err := b.bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		lang := mf.Tag.String()
		if b.keys[lang] == nil {
			b.keys[lang] = map[string]*i18n.Message{}
		}
		for _, m := range mf.Messages {
			b.keys[lang][m.ID] = m
		}
	}
	for _, l := range languages {
		b.localizers[l] = i18n.NewLocalizer(b.bundle, l)
	}

	if err := fsys.decode("content/content.toml", &b.Content); err != nil {
		return nil, err
	}
	if err := fsys.decode(dir+"/pack.toml", &b.Content); err != nil {
		return nil, err
	}
	if err := fsys.decodeStrict(dir+"/help.toml", &b.Content.Pack.Help); err != nil {
		return nil, err
	}
	if err := fsys.decode("content/keywords.toml", &b.Content.Keywords); err != nil {
		return nil, err
	}
	var demo struct {
		Opportunities []DemoOpportunity `toml:"opportunities"`
	}
	if err := fsys.decode(dir+"/demo_opportunities.toml", &demo); err != nil {
		return nil, err
	}
	b.Demo = demo.Opportunities
	if err := b.Content.validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// Languages returns the supported language codes, the default first.
func (b *Bundle) Languages() []string { return append([]string(nil), languages...) }

// Supported reports whether lang is one of the supported languages.
func (b *Bundle) Supported(lang string) bool {
	for _, l := range languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Has reports whether key exists in lang.
func (b *Bundle) Has(lang, key string) bool {
	_, ok := b.keys[lang][key]
	return ok
}

// Keys lists every key of lang, sorted.
func (b *Bundle) Keys(lang string) []string {
	out := make([]string, 0, len(b.keys[lang]))
	for k := range b.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Description returns the description written beside a message (for example
// an SMS segment budget, "sms:1").
func (b *Bundle) Description(lang, key string) string {
	if m, ok := b.keys[lang][key]; ok {
		return m.Description
	}
	return ""
}

// ErrMissing is returned for a key that no catalog has.
var ErrMissing = errors.New("locales: missing text")

// Text renders key in lang with data (a text/template context). A "Count"
// entry selects the plural form. An unsupported lang falls back to Arabic.
func (b *Bundle) Text(lang, key string, data map[string]any) (string, error) {
	loc, ok := b.localizers[lang]
	if !ok {
		loc = b.localizers[Default]
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateData: data}
	if n, ok := data["Count"]; ok {
		if f, isFloat := n.(float64); isFloat && f == float64(int64(f)) {
			n = int64(f) // numbers come back from JSON as floats
		}
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil {
		var nf *i18n.MessageNotFoundErr
		if errors.As(err, &nf) && s != "" {
			return s, nil // found in the fallback language
		}
		return "", fmt.Errorf("%w: %q in %s: %v", ErrMissing, key, lang, err)
	}
	if strings.Contains(s, noValue) {
		return "", fmt.Errorf("%w: %q in %s uses a field it was not given", ErrMissingData, key, lang)
	}
	return s, nil
}

// noValue is what text/template prints for a field missing from its data.
const noValue = "<no value>"

// ErrMissingData is returned when a text's template uses a field its data
// lacks: the person would read "<no value>".
var ErrMissingData = errors.New("locales: text rendered without its data")

// overlay reads a file from top when it has it, else from base.
type overlay struct {
	base fs.FS
	top  fs.FS
}

func (o overlay) read(name string) ([]byte, error) {
	if o.top != nil {
		if data, err := fs.ReadFile(o.top, name); err == nil {
			return data, nil
		}
	}
	data, err := fs.ReadFile(o.base, name)
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	return data, nil
}

// glob lists the embedded files matching pattern, then the override folder's
// own extra files, so that a staff file loaded last wins over the embedded text.
func (o overlay) glob(pattern string) ([]string, error) {
	base, err := fs.Glob(o.base, pattern)
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	if o.top == nil {
		return base, nil
	}
	top, err := fs.Glob(o.top, pattern)
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	out := base
	for _, n := range top {
		if !slices.Contains(base, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// decodeStrict is decode for a file staff write by hand: a setting it does
// not know (a misspelt name) is an error, not silently nothing.
func (o overlay) decodeStrict(name string, v any) error {
	data, err := o.read(name)
	if err != nil {
		return err
	}
	md, err := toml.Decode(string(data), v)
	if err != nil {
		return fmt.Errorf("locales: %s: %w", name, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return fmt.Errorf("locales: %s: unknown setting %q (known: phone, address.<lang>, hours.<lang>)", name, extra[0].String())
	}
	return nil
}

func (o overlay) decode(name string, v any) error {
	data, err := o.read(name)
	if err != nil {
		return err
	}
	if _, err := toml.Decode(string(data), v); err != nil {
		return fmt.Errorf("locales: %s: %w", path.Base(name), err)
	}
	return nil
}
