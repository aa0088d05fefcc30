package editorschema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

func whats(changes []Change) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.What+" "+c.Rel)
	}
	return strings.Join(parts, "; ")
}

// Export writes, re-export changes nothing, check sees drift, and schemas
// of blueprints gone are removed (only files export wrote).
func TestExportAndCheck(t *testing.T) {
	root, cache := repo(t)
	dir := filepath.Join(root, ".port", "schemas")
	files, _ := Build(cache)
	ch, differs, err := Export(root, dir, files, false)
	if err != nil || !differs || whats(ch) != "wrote blueprints/service.schema.json; wrote blueprints/system.schema.json; wrote catalog.schema.json" {
		t.Fatalf("first export: %v %v %s", err, differs, whats(ch))
	}
	if ch, differs, err := Export(root, dir, files, false); err != nil || differs || strings.Contains(whats(ch), "wrote") {
		t.Fatalf("second export: %v %v %s", err, differs, whats(ch))
	}
	if _, differs, err := Export(root, dir, files, true); err != nil || differs {
		t.Fatalf("check after export: %v %v", err, differs)
	}
	// A foreign file in the directory is never touched.
	foreign := filepath.Join(dir, "blueprints", "mine.schema.json")
	if err := os.WriteFile(foreign, []byte(`{"title": "hand-written"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The system blueprint leaves the cache, the service one changes.
	os.Remove(filepath.Join(root, ".port", "blueprints", "system.json"))
	if err := os.WriteFile(filepath.Join(root, ".port", "blueprints", "service.json"), []byte(strings.Replace(svcBlueprint, `"standard"`, `"gold"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cache2, err := blueprint.OpenCacheIn(root, filepath.Join(root, ".port", "blueprints"))
	if err != nil {
		t.Fatal(err)
	}
	files2, err := Build(cache2)
	if err != nil {
		t.Fatal(err)
	}
	ch, differs, err = Export(root, dir, files2, true)
	if err != nil || !differs || whats(ch) != "stale blueprints/service.schema.json; extra blueprints/system.schema.json; stale catalog.schema.json" {
		t.Fatalf("check after drift: %v %v %s", err, differs, whats(ch))
	}
	ch, _, err = Export(root, dir, files2, false)
	if err != nil || whats(ch) != "wrote blueprints/service.schema.json; removed blueprints/system.schema.json; wrote catalog.schema.json" {
		t.Fatalf("export after drift: %v %s", err, whats(ch))
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Fatalf("a file export did not write was removed: %v", err)
	}
}

// The schemas directory, or its blueprints/ below it, leading outside the
// repository through a link is refused before anything is written.
func TestExportRefusesLinksOutside(t *testing.T) {
	root, cache := repo(t)
	files, _ := Build(cache)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, ".port", "schemas")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, _, err := Export(root, filepath.Join(root, ".port", "schemas"), files, false); !errors.Is(err, safefile.ErrNotRegular) {
		t.Fatalf("want a refusal, got %v", err)
	}
	os.Remove(filepath.Join(root, ".port", "schemas"))
	os.MkdirAll(filepath.Join(root, ".port", "schemas"), 0o755)
	if err := os.Symlink(outside, filepath.Join(root, ".port", "schemas", "blueprints")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Export(root, filepath.Join(root, ".port", "schemas"), files, false); !errors.Is(err, safefile.ErrNotRegular) {
		t.Fatalf("want a refusal for blueprints/, got %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) > 0 {
		t.Fatalf("wrote outside the repository: %v", ents)
	}
	if _, _, err := Export(root, outside, files, false); !errors.Is(err, safefile.ErrNotRegular) {
		t.Fatalf("want a refusal for a directory outside, got %v", err)
	}
}

func rules(t *testing.T, yaml string) []config.Rule {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".port", "blueprints"), 0o755)
	if err := os.WriteFile(filepath.Join(root, ".port", "gitops.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(root, "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Rules
}

func TestAssociations(t *testing.T) {
	rs := rules(t, "entities:\n  - files: \"services/*/entity.json\"\n    blueprint: service\n  - files: \"**/port.yml\"\n    blueprint: service\n  - files: \"gone/*.json\"\n    blueprint: gone\n  - files: \"catalog/**\"\n")
	got := Associations(rs, ".port/schemas", func(id string) bool { return id == "service" })
	want := []Association{
		{Glob: "services/*/entity.json", Schema: ".port/schemas/blueprints/service.schema.json", JSON: true},
		{Glob: "**/port.yml", Schema: ".port/schemas/blueprints/service.schema.json", YAML: true},
		{Glob: "catalog/**", Schema: ".port/schemas/catalog.schema.json", JSON: true, YAML: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

var assoc = []Association{
	{Glob: "services/*/entity.json", Schema: ".port/schemas/blueprints/service.schema.json", JSON: true},
	{Glob: "**/port.yml", Schema: ".port/schemas/blueprints/service.schema.json", YAML: true},
}

// Merging keeps every other setting, in its order, replaces the entries of
// an earlier export, keeps other tools' entries, and is idempotent.
func TestMergeVSCode(t *testing.T) {
	old := `{
  "editor.tabSize": 2,
  "json.schemas": [
    {"fileMatch": ["/other.json"], "url": "https://example.com/other.json"},
    {"fileMatch": ["/old/*.json"], "url": "./.port/schemas/blueprints/old.schema.json"}
  ],
  "yaml.schemas": {"./.port/schemas/blueprints/old.schema.json": "/old.yml", "kubernetes": "/k8s/*.yaml"},
  "files.exclude": {"**/.git": true, "n": 1.50}
}
`
	got, err := MergeVSCode([]byte(old), assoc, ".port/schemas")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "editor.tabSize": 2,
  "json.schemas": [
    {
      "fileMatch": [
        "/other.json"
      ],
      "url": "https://example.com/other.json"
    },
    {
      "fileMatch": [
        "/services/*/entity.json"
      ],
      "url": "./.port/schemas/blueprints/service.schema.json"
    }
  ],
  "yaml.schemas": {
    "kubernetes": "/k8s/*.yaml",
    "./.port/schemas/blueprints/service.schema.json": [
      "/**/port.yml"
    ]
  },
  "files.exclude": {
    "**/.git": true,
    "n": 1.50
  }
}
`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	again, err := MergeVSCode(got, assoc, ".port/schemas")
	if err != nil || string(again) != string(got) {
		t.Fatalf("second merge changed the file: %v\n%s", err, again)
	}
	fresh, err := MergeVSCode(nil, assoc[:1], ".port/schemas")
	if err != nil || strings.Contains(string(fresh), "yaml.schemas") || !strings.HasPrefix(string(fresh), "{\n    \"json.schemas\"") {
		t.Fatalf("new file: %v\n%s", err, fresh)
	}
}

func TestMergeVSCodeRefusesWhatItCannotKeep(t *testing.T) {
	for name, old := range map[string]string{
		"comment":          "{\n  // mine\n  \"a\": 1\n}",
		"trailing comma":   `{"a": 1,}`,
		"duplicate key":    `{"a": 1, "a": 2}`,
		"not an object":    `[1]`,
		"json.schemas map": `{"json.schemas": {}}`,
		"yaml.schemas arr": `{"yaml.schemas": []}`,
		"trailing data":    `{} {}`,
		"deep":             strings.Repeat("[", 300) + strings.Repeat("]", 300),
	} {
		if _, err := MergeVSCode([]byte(old), assoc, ".port/schemas"); !errors.Is(err, ErrCannotMerge) {
			t.Errorf("%s: want ErrCannotMerge, got %v", name, err)
		}
	}
}

func TestModeline(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"port.yml", "# yaml-language-server: $schema=.port/schemas/catalog.schema.json"},
		{"services/pay/port.yml", "# yaml-language-server: $schema=../../.port/schemas/catalog.schema.json"},
	} {
		if got := ModelineFor(c.file, ".port/schemas/catalog.schema.json"); got != c.want {
			t.Errorf("%s: got %q, want %q", c.file, got, c.want)
		}
	}
}
