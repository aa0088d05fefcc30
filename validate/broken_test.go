package validate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// A blueprint Port itself would reject is one finding at its keyword, its
// entities are reported as not checked, every other file is still checked,
// and the run exits 2.
func TestBrokenBlueprintIsAFindingAndOthersAreChecked(t *testing.T) {
	root := repo(t, map[string]string{
		".port/blueprints/svc.json":    svcBlueprint,
		".port/blueprints/ticket.json": "{\"identifier\": \"ticket\", \"schema\": {\"properties\": {\n  \"status\": {\"type\": \"enum\", \"enum\": [\"open\"]}}}}",
		"a/entity.json":                `{"identifier": "a", "blueprint": "svc", "properties": {"url": "not a url"}}`,
		"t/entity.json":                `{"identifier": "t", "blueprint": "ticket", "properties": {"status": "open"}}`,
	})
	r := runIn(t, root, Options{})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage {
		t.Fatalf("exit %d, want 2: %v\n%s", cmdutil.ExitCode(r.err), r.err, r.out)
	}
	for _, want := range []string{
		`.port/blueprints/ticket.json:2:22: error: property "status": type "enum" is not one of string, number, boolean, object, array [broken-blueprint]`,
		`t/entity.json:1:34: error: not checked: its blueprint "ticket" is broken in the blueprint cache (see the broken-blueprint finding) [entity-not-checked]`,
		`a/entity.json:1:63: error: url: "not a url" is not a valid url`,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %s\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out+r.err.Error(), "metaschema") || strings.Contains(r.out, "port-gitops.invalid") {
		t.Errorf("output shows the schema library's internals:\n%s", r.out)
	}

	// JSON: one document with every finding, exit 2.
	r = runIn(t, root, Options{Format: "json"})
	var doc struct {
		Valid    bool
		Findings []struct{ File, Rule string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.out)
	}
	rules := map[string]string{}
	for _, f := range doc.Findings {
		rules[f.Rule] = f.File
	}
	if doc.Valid || cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || rules["broken-blueprint"] != ".port/blueprints/ticket.json" || rules["entity-not-checked"] != "t/entity.json" || rules["format"] != "a/entity.json" {
		t.Fatalf("exit %d, document %+v", cmdutil.ExitCode(r.err), doc)
	}
}
