package blueprint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Blueprints Port itself rejects: one error at the offending keyword, in
// Port's words, never the JSON Schema library's internals.
func TestPortRulesForBlueprintSchemas(t *testing.T) {
	cases := []struct {
		name, body string
		line, col  int
		want       string
	}{
		{"type enum", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"status\": {\"type\": \"enum\", \"enum\": [\"a\"]}}}}",
			2, 22, `property "status": type "enum" is not one of string, number, boolean, object, array`},
		{"type not a string", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"n\": {\"type\": [\"string\"]}}}}",
			2, 17, `property "n": type an array is not one of string`},
		{"properties a string", "{\"identifier\": \"b\", \"schema\": {\n  \"properties\": \"DON'T CHANGE\"}}",
			2, 17, `"schema.properties" must be an object`},
		{"required inside properties", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"a\": {\"type\": \"string\"},\n  \"required\": [\"a\"]}}}",
			3, 15, `property "required" must be an object: the list of required properties belongs in "schema", beside "properties"`},
		{"unknown format", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"u\": {\"type\": \"string\", \"format\": \"uri\"}}}}",
			2, 37, `property "u": format "uri" is not one of date-time, url, email`},
		{"unknown spec", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"s\": {\"type\": \"string\", \"spec\": \"swagger\"}}}}",
			2, 35, `property "s": spec "swagger" is not one of open-api, async-api, embedded-url`},
		{"many and required", "{\"identifier\": \"b\", \"schema\": {\"properties\": {}},\n \"relations\": {\"r\": {\"target\": \"b\", \"many\": true, \"required\": true}}}",
			2, 63, `relation "r": many and required cannot both be true`},
		{"keyword of the wrong type", "{\"identifier\": \"b\", \"schema\": {\"properties\": {\n  \"m\": {\"type\": \"string\",\n    \"minLength\": \"five\"}}}}",
			3, 18, `property "m" does not compile: "minLength": `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			cache, err := OpenCache(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cache.Get("b")
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a LoadError", err)
			}
			if le.Line != c.line || le.Column != c.col || !strings.Contains(le.Msg, c.want) {
				t.Errorf("got %d:%d %q\nwant %d:%d %q", le.Line, le.Column, le.Msg, c.line, c.col, c.want)
			}
			if strings.Contains(le.Msg, "port-gitops.invalid") || strings.Contains(le.Msg, "metaschema") {
				t.Errorf("message shows the schema library's internals: %q", le.Msg)
			}
		})
	}
}

// Every real blueprint in the shared examples (Port's own docs and
// integrations) compiles. They are read where they are, never copied.
func TestSharedExampleBlueprintsCompile(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "examples", "blueprints")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no example blueprints in %s (the shared folder is not beside this checkout)", dir)
	}
	cache := &Cache{files: map[string]string{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		id := identifierOf(t, data)
		if _, err := cache.Parse(id, f, data); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func identifierOf(t *testing.T, data []byte) string {
	t.Helper()
	s := string(data)
	i := strings.Index(s, `"identifier"`)
	if i < 0 {
		t.Fatal("no identifier")
	}
	s = s[i+len(`"identifier"`):]
	s = s[strings.Index(s, `"`)+1:]
	return s[:strings.Index(s, `"`)]
}
