package validate

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

const tunedBlueprint = `{"identifier": "svc", "title": "Service",
 "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}, "owner": {"type": "string"}}, "required": []},
 "relations": {"system": {"target": "system", "required": false, "many": false}}}`

type jsonDoc struct {
	Valid            bool
	Errors, Warnings int
	Files            int
	Findings         []struct {
		File, Rule, Severity, Message string
		Line, Column                  int
	}
}

func runJSON(t *testing.T, root string, opts Options) (jsonDoc, error) {
	t.Helper()
	opts.Format = "json"
	r := runIn(t, root, opts)
	var doc jsonDoc
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v: %s (stderr %s)", err, r.out, r.errOut)
	}
	return doc, r.err
}

func rules(doc jsonDoc) string {
	var out []string
	for _, f := range doc.Findings {
		out = append(out, f.File+":"+f.Rule+":"+f.Severity)
	}
	return strings.Join(out, " ")
}

// Severities from the configuration: a rule down to a warning no longer
// fails the run, a rule turned off for some paths reports nothing there.
func TestConfigSeverities(t *testing.T) {
	files := map[string]string{
		".port/blueprints/svc.json": tunedBlueprint,
		"svc/a/entity.json":         `{"identifier": "a", "blueprint": "svc", "properties": {"tier": "gold"}}`,
		"legacy/b/entity.json":      `{"identifier": "b", "blueprint": "svc", "properties": {"tier": "gold", "colour": "red"}}`,
	}
	root := repo(t, files)
	doc, err := runJSON(t, root, Options{})
	if !errors.Is(err, cmdutil.ErrFindings) || doc.Errors != 3 {
		t.Fatalf("without tuning: %v %+v", err, doc)
	}
	write(t, root, map[string]string{".port/gitops.yaml": `rules:
  enum: warning
overrides:
  - files: "legacy/**"
    rules: {enum: off, unknown-property: warning}
`})
	doc, err = runJSON(t, root, Options{})
	if err != nil || !doc.Valid || doc.Errors != 0 || doc.Warnings != 2 {
		t.Fatalf("tuned: %v %+v", err, doc)
	}
	if got := rules(doc); got != "legacy/b/entity.json:unknown-property:warning svc/a/entity.json:enum:warning" {
		t.Fatalf("findings: %s", got)
	}
	// Up to an error: a warning-only rule fails the run.
	write(t, root, map[string]string{".port/gitops.yaml": "rules:\n  enum: off\n  unknown-property: off\n  required-by-config: warning\nrequire:\n  - properties: [owner]\n"})
	doc, err = runJSON(t, root, Options{})
	if err != nil || doc.Warnings != 2 || !strings.Contains(rules(doc), "svc/a/entity.json:required-by-config:warning") {
		t.Fatalf("required-by-config down to warning: %v %+v", err, doc)
	}
}

// require: what the blueprint does not require, the configuration can; the
// finding is at the entity and names the configuration's line.
func TestRequiredByConfig(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml": `entities:
  - files: "**/entity.json"
    blueprint: svc
require:
  - blueprint: svc
    properties: [owner]
    relations: [system]
    team: true
`,
		".port/blueprints/svc.json": tunedBlueprint,
		"a/entity.json":             `{"identifier": "a", "team": ["t"], "properties": {"owner": "x"}, "relations": {"system": "s"}}`,
		"b/entity.json":             "[\n  {\"identifier\": \"b\", \"team\": [], \"properties\": {\"owner\": null}, \"relations\": {\"system\": \"s\"}}\n]",
	})
	r := runIn(t, root, Options{})
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("err = %v\n%s", r.err, r.out)
	}
	for _, want := range []string{
		`b/entity.json:2:3: error: property "owner" is not set: the configuration requires it (.port/gitops.yaml:6:18) [required-by-config]`,
		`b/entity.json:2:3: error: team is not set: the configuration requires it (.port/gitops.yaml:8:11) [required-by-config]`,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %s:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "a/entity.json") || strings.Contains(r.out, `relation "system"`) {
		t.Errorf("a set requirement was reported:\n%s", r.out)
	}
}

// ignore: never checked, whether found by the walk or named.
func TestIgnoredPathsAreNeverChecked(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml":         "ignore:\n  - \"vendor/**\"\n  - broken/entity.json\n",
		".port/blueprints/svc.json": tunedBlueprint,
		"ok/entity.json":            `{"identifier": "a", "blueprint": "svc"}`,
		"vendor/x/entity.json":      `{`,
		"broken/entity.json":        `{`,
	})
	r := runIn(t, root, Options{})
	if r.err != nil || !strings.Contains(r.out, "1 file, 1 entity: 0 errors") {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
	r = runIn(t, root, Options{Files: []string{"broken/entity.json", "vendor"}})
	if r.err != nil || !strings.Contains(r.out, "0 files") {
		t.Fatalf("named: err=%v out=%s", r.err, r.out)
	}
}

// A rule that matches nothing is a warning at its line; a run that finds no
// entity file at all fails unless --allow-empty.
func TestRulesThatMatchNothing(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml": `entities:
  - files: "services/**/entity.json"
  - files: "service/**/entity.json"
  - files: "services/a/*.json"
  - files: "catalog/*.JSON"
`,
		".port/blueprints/svc.json": tunedBlueprint,
		"services/a/entity.json":    `{"identifier": "a", "blueprint": "svc"}`,
		"catalog/x.json":            `{"identifier": "x", "blueprint": "svc"}`,
	})
	r := runIn(t, root, Options{})
	if r.err != nil {
		t.Fatalf("warnings only, yet err = %v\n%s", r.err, r.out)
	}
	for _, want := range []string{
		`.port/gitops.yaml:3:12: warning: entities rule files: "service/**/entity.json" matches no file: check for a typo and for case (globs are case-sensitive) [rule-matches-nothing]`,
		`.port/gitops.yaml:4:12: warning: entities rule files: "services/a/*.json" matches only files that an earlier rule takes`,
		`.port/gitops.yaml:5:12: warning: entities rule files: "catalog/*.JSON" matches no file`,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %s:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, `"services/**/entity.json" matches`) {
		t.Errorf("a rule that matched was reported:\n%s", r.out)
	}
	// Named files: rules that match none of them are not reported.
	if r := runIn(t, root, Options{Files: []string{"services/a/entity.json"}}); strings.Contains(r.out, "rule-matches-nothing") {
		t.Errorf("with FILEs:\n%s", r.out)
	}
	// Severity from the configuration, like any rule.
	write(t, root, map[string]string{".port/gitops.yaml": "entities:\n  - files: \"nothing/*.json\"\nrules:\n  rule-matches-nothing: off\n"})
	doc, err := runJSON(t, root, Options{})
	if !errors.Is(err, cmdutil.ErrFindings) || rules(doc) != ".port/gitops.yaml:no-entity-files:error" {
		t.Fatalf("nothing at all: %v %+v", err, doc)
	}
	if !strings.Contains(doc.Findings[0].Message, `no file under the repository root matches "nothing/*.json"`) {
		t.Fatalf("message: %s", doc.Findings[0].Message)
	}
	doc, err = runJSON(t, root, Options{AllowEmpty: true})
	if err != nil || doc.Errors != 0 || len(doc.Findings) != 0 {
		t.Fatalf("--allow-empty: %v %+v", err, doc)
	}
}

// Without a configuration file, a repository with no entity.json fails too.
func TestNoEntityFilesWithDefaults(t *testing.T) {
	root := repo(t, map[string]string{".port/blueprints/svc.json": tunedBlueprint, "README.md": "x"})
	r := runIn(t, root, Options{})
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, `no file under the repository root matches "**/entity.json"`) {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
	if r := runIn(t, root, Options{AllowEmpty: true}); r.err != nil {
		t.Fatalf("--allow-empty: %v", r.err)
	}
}
