package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/report"
)

// The severities a configuration can give a rule. Off drops its findings.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityOff     = "off"
)

var severityNames = []string{SeverityError, SeverityWarning, SeverityOff}

// fixedRules cannot be turned down: without them a file has no entity that
// port-gitops could check or sync (it cannot be read or parsed, an entity
// has no identity or no blueprint, or is defined twice or is too large to
// send). Leave such a file out with ignore instead.
var fixedRules = map[string]bool{
	"file": true, "not-regular-file": true, "file-too-large": true,
	"json-syntax": true, "yaml-syntax": true, "entity-shape": true,
	"identifier-missing": true, "identifier": true, "unknown-blueprint": true,
	"duplicate-entity": true, "entity-too-large": true, "no-entity-files": true,
}

var (
	overrideKeys = []string{"files", "rules"}
	requireKeys  = []string{"blueprint", "files", "properties", "relations", "team"}
)

// Tuning is what a team changed about the rules in the configuration: the
// severities of rules (for the whole repository and for some paths), extra
// requirements on entities, and paths that are never entity files. A nil
// *Tuning changes nothing.
type Tuning struct {
	// Source is the configuration file relative to the repository root,
	// which findings that the configuration causes name.
	Source    string
	rules     map[string]string // rule → severity, for every path
	overrides []override
	require   []*Requirement
	ignore    []*Glob
}

// override is one entry of overrides: severities for the paths its globs
// match.
type override struct {
	files []*Glob
	rules map[string]string
}

// Requirement is one entry of require: what the entities it applies to
// must set even where their blueprint does not require it.
type Requirement struct {
	// Blueprint limits the requirement to entities of that blueprint ("":
	// any).
	Blueprint string
	// Items are the properties, relations and team that must be set.
	Items []Required
	files []*Glob // nil: every file
}

// Required is one thing a Requirement asks for, and where the configuration
// asks for it.
type Required struct {
	Kind         string // "property", "relation" or "team"
	Name         string // the property or relation; "" for team
	Line, Column int
}

// applies reports whether the requirement is for an entity of blueprint in
// file.
func (r *Requirement) applies(file, blueprint string) bool {
	if r.Blueprint != "" && r.Blueprint != blueprint {
		return false
	}
	return r.files == nil || anyMatch(r.files, file)
}

func anyMatch(globs []*Glob, rel string) bool {
	for _, g := range globs {
		if g.Match(rel) {
			return true
		}
	}
	return false
}

// Severity returns the severity of a finding of rule in file (relative to
// the repository root) whose built-in severity is def, and false when the
// configuration turns the rule off there. The last override that matches
// file and names rule wins, then the top-level rules, then def.
func (t *Tuning) Severity(file, rule string, def report.Severity) (report.Severity, bool) {
	if t == nil {
		return def, true
	}
	s, ok := "", false
	for i := len(t.overrides) - 1; i >= 0 && !ok; i-- {
		o := t.overrides[i]
		if sev, named := o.rules[rule]; named && anyMatch(o.files, file) {
			s, ok = sev, true
		}
	}
	if !ok {
		s, ok = t.rules[rule]
	}
	switch {
	case !ok:
		return def, true
	case s == SeverityOff:
		return def, false
	}
	return report.Severity(s), true
}

// Apply returns findings with the configuration's severities: rules turned
// off are dropped, the others take the severity in force at their file. It
// reuses findings' array.
func (t *Tuning) Apply(findings []report.Finding) []report.Finding {
	if t == nil || (len(t.rules) == 0 && len(t.overrides) == 0) {
		return findings
	}
	out := findings[:0]
	for _, f := range findings {
		sev, keep := t.Severity(f.File, f.Rule, f.Severity)
		if !keep {
			continue
		}
		f.Severity = sev
		out = append(out, f)
	}
	return out
}

// Requirements returns the requirements for an entity of blueprint in file
// (relative to the repository root).
func (t *Tuning) Requirements(file, blueprint string) []*Requirement {
	if t == nil {
		return nil
	}
	var out []*Requirement
	for _, r := range t.require {
		if r.applies(file, blueprint) {
			out = append(out, r)
		}
	}
	return out
}

// Ignored reports whether rel (relative to the repository root) is on the
// ignore list: never an entity file, never checked, never synced.
func (t *Tuning) Ignored(rel string) bool {
	return t != nil && anyMatch(t.ignore, rel)
}

// ignoresAllUnder reports whether every path below dir is ignored, so a
// walk need not read it: an ignore glob "P/**" whose P matches dir.
func (t *Tuning) ignoresAllUnder(dir string) bool {
	if t == nil {
		return false
	}
	for _, g := range t.ignore {
		n := len(g.segments)
		if n < 2 || g.segments[n-1] != "**" {
			continue
		}
		prefix := &Glob{segments: g.segments[:n-1]}
		// dir or one of its parents is what P matches.
		for d := dir; ; {
			if prefix.Match(d) {
				return true
			}
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			d = d[:i]
		}
	}
	return false
}

type errAtFunc func(*yaml.Node, string, ...any) error

// parseTuning reads one of the top-level keys rules, overrides, require and
// ignore into cfg.Tuning.
func parseTuning(cfg *Config, key string, v *yaml.Node, errAt errAtFunc) error {
	if cfg.Tuning == nil {
		cfg.Tuning = &Tuning{}
	}
	t := cfg.Tuning
	switch key {
	case "rules":
		m, err := parseSeverities(v, "rules", errAt)
		if err != nil {
			return err
		}
		t.rules = m
	case "overrides":
		if v.Kind != yaml.SequenceNode {
			return errAt(v, "overrides must be a list of entries, each with files and rules")
		}
		for _, item := range v.Content {
			o, err := parseOverride(item, errAt)
			if err != nil {
				return err
			}
			t.overrides = append(t.overrides, o)
		}
	case "require":
		if v.Kind != yaml.SequenceNode {
			return errAt(v, "require must be a list of entries, each with properties, relations or team, and an optional blueprint and files")
		}
		for _, item := range v.Content {
			r, err := parseRequirement(item, errAt)
			if err != nil {
				return err
			}
			t.require = append(t.require, r)
		}
	case "ignore":
		globs, err := parseGlobs(v, "ignore", errAt)
		if err != nil {
			return err
		}
		t.ignore = globs
	}
	return nil
}

// parseSeverities reads a mapping of rule names to severities.
func parseSeverities(v *yaml.Node, where string, errAt errAtFunc) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, errAt(v, "%s must map rule names to a severity (error, warning or off), e.g. unknown-property: warning", where)
	}
	known := report.Rules()
	m := map[string]string{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode || !report.KnownRule(k.Value) {
			return nil, errAt(k, "unknown rule %q in %s%s (the rules are listed in the README: What validate checks)", k.Value, where, didYouMean(k.Value, known))
		}
		if first, dup := seen[k.Value]; dup {
			return nil, errAt(k, "rule %q is given twice in %s (first at line %d)", k.Value, where, first.Line)
		}
		seen[k.Value] = k
		// YAML reads a bare off as a string in YAML 1.2 (go.yaml.in/yaml/v3),
		// but be explicit about what is accepted.
		s := val.Value
		if val.Kind != yaml.ScalarNode || (s != SeverityError && s != SeverityWarning && s != SeverityOff) {
			return nil, errAt(val, "severity of %s must be error, warning or off%s", k.Value, severityHint(s))
		}
		if fixedRules[k.Value] && s != SeverityError {
			return nil, errAt(val, "rule %s cannot be turned down: without it there is no entity to check or sync; leave such files out with ignore instead", k.Value)
		}
		m[k.Value] = s
	}
	return m, nil
}

func parseOverride(item *yaml.Node, errAt errAtFunc) (override, error) {
	if item.Kind != yaml.MappingNode {
		return override{}, errAt(item, "each overrides entry must be a mapping with files and rules")
	}
	var o override
	var hasFiles, hasRules bool
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "files":
			globs, err := parseGlobs(v, "files", errAt)
			if err != nil {
				return override{}, err
			}
			o.files, hasFiles = globs, true
		case "rules":
			m, err := parseSeverities(v, "overrides rules", errAt)
			if err != nil {
				return override{}, err
			}
			o.rules, hasRules = m, true
		default:
			return override{}, errAt(k, "unknown key %q in overrides entry%s (valid keys: %s)", k.Value, didYouMean(k.Value, overrideKeys), strings.Join(overrideKeys, ", "))
		}
	}
	switch {
	case !hasFiles:
		return override{}, errAt(item, "overrides entry has no files glob")
	case !hasRules:
		return override{}, errAt(item, "overrides entry has no rules")
	}
	return o, nil
}

func parseRequirement(item *yaml.Node, errAt errAtFunc) (*Requirement, error) {
	if item.Kind != yaml.MappingNode {
		return nil, errAt(item, "each require entry must be a mapping with properties, relations or team, and an optional blueprint and files")
	}
	r := &Requirement{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "blueprint":
			s, err := scalarString(v)
			if err != nil || s == "" {
				return nil, errAt(v, "blueprint must be a blueprint identifier")
			}
			r.Blueprint = s
		case "files":
			globs, err := parseGlobs(v, "files", errAt)
			if err != nil {
				return nil, err
			}
			r.files = globs
		case "properties", "relations":
			kind := "property"
			if k.Value == "relations" {
				kind = "relation"
			}
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return nil, errAt(v, "%s must be a list of %s identifiers, e.g. [owner]", k.Value, kind)
			}
			for _, n := range v.Content {
				s, err := scalarString(n)
				if err != nil || s == "" {
					return nil, errAt(n, "each of %s must be a %s identifier", k.Value, kind)
				}
				r.Items = append(r.Items, Required{Kind: kind, Name: s, Line: n.Line, Column: n.Column})
			}
		case "team":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return nil, errAt(v, "team must be true or false")
			}
			if v.Value == "true" {
				r.Items = append(r.Items, Required{Kind: "team", Line: v.Line, Column: v.Column})
			}
		default:
			return nil, errAt(k, "unknown key %q in require entry%s (valid keys: %s)", k.Value, didYouMean(k.Value, requireKeys), strings.Join(requireKeys, ", "))
		}
	}
	if len(r.Items) == 0 {
		return nil, errAt(item, "require entry asks for nothing: give properties, relations or team: true")
	}
	return r, nil
}

// parseGlobs reads one glob or a list of them.
func parseGlobs(v *yaml.Node, key string, errAt errAtFunc) ([]*Glob, error) {
	nodes := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			return nil, errAt(v, "%s is empty: give a glob such as \"legacy/**\"", key)
		}
		nodes = v.Content
	}
	var out []*Glob
	for _, n := range nodes {
		s, err := scalarString(n)
		if err != nil || s == "" {
			return nil, errAt(n, "%s must be a glob such as \"legacy/**\", or a list of them", key)
		}
		g, err := CompileGlob(s)
		if err != nil {
			return nil, errAt(n, "bad glob %q: %v", s, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// Place returns where the configuration asks for req, as file:line:column.
func (t *Tuning) Place(req Required) string {
	return fmt.Sprintf("%s:%d:%d", t.Source, req.Line, req.Column)
}

// severityHint is a did-you-mean for a mistyped severity: "warn" and "err"
// are prefixes, too far for the edit distance that suggests rule names.
func severityHint(s string) string {
	for _, name := range severityNames {
		if s != "" && strings.HasPrefix(name, strings.ToLower(s)) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return didYouMean(s, severityNames)
}
