package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/entitydiff"
)

// fileEntity is an entity as export writes it: the keys in the order a
// person writes them, only what the repository should keep.
type fileEntity struct {
	Identifier string         `json:"identifier"`
	Title      any            `json:"title,omitempty"`
	Blueprint  string         `json:"blueprint,omitempty"`
	Icon       any            `json:"icon,omitempty"`
	Team       any            `json:"team,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Relations  map[string]any `json:"relations,omitempty"`
}

// clean reads an entity as Port's search returns it and keeps what a file
// defines: Port's bookkeeping fields (createdAt, updatedBy, ...), its
// "blueprint" key and fields entity files do not have are dropped, and so
// are nulls (an unset property or relation), empty relation lists and an
// empty team. ok is false for an answer that is not an entity object with
// an identifier.
func clean(raw json.RawMessage) (fileEntity, bool) {
	var m map[string]any
	if entitydiff.Decode(raw, &m) != nil {
		return fileEntity{}, false
	}
	id, _ := m["identifier"].(string)
	if id == "" {
		return fileEntity{}, false
	}
	e := fileEntity{Identifier: id, Title: m["title"], Icon: m["icon"]}
	switch t := m["team"].(type) {
	case string:
		e.Team = t
	case []any:
		if len(t) > 0 {
			e.Team = t
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k, v := range props {
			if v != nil {
				if e.Properties == nil {
					e.Properties = map[string]any{}
				}
				e.Properties[k] = v
			}
		}
	}
	if rels, ok := m["relations"].(map[string]any); ok {
		for k, v := range rels {
			if l, isList := v.([]any); v == nil || isList && len(l) == 0 {
				continue
			}
			if e.Relations == nil {
				e.Relations = map[string]any{}
			}
			e.Relations[k] = v
		}
	}
	return e, true
}

// renderJSON writes one entity, or a list of them, as JSON with two-space
// indentation and a trailing newline.
func renderJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// renderYAML writes entities as port.yml-style YAML: one mapping, or a
// list of them when list is set. Strings are plain where no YAML reader
// (1.1 or 1.2) can take them for anything else, quoted otherwise.
func renderYAML(ents []fileEntity, list bool) ([]byte, error) {
	var root *yaml.Node
	if list {
		root = &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range ents {
			root.Content = append(root.Content, entityNode(e))
		}
	} else {
		root = entityNode(ents[0])
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func entityNode(e fileEntity) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v any) { n.Content = append(n.Content, keyNode(k), valueNode(v)) }
	add("identifier", e.Identifier)
	if e.Title != nil {
		add("title", e.Title)
	}
	if e.Blueprint != "" {
		add("blueprint", e.Blueprint)
	}
	if e.Icon != nil {
		add("icon", e.Icon)
	}
	if e.Team != nil {
		add("team", e.Team)
	}
	if len(e.Properties) > 0 {
		add("properties", e.Properties)
	}
	if len(e.Relations) > 0 {
		add("relations", e.Relations)
	}
	return n
}

func keyNode(k string) *yaml.Node {
	n := stringNode(k)
	if n.Style == yaml.LiteralStyle {
		n.Style = yaml.DoubleQuotedStyle // a key is never a block scalar
	}
	return n
}

func valueNode(v any) *yaml.Node {
	switch t := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}
	case json.Number:
		return numberNode(t)
	case string:
		return stringNode(t)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(t) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, el := range t {
			n.Content = append(n.Content, valueNode(el))
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		if len(t) == 0 {
			n.Style = yaml.FlowStyle
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n.Content = append(n.Content, keyNode(k), valueNode(t[k]))
		}
		return n
	}
	return stringNode(fmt.Sprint(v))
}

// numberNode writes a number as JSON wrote it, except an exponent, which
// YAML 1.1 reads as a string (1e3): it is written out in full when that is
// exact and short.
func numberNode(num json.Number) *yaml.Node {
	s := string(num)
	tag := "!!int"
	if strings.ContainsAny(s, ".eE") {
		tag = "!!float"
	}
	if strings.ContainsAny(s, "eE") {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
			if plain := strconv.FormatFloat(f, 'f', -1, 64); len(plain) <= 40 {
				s = plain
				if !strings.Contains(s, ".") {
					tag = "!!int"
				}
			}
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
}

// yaml11Words are plain scalars that some YAML reader takes for a boolean
// or null rather than a string.
var yaml11Words = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true,
}

func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case plainSafe(s):
	case multiline(s):
		n.Style = yaml.LiteralStyle
	default:
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// plainSafe reports whether s can be written unquoted: it starts with a
// letter (so it is no number, date, time or octal), holds only letters,
// digits and a few punctuation marks, has no ": " or " #" that YAML would
// read as syntax, does not end with a space or a colon, and is not a
// YAML 1.1 boolean or null.
func plainSafe(s string) bool {
	if s == "" || yaml11Words[strings.ToLower(s)] {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte(" ._/:@+-=()", c) >= 0:
		default:
			return false
		}
	}
	return !strings.Contains(s, ": ") && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, ":")
}

// multiline reports a string better written as a literal block: several
// lines, printable, no line ending in white space and no leading space on
// the first line (which a block scalar cannot start with unannounced).
func multiline(s string) bool {
	if !strings.Contains(s, "\n") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
		for _, r := range line {
			if r < 0x20 || r == 0x7f || r == '\uFEFF' {
				return false
			}
		}
	}
	return true
}
