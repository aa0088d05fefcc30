package sync

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// yamlConfig adds port.yml rules beside the fixture's JSON ones.
const yamlConfig = `entities:
  - files: "services/**/entity.json"
    blueprint: service
  - files: "services/**/port.yml"
    blueprint: service
  - files: "catalog/**/*.json"
  - files: "catalog/**/*.yml"
`

// yamlFixture is a fixture whose configuration reads port.yml files too.
func yamlFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.write(map[string]string{".port/gitops.yaml": yamlConfig})
	f.commit("port.yml rules")
	return f
}

// sent returns the upserts and deletes Port received since the last reset.
func (f *fixture) sent() (upserts, deletes int) {
	return f.upsertsSent(), f.bulkDeletes()
}

func (f *fixture) mustSync(mod func(*Options)) syncRun {
	f.t.Helper()
	r := f.sync(mod)
	if r.err != nil {
		f.t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
	}
	return r
}

// Converting files from JSON to YAML sends nothing: entities are compared,
// not text.
func TestJSONToYAMLSendsNothing(t *testing.T) {
	t.Parallel()
	f := yamlFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": `{"identifier": "a", "title": "A", "properties": {"tier": "critical", "replicas": 3}, "relations": {"system": "shop", "dependsOn": ["b"]}}`,
		"services/b/entity.json": svc("b", "standard"),
		"catalog/systems.json":   `[{"identifier": "shop", "blueprint": "system", "properties": {"owner": "no"}}, {"identifier": "pay", "blueprint": "system"}]`,
	})
	f.commit("json")
	f.mustSync(prune)
	before := f.catalog("service")
	f.srv.ResetRequests()
	f.write(map[string]string{
		"services/a/entity.json": "",
		"services/b/entity.json": "",
		"catalog/systems.json":   "",
		"services/a/port.yml":    "identifier: a\ntitle: A\nproperties:\n  tier: critical\n  replicas: 3\nrelations:\n  system: shop\n  dependsOn: [b]\n",
		"services/b/port.yml":    "# converted\nidentifier: \"b\"\ntitle: 'b'\nproperties: {tier: standard}\n",
		"catalog/systems.yml":    "- identifier: shop\n  blueprint: system\n  properties:\n    owner: \"no\"\n- {identifier: pay, blueprint: system}\n",
	})
	f.commit("yaml")
	r := f.mustSync(prune)
	if u, d := f.sent(); u != 0 || d != 0 {
		t.Fatalf("JSON to YAML sent %d upserts and %d deletes:\n%s", u, d, r.out)
	}
	if got := f.catalog("service"); !reflect.DeepEqual(got, before) {
		t.Fatalf("services changed: %v, were %v", got, before)
	}
	if got := ids(f.catalog("system")); !reflect.DeepEqual(got, []string{"pay", "shop"}) {
		t.Fatalf("systems: %v", got)
	}
}

// A port.yml reformatted (flow to block, quoting, comments, an anchor)
// sends nothing; a real change in it sends that entity only.
func TestReformattedYAMLSendsNothing(t *testing.T) {
	t.Parallel()
	f := yamlFixture(t)
	f.write(map[string]string{
		"catalog/systems.yml": "- {identifier: shop, blueprint: system, properties: {owner: dana}}\n- {identifier: pay, blueprint: system, properties: {owner: dana}}\n",
	})
	f.commit("flow")
	f.mustSync(prune)
	f.srv.ResetRequests()
	f.write(map[string]string{
		"catalog/systems.yml": "# systems\n- identifier: 'shop'\n  blueprint: system\n  properties: &p\n    owner: \"dana\"\n\n- identifier: pay\n  blueprint: system\n  properties: *p\n",
	})
	f.commit("block")
	r := f.mustSync(prune)
	if u, d := f.sent(); u != 0 || d != 0 {
		t.Fatalf("reformatting sent %d upserts and %d deletes:\n%s", u, d, r.out)
	}
	f.write(map[string]string{
		"catalog/systems.yml": "- identifier: shop\n  blueprint: system\n  properties: {owner: ben}\n- identifier: pay\n  blueprint: system\n  properties: {owner: dana}\n",
	})
	f.commit("owner")
	f.mustSync(prune)
	if u, d := f.sent(); u != 1 || d != 0 {
		t.Fatalf("one changed entity: %d upserts, %d deletes", u, d)
	}
	if got := f.catalog("system")["shop"]; got != `{"owner":"ben"}` {
		t.Fatalf("shop in Port: %s", got)
	}
}

// An entity moved from one port.yml to another, unchanged, is not deleted
// and is sent at most once.
func TestEntityMovedBetweenYAMLFiles(t *testing.T) {
	t.Parallel()
	f := yamlFixture(t)
	f.write(map[string]string{
		"catalog/one.yml": "- {identifier: x, blueprint: system}\n- {identifier: y, blueprint: system}\n",
		"catalog/two.yml": "- {identifier: z, blueprint: system}\n",
	})
	f.commit("add")
	f.mustSync(prune)
	f.srv.ResetRequests()
	f.write(map[string]string{
		"catalog/one.yml":  "- {identifier: x, blueprint: system}\n",
		"catalog/two.json": `[{"identifier": "z", "blueprint": "system"}, {"identifier": "y", "blueprint": "system"}]`,
		"catalog/two.yml":  "",
	})
	f.commit("move y, and two.yml to JSON")
	f.mustSync(prune)
	if u, d := f.sent(); u > 1 || d != 0 {
		t.Fatalf("a move sent %d upserts and %d deletes", u, d)
	}
	if got := ids(f.catalog("system")); !reflect.DeepEqual(got, []string{"x", "y", "z"}) {
		t.Fatalf("systems: %v", got)
	}
}

// A YAML typo at HEAD never deletes what the file defined, and an entity
// moved into a port.yml that does not parse is held, even though YAML
// writes its identifier unquoted.
func TestYAMLTypoNeverDeletes(t *testing.T) {
	t.Parallel()
	f := yamlFixture(t)
	f.write(map[string]string{
		"services/a/port.yml": "identifier: a\nproperties: {tier: critical}\n",
		"catalog/one.yml":     "- {identifier: x, blueprint: system}\n- {identifier: y, blueprint: system}\n",
	})
	f.commit("add")
	f.mustSync(prune)
	f.srv.ResetRequests()
	f.write(map[string]string{
		"services/a/port.yml": "identifier: a\nproperties:\n  tier: critical\n tier: standard\n",
		"catalog/one.yml":     "- {identifier: x, blueprint: system}\n",
		"catalog/two.yml":     "- identifier: y\n  blueprint: system\n   title: [oops\n",
	})
	f.commit("typos")
	r := f.sync(prune)
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1, got %v\n%s", r.err, r.out)
	}
	for _, want := range []string{"services/a/port.yml:", "catalog/two.yml:", "[yaml-syntax]", "service/a", "system/y"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if _, d := f.sent(); d != 0 {
		t.Fatalf("a YAML typo sent a delete:\n%s", r.out)
	}
	if got := ids(f.catalog("system")); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatalf("systems: %v", got)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("services: %v", got)
	}
}

// names finds an identifier written unquoted, as a word of its own only.
func TestNamesFindsUnquotedIdentifiers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		data, id string
		want     bool
	}{
		{`{"identifier": "a-b"}`, "a-b", true},
		{"identifier: a-b\n", "a-b", true},
		{"- {identifier: a-b, x: 1}", "a-b", true},
		{"identifier: a-bc\n", "a-b", false},
		{"identifier: xa-b\n", "a-b", false},
		{"identifier: a-b.c\n", "a-b", false},
		{"identifier: a-b.c\nother: a-b", "a-b", true},
		{"", "a", false},
	} {
		if got := names([]byte(c.data), c.id); got != c.want {
			t.Errorf("names(%q, %q) = %v, want %v", c.data, c.id, got, c.want)
		}
	}
}
