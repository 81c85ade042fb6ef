package flows

import (
	"strconv"
	"strings"

	"github.com/tamkeen/tamkeen/locales"
)

// modulesStep lists the awareness modules.
type modulesStep struct {
	noText
	backToMenu
}

func (modulesStep) prompt(t *turn) Reply {
	opts := make([]Option, 0, len(t.e.content.Modules)+1)
	for _, m := range t.e.content.Modules {
		opts = append(opts, Option{Payload: "m:" + m.ID, Key: "module." + m.ID + ".title"})
	}
	opts = append(opts, navMenu())
	return Reply{Key: "awareness.list", Options: opts}
}

func (modulesStep) choose(t *turn, payload string) {
	openModule(t, strings.TrimPrefix(payload, "m:"), 1)
}

func openModule(t *turn, id string, page int) {
	t.goTo(stepModulePage, map[string]string{"module": id, "page": strconv.Itoa(page)})
}

// modulePageStep shows one page of a module.
type modulePageStep struct{ noText }

func (modulePageStep) where(t *turn) (id string, page, pages int) {
	id = t.res.State.Args["module"]
	page, _ = strconv.Atoi(t.res.State.Args["page"])
	m, ok := t.e.content.Module(id)
	if !ok {
		return "", 0, 0
	}
	if page < 1 || page > m.Pages {
		page = 1
	}
	return id, page, m.Pages
}

func (s modulePageStep) prompt(t *turn) Reply {
	id, page, pages := s.where(t)
	if id == "" {
		return modulesStep{}.prompt(t)
	}
	var opts []Option
	if page < pages && !t.traits().Paid { // where messages cost, the short text sums up the whole module
		opts = append(opts, Option{Payload: "next", Key: "nav.next"})
	}
	opts = append(opts, Option{Payload: "list", Key: "awareness.other_modules"}, navMenu())
	prefix := "module." + id
	return Reply{
		Key:      prefix + ".page." + strconv.Itoa(page),
		ShortKey: prefix + ".sms",
		Data:     map[string]any{"Page": page, "Pages": pages},
		Options:  opts,
	}
}

func (s modulePageStep) choose(t *turn, payload string) {
	id, page, _ := s.where(t)
	switch payload {
	case "next":
		openModule(t, id, page+1)
	case "list":
		t.goTo(stepModules, nil)
	}
}

func (s modulePageStep) back(t *turn) (string, map[string]string) {
	id, page, _ := s.where(t)
	if page > 1 {
		return stepModulePage, map[string]string{"module": id, "page": strconv.Itoa(page - 1)}
	}
	return stepModules, nil
}

// producerStep is the corner for families who sell on the marketplace.
type producerStep struct {
	noText
	backToMenu
}

// The corner offers the pack's lessons for producers and, where a
// marketplace sends order events, "my orders".
func (producerStep) prompt(t *turn) Reply {
	pack := t.e.content.Pack
	opts := make([]Option, 0, len(pack.ProducerModules)+2)
	for _, id := range pack.ProducerModules {
		opts = append(opts, Option{Payload: "m:" + id, Key: "module." + id + ".title"})
	}
	if pack.Marketplace {
		opts = append(opts, Option{Payload: "orders", Key: "producer.my_orders"})
	}
	return Reply{Key: "producer.intro", Options: append(opts, navMenu())}
}

// hasProducerCorner reports whether the pack has anything for the corner.
func hasProducerCorner(c locales.Content) bool {
	return len(c.Pack.ProducerModules) > 0 || c.Pack.Marketplace
}

func (producerStep) choose(t *turn, payload string) {
	if payload == "orders" && t.e.content.Pack.Marketplace {
		t.goTo(stepMyOrders, nil)
		return
	}
	openModule(t, strings.TrimPrefix(payload, "m:"), 1)
}
