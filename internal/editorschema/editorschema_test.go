package editorschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/port-gitops/port-gitops/internal/blueprint"
)

const svcBlueprint = `{
  "identifier": "service",
  "title": "Service",
  "description": "A deployable service",
  "schema": {
    "properties": {
      "tier": {"title": "Tier", "type": "string", "enum": ["critical", "standard"], "enumColors": {"critical": "red"}},
      "url": {"type": "string", "format": "url"},
      "owner": {"type": "string", "format": "user"},
      "since": {"type": "string", "format": "timer"},
      "values": {"type": "string", "format": "yaml"},
      "replicas": {"type": "number", "minimum": 1, "default": 2},
      "link": {"type": "object", "format": "labeled-url"},
      "tags": {"type": "array", "items": {"type": "string", "format": "email"}}
    },
    "required": ["tier", "replicas"]
  },
  "mirrorProperties": {"systemName": {"title": "System name", "path": "system.$title"}},
  "relations": {
    "system": {"title": "System", "description": "What it belongs to", "target": "system", "required": true, "many": false},
    "deps": {"target": "service", "many": true}
  }
}`

const sysBlueprint = `{"identifier": "system", "title": "System", "schema": {"properties": {"owner": {"type": "string"}}},
 "ownership": {"type": "Inherited", "path": "x"}}`

// repo writes a repository with the two blueprints cached and returns its
// root and cache.
func repo(t *testing.T, blueprints ...string) (string, *blueprint.Cache) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, ".port", "blueprints")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if len(blueprints) == 0 {
		blueprints = []string{svcBlueprint, sysBlueprint}
	}
	for _, bp := range blueprints {
		var head struct{ Identifier string }
		if err := json.Unmarshal([]byte(bp), &head); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, blueprint.FileName(head.Identifier)), []byte(bp), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := blueprint.OpenCacheIn(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	return root, cache
}

func build(t *testing.T, cache *blueprint.Cache) map[string][]byte {
	t.Helper()
	files, err := Build(cache)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Rel] = f.Data
	}
	return out
}

// compile compiles an exported document as draft-07, with format assertion
// (as editors check formats).
func compile(t *testing.T, data []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := doc.(map[string]any); m["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Fatalf("not a draft-07 document: %v", m["$schema"])
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("file:///schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("file:///schema.json")
	if err != nil {
		t.Fatalf("exported schema does not compile: %v", err)
	}
	return s
}

const validService = `{"identifier": "pay", "title": "Payments", "team": "pay-team",
 "properties": {"tier": "critical", "url": "https://example.com/pay", "owner": "dana@example.com",
   "since": "2026-01-31T12:00:00Z", "values": "a: 1", "link": {"url": "https://x.example", "displayText": "X"},
   "tags": ["a@example.com"]},
 "relations": {"system": "shop", "deps": ["auth"]}}`

// The per-blueprint and catalog schemas accept what validate accepts and
// reject the mistakes editors should underline, checked here by a JSON
// Schema implementation other than the editors'.
func TestSchemasAcceptAndReject(t *testing.T) {
	_, cache := repo(t)
	files := build(t, cache)
	svc := compile(t, files["blueprints/service.schema.json"])
	catalog := compile(t, files[CatalogFile])
	sys := compile(t, files["blueprints/system.schema.json"])
	check := func(s *jsonschema.Schema, doc string) error {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		return s.Validate(v)
	}
	withBlueprint := strings.Replace(validService, `{"identifier"`, `{"blueprint": "service", "identifier"`, 1)
	for _, ok := range []struct {
		s    *jsonschema.Schema
		name string
		doc  string
	}{
		{svc, "one entity", validService},
		{svc, "an array", "[" + validService + "," + validService + "]"},
		{svc, "blueprint key naming it", withBlueprint},
		{svc, "one relation null, no optional relation", strings.Replace(validService, `"deps": ["auth"]`, `"system": null`, 1)[0:0] + `{"identifier": "x", "properties": {"tier": "standard"}, "relations": {"system": null}}`},
		{catalog, "catalog entity", withBlueprint},
		{catalog, "catalog array of two blueprints", `[` + withBlueprint + `, {"identifier": "shop", "blueprint": "system"}]`},
		{sys, "inherited team not set", `{"identifier": "shop"}`},
		{svc, "non-ASCII identifier", `{"identifier": "zürich", "properties": {"tier": "standard"}, "relations": {"system": "s"}}`},
	} {
		if err := check(ok.s, ok.doc); err != nil {
			t.Errorf("%s: rejected: %v", ok.name, err)
		}
	}
	for _, bad := range []struct {
		s    *jsonschema.Schema
		name string
		doc  string
	}{
		{svc, "wrong enum", strings.Replace(validService, `"critical"`, `"gold"`, 1)},
		{svc, "missing required property", strings.Replace(validService, `"tier": "critical",`, ``, 1)},
		{svc, "unknown property", strings.Replace(validService, `"tier":`, `"tire": 1, "tier":`, 1)},
		{svc, "unknown top-level field", strings.Replace(validService, `"title":`, `"titel": "x", "title":`, 1)},
		{svc, "computed property set", strings.Replace(validService, `"tier":`, `"systemName": "x", "tier":`, 1)},
		{svc, "url not absolute", strings.Replace(validService, `https://example.com/pay`, `not a url`, 1)},
		{svc, "user not an e-mail", strings.Replace(validService, `dana@example.com`, `dana`, 1)},
		{svc, "timer not a date-time", strings.Replace(validService, `2026-01-31T12:00:00Z`, `tomorrow`, 1)},
		{svc, "e-mail items", strings.Replace(validService, `["a@example.com"]`, `["a"]`, 1)},
		{svc, "labeled url without url", strings.Replace(validService, `"url": "https://x.example", `, ``, 1)},
		{svc, "identifier with a space", strings.Replace(validService, `"pay"`, `"pay ments"`, 1)},
		{svc, "identifier ..", strings.Replace(validService, `"pay"`, `".."`, 1)},
		{svc, "missing required relation", strings.Replace(validService, `"system": "shop", `, ``, 1)},
		{svc, "one relation given an array", strings.Replace(validService, `"system": "shop"`, `"system": ["shop"]`, 1)},
		{svc, "many relation given a string", strings.Replace(validService, `["auth"]`, `"auth"`, 1)},
		{svc, "unknown relation", strings.Replace(validService, `"system": "shop"`, `"system": "shop", "owner": "x"`, 1)},
		{svc, "another blueprint named", strings.Replace(withBlueprint, `"blueprint": "service"`, `"blueprint": "system"`, 1)},
		{svc, "bad entity in an array", "[" + validService + `, {"title": "no identifier"}]`},
		{catalog, "catalog entity without blueprint", validService},
		{catalog, "catalog unknown blueprint", strings.Replace(withBlueprint, `"service"`, `"servise"`, 1)},
		{catalog, "catalog wrong enum", strings.Replace(withBlueprint, `"critical"`, `"gold"`, 1)},
		{sys, "inherited team set", `{"identifier": "shop", "team": "x"}`},
	} {
		if err := check(bad.s, bad.doc); err == nil {
			t.Errorf("%s: accepted", bad.name)
		}
	}
}

// What editors show on hover: titles and descriptions from the blueprint,
// Port's formats described where editors have no equivalent; a property
// with a default is not required (validate only warns).
func TestSchemaCarriesHoverText(t *testing.T) {
	_, cache := repo(t)
	data := string(build(t, cache)["blueprints/service.schema.json"])
	for _, want := range []string{
		`"title": "Service entity file (Port blueprint service)"`,
		`"description": "A deployable service"`,
		`"title": "Tier"`,
		`"description": "relation to blueprint system: What it belongs to (the identifier of one system entity, or null); required"`,
		`"description": "a user: an e-mail address"`,
		`"description": "YAML text (port-gitops validate checks that it parses)"`,
		`"description": "a mirror property: Port computes it, an entity file cannot set it"`,
		`"title": "System name"`,
	} {
		if !strings.Contains(data, want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	if strings.Contains(data, "enumColors") || strings.Contains(data, `"format": "url"`) || strings.Contains(data, `"format": "user"`) {
		t.Error("Port-only keywords or formats left in the schema")
	}
	if !strings.Contains(data, `"required": [
          "tier"
        ]`) {
		t.Errorf("required should be tier only (replicas has a default):\n%s", data)
	}
}

// The identifier pattern means the same in Go as validate's rule, on ASCII.
func TestIdentifierPatternMatchesValidate(t *testing.T) {
	re := regexp.MustCompile(identifierPattern)
	for r := rune(0); r < 128; r++ {
		s := "a" + string(r) + "b"
		if got, want := re.MatchString(s), blueprint.CheckIdentifier(s) == nil; got != want {
			t.Errorf("%q: pattern says %v, validate says %v", s, got, want)
		}
	}
}

// Output is stable: building twice gives the same bytes, sorted keys and a
// trailing newline.
func TestBuildIsStable(t *testing.T) {
	_, cache := repo(t)
	a, b := build(t, cache), build(t, cache)
	if len(a) != 3 {
		t.Fatalf("want 2 blueprint schemas and the catalog, got %d", len(a))
	}
	for rel, data := range a {
		if !bytes.Equal(data, b[rel]) || !bytes.HasSuffix(data, []byte("}\n")) {
			t.Errorf("%s: not stable or no trailing newline", rel)
		}
	}
}

// A broken cached blueprint is its LoadError, as validate reports it.
func TestBuildBrokenBlueprint(t *testing.T) {
	_, cache := repo(t, `{"identifier": "service", "schema": {"properties": {"x": 1}}}`)
	_, err := Build(cache)
	var le *blueprint.LoadError
	if !errors.As(err, &le) || le.Line == 0 {
		t.Fatalf("want a positioned LoadError, got %v", err)
	}
}
