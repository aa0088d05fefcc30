package config

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// parseOwns reads the owns key: a list of blueprint identifiers whose
// entities this repository defines entirely.
func parseOwns(v *yaml.Node, errAt func(*yaml.Node, string, ...any) error) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, errAt(v, "owns must be a list of blueprint identifiers, e.g. owns: [service]")
	}
	var out []string
	for _, item := range v.Content {
		s, err := scalarString(item)
		if err != nil || s == "" {
			return nil, errAt(item, "owns: each item is a blueprint identifier")
		}
		if slices.Contains(out, s) {
			return nil, errAt(item, "owns: blueprint %q is listed twice", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// Owned reports whether the configuration says the repository owns the
// blueprint entirely.
func (c *Config) Owned(bp string) bool { return slices.Contains(c.Owns, bp) }
