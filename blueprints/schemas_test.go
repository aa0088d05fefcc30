package blueprints

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull refreshes the exported editor schemas when .port/schemas exists,
// and creates none when it does not.
func TestPullRefreshesEditorSchemas(t *testing.T) {
	p := setup(t)
	if out, _, err := p.pull(nil); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(p.dir, ".port", "schemas")); !os.IsNotExist(err) {
		t.Fatalf("pull created .port/schemas without being asked: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(p.dir, ".port", "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, _, err := p.pull(nil)
	if err != nil || !strings.Contains(out, "wrote     .port/schemas/blueprints/service.schema.json") {
		t.Fatalf("pull did not export the schemas: %v\n%s", err, out)
	}
	schema := filepath.Join(p.dir, ".port", "schemas", "blueprints", "service.schema.json")
	before, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	// Port's blueprint changes: the next pull rewrites the schema.
	if err := p.srv.AddBlueprint(json.RawMessage(strings.Replace(svc, `"tier"`, `"level"`, 1))); err != nil {
		t.Fatal(err)
	}
	out, _, err = p.pull(nil)
	after, _ := os.ReadFile(schema)
	if err != nil || string(after) == string(before) || !strings.Contains(string(after), `"level"`) {
		t.Fatalf("schema not refreshed after the blueprint changed: %v\n%s\n%s", err, out, after)
	}
	// Nothing changed in Port: nothing rewritten.
	out, _, _ = p.pull(nil)
	if strings.Contains(out, "schema.json") {
		t.Fatalf("an unchanged pull reported schema changes:\n%s", out)
	}
}

// A refresh that cannot be done (here: the schemas' blueprints directory
// leads outside the repository) warns; the pull itself succeeds and
// nothing is written outside.
func TestPullSchemasRefreshFailureWarns(t *testing.T) {
	p := setup(t)
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(p.dir, ".port", "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(p.dir, ".port", "schemas", "blueprints")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	out, errOut, err := p.pull(nil)
	if err != nil || p.cached("service") == "" || !strings.Contains(errOut, "warning: the editor schemas in .port/schemas were not refreshed") {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("wrote outside the repository: %v", ents)
	}
}
