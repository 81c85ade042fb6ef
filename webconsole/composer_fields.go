package webconsole

import (
	"context"
	"strings"

	"github.com/tamkeen/tamkeen/contactimport"
)

// audienceLists are the fields and import lists the composer offers.
type audienceLists struct {
	Fields, Sources []string
}

func (c *Console) audienceLists(ctx context.Context) (audienceLists, error) {
	fields, err := c.store.FieldNames(ctx)
	if err != nil {
		return audienceLists{}, err
	}
	sources, err := c.store.ImportSources(ctx)
	if err != nil {
		return audienceLists{}, err
	}
	return audienceLists{Fields: fields, Sources: sources}, nil
}

// fieldAudience reads the composer's field and list filters: the values
// typed are separated by commas (Latin or Arabic).
func fieldAudience(f *broadcastForm) (map[string][]string, []string) {
	if f.Everyone {
		return nil, nil
	}
	var fields map[string][]string
	if name := contactimport.FieldName(f.Field); name != "" {
		var values []string
		for _, v := range strings.FieldsFunc(f.FieldValues, func(r rune) bool { return r == ',' || r == '،' }) {
			if v = strings.TrimSpace(v); v != "" {
				values = append(values, v)
			}
		}
		if len(values) > 0 {
			fields = map[string][]string{name: values}
		}
	}
	var sources []string
	if f.Source != "" {
		sources = []string{f.Source}
	}
	return fields, sources
}
