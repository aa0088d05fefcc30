package editorschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/port-gitops/port-gitops/internal/config"
)

// Association says which exported schema editors should use for the files
// one configuration rule makes entity files.
type Association struct {
	Glob   string // the rule's glob, slash-separated, relative to the repository root
	Schema string // the schema file, slash-separated, relative to the repository root
	JSON   bool   // the glob can match .json files
	YAML   bool   // the glob can match .yml or .yaml files
}

// Associations maps the rules to schemas inside schemasRel (the schemas
// directory relative to the root): a rule with a blueprint to that
// blueprint's schema when the cache has it (has), a rule without one to the
// catalog schema.
func Associations(rules []config.Rule, schemasRel string, has func(id string) bool) []Association {
	var out []Association
	for _, r := range rules {
		a := Association{Glob: r.Files, Schema: path.Join(schemasRel, CatalogFile)}
		if r.Blueprint != "" {
			if !has(r.Blueprint) {
				continue
			}
			a.Schema = path.Join(schemasRel, BlueprintFile(r.Blueprint))
		}
		switch ext := strings.ToLower(path.Ext(r.Files)); ext {
		case ".json":
			a.JSON = true
		case ".yml", ".yaml":
			a.YAML = true
		default:
			a.JSON, a.YAML = true, true
		}
		out = append(out, a)
	}
	return out
}

// ModelineFor returns the line that points the YAML language server at
// schema (relative to the root) from a file at fileRel (relative to the
// root): "# yaml-language-server: $schema=<schema relative to the file>".
func ModelineFor(fileRel, schema string) string {
	depth := strings.Count(path.Clean(fileRel), "/")
	rel := strings.Repeat("../", depth) + schema
	return "# yaml-language-server: $schema=" + rel
}

// ErrCannotMerge says an editor settings file is not one Merge can change
// without losing something (comments, trailing commas, duplicate keys, or
// json.schemas / yaml.schemas of an unexpected shape).
var ErrCannotMerge = errors.New("cannot merge safely")

// VSCodeSnippet returns the json.schemas and yaml.schemas settings for the
// associations, as a JSON object (what Merge adds to a file).
func VSCodeSnippet(assoc []Association) []byte {
	out, _ := MergeVSCode(nil, assoc, "")
	return out
}

// MergeVSCode returns the VS Code settings file old (nil: none yet) with
// the associations' json.schemas and yaml.schemas entries in it. Entries
// whose schema lies in schemasRel (earlier exports) are replaced;
// everything else in the file is kept, in its order. A file that is not
// strict JSON is an error wrapping ErrCannotMerge.
func MergeVSCode(old []byte, assoc []Association, schemasRel string) ([]byte, error) {
	doc := &node{kind: '{'}
	if len(bytes.TrimSpace(old)) > 0 {
		var err error
		if doc, err = decodeOrdered(old); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCannotMerge, err)
		}
		if doc.kind != '{' {
			return nil, fmt.Errorf("%w: the file does not hold a JSON object", ErrCannotMerge)
		}
	}
	ours := func(url string) bool {
		return schemasRel != "" && strings.HasPrefix(url, "./"+schemasRel+"/")
	}
	jsonSchemas := doc.get("json.schemas")
	if jsonSchemas == nil {
		jsonSchemas = &node{kind: '['}
		doc.set("json.schemas", jsonSchemas)
	} else if jsonSchemas.kind != '[' {
		return nil, fmt.Errorf("%w: json.schemas is not an array", ErrCannotMerge)
	}
	var kept []*node
	for _, e := range jsonSchemas.elems {
		if u := e.get("url"); e.kind == '{' && u != nil && u.kind == '"' && ours(u.str()) {
			continue
		}
		kept = append(kept, e)
	}
	jsonSchemas.elems = kept
	yamlSchemas := doc.get("yaml.schemas")
	if yamlSchemas == nil {
		yamlSchemas = &node{kind: '{'}
		doc.set("yaml.schemas", yamlSchemas)
	} else if yamlSchemas.kind != '{' {
		return nil, fmt.Errorf("%w: yaml.schemas is not an object", ErrCannotMerge)
	}
	for i := 0; i < len(yamlSchemas.keys); {
		if ours(yamlSchemas.keys[i]) {
			yamlSchemas.keys = append(yamlSchemas.keys[:i], yamlSchemas.keys[i+1:]...)
			yamlSchemas.vals = append(yamlSchemas.vals[:i], yamlSchemas.vals[i+1:]...)
			continue
		}
		i++
	}
	for _, a := range assoc {
		url, glob := "./"+a.Schema, "/"+a.Glob
		if a.JSON {
			e := &node{kind: '{'}
			e.set("fileMatch", &node{kind: '[', elems: []*node{scalar(glob)}})
			e.set("url", scalar(url))
			jsonSchemas.elems = append(jsonSchemas.elems, e)
		}
		if a.YAML {
			globs := yamlSchemas.get(url)
			if globs == nil {
				globs = &node{kind: '['}
				yamlSchemas.set(url, globs)
			}
			globs.elems = append(globs.elems, scalar(glob))
		}
	}
	// Keys that were not there and got nothing stay out.
	for _, key := range []string{"json.schemas", "yaml.schemas"} {
		if v := doc.get(key); v != nil && len(v.elems) == 0 && len(v.keys) == 0 && !hadKey(old, key) {
			doc.remove(key)
		}
	}
	var buf bytes.Buffer
	doc.write(&buf, indentOf(old), 0)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// indentOf returns the indentation of the first indented line of data, or
// four spaces (VS Code's own).
func indentOf(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed != "" && len(trimmed) < len(line) {
			return line[:len(line)-len(trimmed)]
		}
	}
	return "    "
}

// node is a JSON value that keeps the order of object keys. kind is '{',
// '[' or, for a scalar, '"' (raw holds its JSON text either way).
type node struct {
	kind  byte
	keys  []string
	vals  []*node
	elems []*node
	raw   json.RawMessage
}

func scalar(s string) *node {
	raw, _ := json.Marshal(s)
	return &node{kind: '"', raw: raw}
}

func (n *node) str() string {
	var s string
	_ = json.Unmarshal(n.raw, &s)
	return s
}

func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) remove(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

// hadKey reports whether the settings file data has key at its top level.
func hadKey(data []byte, key string) bool {
	if len(bytes.TrimSpace(data)) == 0 {
		return false
	}
	n, err := decodeOrdered(data)
	return err == nil && n.get(key) != nil
}

func (n *node) set(key string, v *node) {
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

// decodeOrdered reads one strict JSON value; duplicate keys and trailing
// data are errors.
func decodeOrdered(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := decodeNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return n, nil
}

// maxDepth bounds the nesting of a settings file.
const maxDepth = 200

func decodeNode(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: '{'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := kt.(string)
				if n.get(key) != nil {
					return nil, fmt.Errorf("the key %q is there twice", key)
				}
				v, err := decodeNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.set(key, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: '['}
			for dec.More() {
				v, err := decodeNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		raw, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		if t == nil {
			raw = []byte("null")
		}
		return &node{kind: '"', raw: raw}, nil
	}
}

func (n *node) write(b *bytes.Buffer, indent string, depth int) {
	pad := func(d int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(indent, d))
	}
	switch n.kind {
	case '{':
		if len(n.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			b.Write(scalar(k).raw)
			b.WriteString(": ")
			n.vals[i].write(b, indent, depth+1)
		}
		pad(depth)
		b.WriteByte('}')
	case '[':
		if len(n.elems) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			e.write(b, indent, depth+1)
		}
		pad(depth)
		b.WriteByte(']')
	default:
		b.Write(n.raw)
	}
}
