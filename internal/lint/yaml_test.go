package lint

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

const yamlServiceBlueprint = `{
  "identifier": "service",
  "schema": {
    "properties": {
      "tier": {"type": "string", "enum": ["gold", "silver"]},
      "replicas": {"type": "number", "minimum": 1},
      "version": {"type": "string"},
      "enabled": {"type": "boolean"},
      "mode": {"type": "number"},
      "tags": {"type": "array", "items": {"type": "string"}}
    },
    "required": ["tier"]
  },
  "relations": {"owner": {"target": "team", "many": false}, "uses": {"target": "service", "many": true}}
}`

// yamlFindings lints one file and returns its findings as
// "rule@line:col pointer", sorted as lint sorts them.
func yamlFindings(t *testing.T, file, body string, format entity.Format) []string {
	t.Helper()
	c := cache(t, map[string]string{"service": yamlServiceBlueprint})
	src := Source{File: file, Format: format, Load: func() ([]byte, error) { return []byte(body), nil }}
	res, err := (&Linter{Cache: c}).Run(context.Background(), []Source{src})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s@%d:%d %s", f.Rule, f.Line, f.Column, f.Pointer))
	}
	return out
}

// TestYAMLFindings: every kind of finding in a port.yml, at the line and
// column of the offending value or key, in block and flow styles.
func TestYAMLFindings(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"valid block", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  replicas: 2\n  version: \"1.10\"\n", nil},
		{"valid flow", "{identifier: a, blueprint: service, properties: {tier: gold, tags: [x, y]}}\n", nil},
		{"enum and minimum", "identifier: a\nblueprint: service\nproperties:\n  tier: bronze\n  replicas: 0\n",
			[]string{"enum@4:9 /properties/tier", "minimum@5:13 /properties/replicas"}},
		{"enum in flow", "{identifier: a, blueprint: service, properties: {tier: bronze}}",
			[]string{"enum@1:56 /properties/tier"}},
		{"unknown property and field", "identifier: a\nblueprint: service\ncolour: red\nproperties:\n  tier: gold\n  teir: x\n",
			[]string{"unknown-field@3:1 /colour", "unknown-property@6:3 /properties/teir"}},
		{"missing required", "identifier: a\nblueprint: service\nproperties:\n  replicas: 2\n",
			[]string{"required-property@4:3 /properties"}},
		{"duplicate key", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  tier: silver\n",
			[]string{"duplicate-key@5:3 /properties/tier"}},
		{"identifier missing in a list", "- identifier: a\n  blueprint: service\n  properties: {tier: gold}\n- blueprint: service\n  properties: {tier: gold}\n",
			[]string{"identifier-missing@4:3 /1"}},
		{"bad identifier", "identifier: \"a b\"\nblueprint: service\nproperties: {tier: gold}\n",
			[]string{"identifier@1:13 /identifier"}},
		{"relation kinds", "identifier: a\nblueprint: service\nproperties: {tier: gold}\nrelations:\n  owner: [t1]\n  uses: [b, 3]\n",
			[]string{"relation-value@5:10 /relations/owner", "relation-value@6:13 /relations/uses/1"}},
		{"null clears", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  replicas: null\n  version: ~\nrelations:\n  owner: null\n", nil},
		{"team kinds", "identifier: a\nblueprint: service\nteam: [x, 3]\nproperties: {tier: gold}\n",
			[]string{"team@3:11 /team/1"}},
		{"syntax error", "identifier: a\nproperties:\n  tier: [gold\n", []string{"yaml-syntax@2:1 "}},
		{"second document", "identifier: a\nblueprint: service\nproperties: {tier: gold}\n---\nidentifier: b\n",
			[]string{"yaml-multiple-documents@4:1 "}},
		{"tab indent", "identifier: a\nblueprint: service\nproperties:\n \ttier: gold\n",
			[]string{"yaml-syntax@4:2 "}},
		{"bool where a string is expected", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  version: no\n",
			[]string{"yaml-ambiguous-scalar@5:12 /properties/version"}},
		{"yes for a boolean, no type error", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  enabled: yes\n",
			[]string{"yaml-ambiguous-scalar@5:12 /properties/enabled"}},
		{"1.10 for a string, no type error", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  version: 1.10\n",
			[]string{"yaml-ambiguous-scalar@5:12 /properties/version"}},
		{"octal for a number", "identifier: a\nblueprint: service\nproperties: {tier: gold, mode: 0755}\n",
			[]string{"yaml-ambiguous-scalar@3:32 /properties/mode"}},
		{"timestamp in a string list", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  tags:\n    - ok\n    - 2026-01-31\n",
			[]string{"yaml-ambiguous-scalar@7:7 /properties/tags/1"}},
		{"sexagesimal relation", "identifier: a\nblueprint: service\nproperties: {tier: gold}\nrelations: {owner: 12:30}\n",
			[]string{"yaml-ambiguous-scalar@4:20 /relations/owner"}},
		{"bool relation", "identifier: a\nblueprint: service\nproperties: {tier: gold}\nrelations: {uses: [on]}\n",
			[]string{"yaml-ambiguous-scalar@4:20 /relations/uses/0"}},
		{"quoted is fine", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  version: 'no'\n  tags: [\"2026-01-31\", \"on\"]\n", nil},
		{"a number for a string is a type error", "identifier: a\nblueprint: service\nproperties:\n  tier: gold\n  version: 3\n",
			[]string{"type@5:12 /properties/version"}},
		{"unknown alias", "- &base\n  identifier: a\n  blueprint: service\n  properties:\n    tier: bronze\n- identifier: b\n  blueprint: service\n  properties: *props\n",
			[]string{"yaml-syntax@8:15 "}},
		{"alias shares the anchored value", "- identifier: a\n  blueprint: service\n  properties: &p\n    tier: bronze\n- identifier: b\n  blueprint: service\n  properties: *p\n",
			[]string{"enum@4:11 /0/properties/tier", "enum@4:11 /1/properties/tier"}},
		{"merge key", "- identifier: a\n  blueprint: service\n  properties: &p {tier: gold, replicas: 0}\n- identifier: b\n  blueprint: service\n  properties:\n    <<: *p\n    replicas: 3\n",
			[]string{"minimum@3:41 /0/properties/replicas"}},
		{"CRLF", "identifier: a\r\nblueprint: service\r\nproperties:\r\n  tier: bronze\r\n",
			[]string{"enum@4:9 /properties/tier"}},
		{"BOM", "\ufeffidentifier: a\nblueprint: service\nproperties: {tier: bronze, replicas: 0}\n",
			[]string{"enum@3:20 /properties/tier", "minimum@3:38 /properties/replicas"}},
		{"not an entity file", "schema: ./schema.graphql\ngenerates:\n  out.ts: {}\n",
			[]string{"not-entity-file@1:1 "}},
		{"a list that is not entities", "- name: web\n  port: 80\n", []string{"not-entity-file@1:1 "}},
		{"a scalar", "just text\n", []string{"entity-shape@1:1 "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := yamlFindings(t, "svc/port.yml", c.body, entity.FormatAuto)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestFormatDecidesTheParser: a .yml file is YAML, a JSON file is JSON
// whatever its content looks like, and a Source's Format overrides the name.
func TestFormatDecidesTheParser(t *testing.T) {
	yml := "identifier: a\nblueprint: service\nproperties: {tier: gold}\n"
	if got := yamlFindings(t, "port.yml", yml, entity.FormatAuto); got != nil {
		t.Errorf("port.yml as YAML: %v", got)
	}
	if got := yamlFindings(t, "x.YAML", yml, entity.FormatAuto); got != nil {
		t.Errorf("x.YAML as YAML: %v", got)
	}
	if got := yamlFindings(t, "entity.json", yml, entity.FormatAuto); len(got) != 1 || !strings.HasPrefix(got[0], "json-syntax@") {
		t.Errorf("entity.json read as JSON: %v", got)
	}
	if got := yamlFindings(t, "entity.txt", yml, entity.FormatYAML); got != nil {
		t.Errorf("format yaml: %v", got)
	}
	if got := yamlFindings(t, "port.yml", yml, entity.FormatJSON); len(got) != 1 || !strings.HasPrefix(got[0], "json-syntax@") {
		t.Errorf("format json: %v", got)
	}
}

// TestYAMLAndJSONAgree: the same entity in both formats, laid out so that
// every value is at the same line and column, gives the same findings.
func TestYAMLAndJSONAgree(t *testing.T) {
	jsonText := `{"identifier": "a b",
"blueprint": "service",
"colour": "red",
"properties": {
"tier": "bronze",
"replicas": 0,
"teir": "x",
"tags": ["ok", 3]},
"relations": {
"owner": ["t1"]}}`
	yamlText := `{"identifier": "a b",
"blueprint": "service",
"colour": "red",
"properties": {
"tier": "bronze",
"replicas": 0,
"teir": "x",
"tags": ["ok", 3]},
"relations": {
"owner": ["t1"]}}`
	j := yamlFindings(t, "entity.json", jsonText, entity.FormatAuto)
	y := yamlFindings(t, "port.yml", yamlText, entity.FormatAuto)
	if len(j) < 6 || strings.Join(j, "\n") != strings.Join(y, "\n") {
		t.Errorf("JSON:\n  %s\nYAML:\n  %s", strings.Join(j, "\n  "), strings.Join(y, "\n  "))
	}
}
