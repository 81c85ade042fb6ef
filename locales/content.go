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
// greeting, start, yes, no, and lang.<code>) to the words that trigger it, in
// any language. The list SMSStop is not a command: it names the "cancel"
// words that the SMS provider itself takes as an opt-out.
type Keywords map[string][]string

// SMSStop is the keyword list of cancel words that stop everything on SMS.
const SMSStop = "stop.sms"

// Match returns the command a whole message names, or "". Commands are tried
// in name order, so a word listed twice always means the same.
func (k Keywords) Match(normalized string) string {
	cmds := make([]string, 0, len(k))
	for cmd := range k {
		if cmd != SMSStop {
			cmds = append(cmds, cmd)
		}
	}
	sort.Strings(cmds)
	for _, cmd := range cmds {
		if k.Is(cmd, normalized) {
			return cmd
		}
	}
	return ""
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
