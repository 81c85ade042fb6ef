package locales

import (
	"errors"
	"fmt"
	"sort"

	"github.com/tamkeen/tamkeen/textnorm"
)

// Content is the structure of what the bot teaches and asks; its words are
// in the message catalogs under keys derived from the ids here.
type Content struct {
	Tracks       []string   `toml:"tracks"`       // key track.<id>
	Governorates []string   `toml:"governorates"` // key gov.<id>
	Modules      []Module   `toml:"modules"`      // keys module.<id>.title, .page.<n>, .sms
	Questions    []Question `toml:"questions"`    // keys question.<id>.text, .option.<opt>
	// GoalQuestion is the question whose options are tracks: the person's
	// own goal, which the result respects ("" for none).
	GoalQuestion string   `toml:"goal_question"`
	Keywords     Keywords `toml:"-"` // from content/keywords.toml
	// Pack is the country's settings (from countries/<cc>/pack.toml, like
	// Governorates and Modules).
	Pack Pack `toml:"pack"`
}

// Module is one awareness lesson of a few pages.
type Module struct {
	ID    string `toml:"id"`
	Pages int    `toml:"pages"`
	// Source names the article its facts come from (a file of the seeds,
	// such as "000" for the Omani Tamkeen and Maksab article), for staff.
	Source string `toml:"source"`
}

// Question is one question of the skills self-assessment.
type Question struct {
	ID      string           `toml:"id"`
	Options []QuestionOption `toml:"options"`
}

// QuestionOption is one answer, with what it adds to each track's score and
// the strengths it reveals.
type QuestionOption struct {
	ID        string         `toml:"id"`
	Scores    map[string]int `toml:"scores"`
	Strengths []string       `toml:"strengths"`
}

// Keywords maps a command (menu, help, back, language, stop, cancel,
// greeting, thanks, assessment, start, yes, no, and lang.<code>) to the words
// that trigger it, in any language. Three lists are not commands: SMSStop
// names the "cancel" words that the SMS provider itself takes as an opt-out,
// Filler the words that name nothing ("please", «من»), Negations the words
// that turn others around ("not", «لا»).
type Keywords map[string][]string

// The keyword lists that are not commands.
const (
	SMSStop   = "stop.sms"
	Filler    = "filler"
	Negations = "negation"
)

// Commands is the keywords ready to match messages against: each word of
// each command in its matching forms, made once.
type Commands struct {
	whole, plain map[string]string // a word's Normalize and Plain forms → its command
	filler       textnorm.Phrases
}

// Commands prepares the keywords for matching. Commands are taken in name
// order, so a word listed twice always means the same.
func (k Keywords) Commands() Commands {
	c := Commands{whole: map[string]string{}, plain: map[string]string{}, filler: textnorm.NewPhrases(k[Filler])}
	cmds := make([]string, 0, len(k))
	for cmd := range k {
		if cmd != SMSStop && cmd != Filler && cmd != Negations {
			cmds = append(cmds, cmd)
		}
	}
	sort.Strings(cmds)
	for _, cmd := range cmds {
		for _, w := range k[cmd] {
			add(c.whole, textnorm.Normalize(w), cmd)
			add(c.plain, textnorm.Plain(w), cmd)
		}
	}
	// A message without its filler is matched against words without theirs
	// too: "I want to talk to a person" is "talk to a person".
	for _, cmd := range cmds {
		for _, w := range k[cmd] {
			add(c.plain, c.filler.Drop(w), cmd)
		}
	}
	return c
}

// Of returns the command a message names: the whole message, else its
// words without punctuation and emoji ("stop.", «جزاك الله خير 🙏»), else
// those words without filler ("yes please", «قائمة من فضلك»); "" for none.
func (c Commands) Of(text string) string {
	norm := textnorm.Normalize(text)
	if cmd, ok := c.whole[norm]; ok {
		return cmd
	}
	plain := textnorm.Plain(norm)
	if cmd, ok := c.plain[plain]; ok {
		return cmd
	}
	if dropped := c.filler.Drop(plain); dropped != plain {
		return c.plain[dropped]
	}
	return ""
}

// add keeps the first command a form was given.
func add(m map[string]string, form, cmd string) {
	if _, taken := m[form]; form != "" && !taken {
		m[form] = cmd
	}
}

// Is reports whether a normalized message is one of the words of list.
func (k Keywords) Is(list, normalized string) bool {
	for _, w := range k[list] {
		if textnorm.Normalize(w) == normalized {
			return true
		}
	}
	return false
}

// DemoOpportunity is a clearly marked sample opportunity loaded into an empty database.
type DemoOpportunity struct {
	Key                  string            `toml:"key"`
	Kind                 string            `toml:"kind"`
	Track                string            `toml:"track"`
	Governorate          string            `toml:"governorate"`
	StartsInDays         int               `toml:"starts_in_days"`
	StartHour            int               `toml:"start_hour"`
	SignupDeadlineInDays int               `toml:"signup_deadline_in_days"`
	Capacity             int               `toml:"capacity"`
	Title                map[string]string `toml:"title"`
	Description          map[string]string `toml:"description"`
}

// HasGovernorate reports whether id is a configured governorate.
func (c Content) HasGovernorate(id string) bool { return contains(c.Governorates, id) }

// HasTrack reports whether id is a configured track.
func (c Content) HasTrack(id string) bool { return contains(c.Tracks, id) }

// Module returns the module with id.
func (c Content) Module(id string) (Module, bool) {
	for _, m := range c.Modules {
		if m.ID == id {
			return m, true
		}
	}
	return Module{}, false
}

func (c Content) validate() error {
	var errs []error
	if len(c.Tracks) == 0 || len(c.Governorates) == 0 || len(c.Modules) == 0 || len(c.Questions) == 0 {
		errs = append(errs, errors.New("content.toml needs tracks and questions, and the country's pack.toml governorates and modules"))
	}
	for _, m := range c.Modules {
		if m.Pages < 1 {
			errs = append(errs, fmt.Errorf("module %q: pages must be at least 1", m.ID))
		}
		if m.Source == "" {
			errs = append(errs, fmt.Errorf("module %q: source (the article its facts come from) is required", m.ID))
		}
	}
	if c.Pack.Country == "" || len(c.Pack.Currency) != 3 || c.Pack.PhoneRegion == "" || c.Pack.TimeZone == "" {
		errs = append(errs, errors.New("pack.toml: [pack] needs country, currency (ISO 4217), phone_region and time_zone"))
	}
	if err := c.Pack.Help.validate(); err != nil {
		errs = append(errs, err)
	}
	for _, id := range c.Pack.ProducerModules {
		if _, ok := c.Module(id); !ok {
			errs = append(errs, fmt.Errorf("pack.toml: producer module %q is not a module of the pack", id))
		}
	}
	for _, q := range c.Questions {
		if len(q.Options) < 2 {
			errs = append(errs, fmt.Errorf("question %q: needs at least 2 options", q.ID))
		}
		for _, o := range q.Options {
			for t := range o.Scores {
				if !c.HasTrack(t) {
					errs = append(errs, fmt.Errorf("question %q option %q: unknown track %q", q.ID, o.ID, t))
				}
			}
		}
	}
	for _, cmd := range []string{"menu", "help", "back", "language", "stop", "start", "yes", "no"} {
		if len(c.Keywords[cmd]) == 0 {
			errs = append(errs, fmt.Errorf("keywords.toml: no words for %q", cmd))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("locales: content: %w", err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
