package blueprint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// FuzzCompile feeds arbitrary bytes to the blueprint compiler as a cached
// blueprint and, when it compiles, checks an entity (arbitrary bytes too,
// or a small fixed one when those do not parse) against it. Whatever the
// input: no panic, an error or a blueprint, and a check that finishes.
func FuzzCompile(f *testing.F) {
	for _, name := range []string{"svc.json", "inherited.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(`{"identifier": "x", "properties": {"req": "r", "n": 3, "tags": ["a"]}, "relations": {"must": "y"}}`))
	}
	f.Add([]byte(`{"identifier": "f", "schema": {"properties": {"p": {"type": "string", "enum": ["a", "b"]}}, "required": ["p"]}}`),
		[]byte(`{"identifier": "x", "properties": {"p": "c"}}`))
	f.Add([]byte(`{"blueprint": {"identifier": "f", "schema": {"properties": {"o": {"type": "object", "properties": {"a": {"type": "number", "minimum": 1}}}}}}}`),
		[]byte(`[{"identifier": "x", "properties": {"o": {"a": 0}}}]`))
	f.Add([]byte(`{"identifier": "f", "schema": {"properties": {"p": {"pattern": "(?=x)"}, "q": {"items": {"format": "yaml"}}}}}`),
		[]byte(`{"identifier": "x", "properties": {"p": "y", "q": ["a: [", "b: 1"]}}`))
	f.Add([]byte(`{"identifier": "f", "schema": {"properties": {"p": {"anyOf": [{"type": "string", "minLength": 2}, {"type": "array", "items": {"$ref": "#/properties/p"}}]}, "q": {"type": "object", "patternProperties": {"^x": {"enum": [1, "a"]}}, "additionalProperties": false}}}}`),
		[]byte(`{"identifier": "x", "properties": {"p": [["a"], "bb", 3], "q": {"xa": 2, "y": 1}}}`))
	f.Add([]byte(`{"identifier": "f", "schema": {"properties": {"p": {"type": "object", "properties": {"a": {"type": "integer", "multipleOf": 2}, "b": {"const": {"k": [1, 2.0]}}}, "required": ["a"], "additionalProperties": {"type": "string", "format": "email"}}}}}`),
		[]byte(`{"identifier": "x", "properties": {"p": {"a": 3.0, "b": {"k": [1, 2]}, "c": "x@y"}}}`))
	fallback := []byte(`{"identifier": "x", "title": "X", "team": "t", "properties": {"p": "v", "n": 1, "a": [1, "b"], "o": {"k": null}}, "relations": {"r": "y", "m": ["a"]}}`)
	f.Fuzz(func(t *testing.T, data, ent []byte) {
		c, err := OpenCache(filepath.Join(t.TempDir(), "none"))
		if err != nil {
			t.Fatal(err)
		}
		bp, err := c.Parse("f", "f.json", data)
		if err != nil {
			if bp != nil {
				t.Fatalf("a blueprint and an error (%v)", err)
			}
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if bp == nil {
			t.Fatal("no blueprint and no error")
		}
		root, _, err := entity.Parse(ent)
		if err != nil {
			root, _, _ = entity.Parse(fallback)
		}
		ents, _ := entity.Extract(root)
		for i := range ents {
			for _, is := range append(CheckEnvelope(&ents[i]), bp.Validate(&ents[i])...) {
				if is.Node == nil || is.Rule == "" || is.Message == "" {
					t.Fatalf("incomplete issue %+v", is)
				}
			}
		}
	})
}
