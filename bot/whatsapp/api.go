package whatsapp

// The Cloud API's JSON, as much of it as this channel sends and reads.
// whatsapptest reads requests into the same types, strictly (unknown
// fields refused), so a field misspelt here fails the tests.

// Limits of what one message may carry (Units).
const (
	MaxText           = 4096 // a text message's body
	MaxBody           = 1024 // an interactive message's body
	MaxButtons        = 3    // reply buttons under one message
	MaxButtonTitle    = 20
	MaxButtonID       = 256
	MaxListButton     = 20 // the label of the button that opens a list
	MaxRows           = 10 // rows of a list, all sections together
	MaxSections       = 10
	MaxSectionTitle   = 24
	MaxRowTitle       = 24
	MaxRowDescription = 72
	MaxRowID          = 200
	// MaxParam bounds one template body parameter: Meta allows 1,024
	// characters when the template has other components, 32,768 when the
	// body is all; the smaller holds for any template.
	MaxParam = 1024
)

// Request is one message sent: POST {base}/{phone_number_id}/messages.
// To is a phone number (digits with the country code); Recipient a
// business-scoped user id, for someone whose number is not known. When
// both are given WhatsApp uses To.
type Request struct {
	MessagingProduct string       `json:"messaging_product"` // always "whatsapp"
	RecipientType    string       `json:"recipient_type,omitempty"`
	To               string       `json:"to,omitempty"`
	Recipient        string       `json:"recipient,omitempty"`
	Type             string       `json:"type"` // text, interactive, template
	Text             *Text        `json:"text,omitempty"`
	Interactive      *Interactive `json:"interactive,omitempty"`
	Template         *Template    `json:"template,omitempty"`
}

// Text is a text message.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Interactive is a message with reply buttons (Type "button") or a list (Type "list").
type Interactive struct {
	Type   string     `json:"type"`
	Header *TextBlock `json:"header,omitempty"`
	Body   TextBlock  `json:"body"`
	Footer *TextBlock `json:"footer,omitempty"`
	Action Action     `json:"action"`
}

// TextBlock is a body, header or footer of text. Type is "text" for a header, empty otherwise.
type TextBlock struct {
	Type string `json:"type,omitempty"`
	Text string `json:"text"`
}

// Action holds the buttons, or the list's button label and sections.
type Action struct {
	Buttons  []Button  `json:"buttons,omitempty"`
	Button   string    `json:"button,omitempty"`
	Sections []Section `json:"sections,omitempty"`
}

// Button is one reply button (Type "reply").
type Button struct {
	Type  string `json:"type"`
	Reply Reply  `json:"reply"`
}

// Reply is a reply button's id (what a tap sends back) and title.
type Reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Section is a titled group of rows in a list.
type Section struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

// Row is one choice in a list.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Template is an approved template message.
type Template struct {
	Name       string      `json:"name"`
	Language   Language    `json:"language"`
	Components []Component `json:"components,omitempty"`
}

// Language is a template's language: "ar", "en".
type Language struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"` // "deterministic"
}

// Component fills a part of a template; here the body's parameters.
type Component struct {
	Type       string      `json:"type"` // "body"
	Parameters []Parameter `json:"parameters"`
}

// Parameter is one {{n}} of a template, as text.
type Parameter struct {
	Type string `json:"type"` // "text"
	Text string `json:"text"`
}

// Response is WhatsApp's answer to a send.
type Response struct {
	MessagingProduct string `json:"messaging_product"`
	Contacts         []struct {
		Input  string `json:"input"`
		WaID   string `json:"wa_id,omitempty"`
		UserID string `json:"user_id,omitempty"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status,omitempty"`
	} `json:"messages"`
	Error *APIError `json:"error,omitempty"`
}

// APIError is the Graph API's error object.
type APIError struct {
	Message      string `json:"message"`
	Type         string `json:"type,omitempty"`
	Code         int    `json:"code"`
	ErrorSubcode int    `json:"error_subcode,omitempty"`
	ErrorData    *struct {
		MessagingProduct string `json:"messaging_product,omitempty"`
		Details          string `json:"details,omitempty"`
	} `json:"error_data,omitempty"`
	FBTraceID string `json:"fbtrace_id,omitempty"`
}

// Notification is what Meta posts to the webhook.
type Notification struct {
	Object string  `json:"object"` // "whatsapp_business_account"
	Entry  []Entry `json:"entry"`
}

// Entry is one business account's changes.
type Entry struct {
	ID      string   `json:"id"`
	Changes []Change `json:"changes"`
}

// Change is one batch of messages and statuses for a number.
type Change struct {
	Field string `json:"field"` // "messages"
	Value Value  `json:"value"`
}

// Value is what changed.
type Value struct {
	MessagingProduct string         `json:"messaging_product"`
	Metadata         Metadata       `json:"metadata"`
	Contacts         []Contact      `json:"contacts,omitempty"`
	Messages         []Message      `json:"messages,omitempty"`
	Statuses         []Status       `json:"statuses,omitempty"`
	Errors           []WebhookError `json:"errors,omitempty"`
}

// Metadata names the business number a change is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the sender of messages in a change: their number (wa_id,
// absent for a user who hides it behind a username) and business-scoped
// user id (user_id).
type Contact struct {
	Profile struct {
		Name     string `json:"name,omitempty"`
		Username string `json:"username,omitempty"`
	} `json:"profile"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// Message is one message a person sent.
type Message struct {
	ID         string `json:"id"` // the wamid
	From       string `json:"from,omitempty"`
	FromUserID string `json:"from_user_id,omitempty"`
	GroupID    string `json:"group_id,omitempty"`
	Timestamp  string `json:"timestamp"` // Unix seconds, as a string
	Type       string `json:"type"`
	Text       *struct {
		Body string `json:"body"`
	} `json:"text,omitempty"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *Reply `json:"button_reply,omitempty"`
		ListReply   *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description,omitempty"`
		} `json:"list_reply,omitempty"`
	} `json:"interactive,omitempty"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button,omitempty"`
	// Origin is "contact_request" on the contact card a person shares by
	// a template's request-contact-info button.
	Origin   string         `json:"origin,omitempty"`
	Contacts []ContactCard  `json:"contacts,omitempty"`
	Errors   []WebhookError `json:"errors,omitempty"`
}

// ContactCard is a shared contact card.
type ContactCard struct {
	Name struct {
		FormattedName string `json:"formatted_name,omitempty"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone,omitempty"`
		WaID  string `json:"wa_id,omitempty"`
		Type  string `json:"type,omitempty"`
	} `json:"phones,omitempty"`
}

// Status is WhatsApp's report on a message we sent.
type Status struct {
	ID              string         `json:"id"`     // the wamid the send returned
	Status          string         `json:"status"` // sent, delivered, read, failed, deleted
	Timestamp       string         `json:"timestamp"`
	RecipientID     string         `json:"recipient_id,omitempty"`
	RecipientUserID string         `json:"recipient_user_id,omitempty"`
	Errors          []WebhookError `json:"errors,omitempty"`
}

// WebhookError is an error reported in a webhook.
type WebhookError struct {
	Code      int    `json:"code"`
	Title     string `json:"title,omitempty"`
	Message   string `json:"message,omitempty"`
	ErrorData *struct {
		Details string `json:"details,omitempty"`
	} `json:"error_data,omitempty"`
}
