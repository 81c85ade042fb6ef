package vocab

import "time"

// Reply is one message to send: a catalog key, its data and the options
// offered. It is the outbox's message format: flows writes it, the store
// keeps it as JSON, and each channel renders it in the person's language.
type Reply struct {
	Key      string         `json:"key"`
	ShortKey string         `json:"short_key,omitempty"` // a shorter text for costly channels (SMS)
	Data     map[string]any `json:"data,omitempty"`
	Options  []Option       `json:"options,omitempty"`
	// Always means send even to a person who opted out or erased their data:
	// the confirmation of that very act.
	Always bool `json:"always,omitempty"`
	// Asks names what the reply asks for that a channel may offer its own
	// way to give (AskContact: Telegram shows a "share my number" button);
	// "" when text and options are all.
	Asks string `json:"asks,omitempty"`
	// Settles says the question a channel offered its own way to answer is
	// over (Telegram takes its "share my number" button away).
	Settles bool `json:"settles,omitempty"`
}

// What a reply may ask for beyond text and options (Reply.Asks).
const (
	// AskContact: a contact card with the person's own phone number and name answers.
	AskContact = "contact"
)

// Option is a choice offered with a reply. Payload is what a button sends back
// (short and stable); the label is Key rendered with Data.
type Option struct {
	Payload string         `json:"p"`
	Key     string         `json:"k"`
	Data    map[string]any `json:"d,omitempty"`
}

// Markers of the typed values inside Reply.Data. The constructors below
// write them; the renderer (package bot) reads them. They are part of the
// stored outbox format: renaming one breaks queued messages.
const (
	MarkText     = "$t"     // a catalog key
	MarkTextData = "$d"     // the data of a MarkText value
	MarkByLang   = "$l"     // texts per language
	MarkList     = "$list"  // catalog keys joined the language's way
	MarkDate     = "$date"  // an RFC 3339 moment
	MarkMoney    = "$money" // an amount
	MarkCurrency = "$cur"   // the ISO 4217 currency of a MarkMoney value
)

// T is a catalog text used as a value.
func T(key string) map[string]any { return map[string]any{MarkText: key} }

// TD is a catalog text with its own data (for example a plural count).
func TD(key string, data map[string]any) map[string]any {
	return map[string]any{MarkText: key, MarkTextData: data}
}

// L is a text stored per language (a title written by staff).
func L(byLang map[string]string) map[string]any {
	m := make(map[string]any, len(byLang))
	for k, v := range byLang {
		m[k] = v
	}
	return map[string]any{MarkByLang: m}
}

// List is catalog texts joined the language's way.
func List(keys ...string) map[string]any {
	l := make([]any, len(keys))
	for i, k := range keys {
		l[i] = k
	}
	return map[string]any{MarkList: l}
}

// Date is a moment shown in the person's language and the service's time zone.
func Date(t time.Time) map[string]any {
	return map[string]any{MarkDate: t.UTC().Format(time.RFC3339)}
}

// Money is an amount in a currency (ISO 4217, such as OMR), shown the way
// the language writes money, with the currency's name when the catalog has one.
func Money(amount, currency string) map[string]any {
	return map[string]any{MarkMoney: amount, MarkCurrency: currency}
}
