package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"**/entity.json", "entity.json", true},
		{"**/entity.json", "a/b/entity.json", true},
		{"**/entity.json", "a/b/entity.json.bak", false},
		{"**/entity.json", "a/xentity.json", false},
		{"catalog/**/*.json", "catalog/x.json", true},
		{"catalog/**/*.json", "catalog/a/b/x.json", true},
		{"catalog/**/*.json", "other/catalog/x.json", false},
		{"catalog/*.json", "catalog/a/x.json", false},
		{"services/*/entity.json", "services/pay/entity.json", true},
		{"services/*/entity.json", "services/entity.json", false},
		{"**", "a/b", true},
		{"a/**", "a", false},
		{"a/**", "a/b/c", true},
		{"**/**/x.json", "x.json", true},
		{"[ab]/x.json", "b/x.json", true},
		{"entity.json", "sub/entity.json", false},
	}
	for _, c := range cases {
		g, err := CompileGlob(c.pattern)
		if err != nil {
			t.Fatalf("CompileGlob(%q): %v", c.pattern, err)
		}
		if got := g.Match(c.path); got != c.want {
			t.Errorf("%q.Match(%q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestGlobCanMatchUnder(t *testing.T) {
	cases := []struct {
		pattern, dir string
		want         bool
	}{
		{"**/entity.json", "a/b", true},
		{"catalog/**/*.json", "catalog", true},
		{"catalog/**/*.json", "catalog/x", true},
		{"catalog/**/*.json", "docs", false},
		{"services/*/entity.json", "services/pay", true},
		{"services/*/entity.json", "services/pay/deep", false},
	}
	for _, c := range cases {
		if got := MustCompileGlob(c.pattern).CanMatchUnder(c.dir); got != c.want {
			t.Errorf("%q.CanMatchUnder(%q) = %v, want %v", c.pattern, c.dir, got, c.want)
		}
	}
}

func TestGlobErrors(t *testing.T) {
	for _, p := range []string{"", "/abs/*.json", "a//b", "a**/b", "[a-/x", "a\\b"} {
		if _, err := CompileGlob(p); err == nil {
			t.Errorf("CompileGlob(%q): want error", p)
		}
	}
}

// writeRepo makes a directory tree with a .git marker and the given files.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadDefaultsWithoutFile(t *testing.T) {
	root := writeRepo(t, map[string]string{"svc/x.txt": ""})
	cfg, err := Load(filepath.Join(root, "svc"), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "" || cfg.Root != root {
		t.Fatalf("Path=%q Root=%q, want defaults at %s", cfg.Path, cfg.Root, root)
	}
	if cfg.BlueprintDir != filepath.Join(root, ".port", "blueprints") {
		t.Errorf("BlueprintDir = %s", cfg.BlueprintDir)
	}
	if r := cfg.Match("svc/entity.json"); r == nil || r.Blueprint != "" {
		t.Errorf("default rule should match svc/entity.json with no blueprint, got %+v", r)
	}
	if cfg.Match("svc/other.json") != nil {
		t.Error("default rule matched other.json")
	}
}

func TestLoadFindsConfigUpwards(t *testing.T) {
	root := writeRepo(t, map[string]string{
		".port/gitops.yaml": "blueprints: cache\nentities:\n  - files: \"**/entity.json\"\n    blueprint: microservice\n  - files: \"catalog/**/*.json\"\nprune: true\n",
		"cache/.keep":       "",
		"a/b/.keep":         "",
	})
	cfg, err := Load(filepath.Join(root, "a", "b"), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Root != root || cfg.BlueprintDir != filepath.Join(root, "cache") || !cfg.Prune {
		t.Fatalf("got %+v", cfg)
	}
	// "blueprint: microservice" is on line 4; the value starts at column 16.
	if r := cfg.Match("x/entity.json"); r == nil || r.Blueprint != "microservice" || r.BlueprintLine != 4 || r.BlueprintColumn != 16 {
		t.Errorf("rule 1: %+v", r)
	}
	if r := cfg.Match("catalog/teams/a.json"); r == nil || r.Blueprint != "" || r.BlueprintLine != 0 {
		t.Errorf("rule 2: %+v", r)
	}
}

func TestLoadRootIsDirHoldingDotPort(t *testing.T) {
	// A catalog in a subdirectory of a git repository has its own .port/.
	root := writeRepo(t, map[string]string{
		"examples/.port/gitops.yaml":    "entities:\n  - files: \"**/entity.json\"\n",
		"examples/services/a/.keep":     "",
		"examples/.port/blueprints/x.j": "",
	})
	cfg, err := Load(filepath.Join(root, "examples", "services", "a"), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "examples"); cfg.Root != want {
		t.Fatalf("Root = %s, want %s", cfg.Root, want)
	}
	cfg, err = Load(root, "examples/.port/gitops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "examples"); cfg.Root != want {
		t.Fatalf("explicit: Root = %s, want %s", cfg.Root, want)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		line, col  int
		contains   string
	}{
		{"yaml syntax", "entities:\n  - files: [\n", 2, 1, "invalid YAML: did not find expected node content"},
		{"unknown key", "blueprints: .port/blueprints\nentitie:\n  - files: x\n", 2, 1, `unknown key "entitie" (did you mean "entities"?)`},
		{"unknown rule key", "entities:\n  - files: \"**/e.json\"\n    blueprnt: x\n", 3, 5, `did you mean "blueprint"?`},
		{"bad glob", "entities:\n  - files: \"a/[b\"\n", 2, 12, "bad glob"},
		{"missing files", "entities:\n  - blueprint: x\n", 2, 5, "no files glob"},
		{"missing blueprint dir", "blueprints: nowhere\n", 1, 13, "does not exist"},
		{"entities not a list", "entities: x\n", 1, 11, "must be a list"},
		{"empty entities", "entities: []\n", 1, 1, "entities is empty"},
		{"prune not bool", "prune: yes please\n", 1, 8, "prune must be true or false"},
		{"top not mapping", "- a\n", 1, 1, "must be a mapping"},
		{"duplicate key", "prune: true\nprune: false\n", 2, 1, "duplicate key"},
		{"bad format", "entities:\n  - files: \"**/port.yml\"\n    format: yml\n", 3, 13, "format must be json or yaml"},
		{"format not a scalar", "entities:\n  - files: x\n    format: [yaml]\n", 3, 13, "format must be json or yaml"},
		{"exclude not globs", "entities:\n  - files: x\n    exclude:\n      - a\n      - {b: c}\n", 5, 9, "exclude must be a list of globs"},
		{"bad exclude glob", "entities:\n  - files: x\n    exclude: [\"ok/*\", \"a//b\"]\n", 3, 23, "bad glob \"a//b\" in exclude"},
		{"empty exclude glob", "entities:\n  - files: x\n    exclude: [\"\"]\n", 3, 15, "exclude must be a list of globs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := writeRepo(t, map[string]string{".port/gitops.yaml": c.yaml})
			_, err := Load(root, "")
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if ce.Line != c.line || ce.Column != c.col || !strings.Contains(ce.Msg, c.contains) {
				t.Fatalf("got %d:%d %q, want %d:%d containing %q", ce.Line, ce.Column, ce.Msg, c.line, c.col, c.contains)
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(".port", "gitops.yaml")+":") {
				t.Errorf("error should start with the config path: %v", err)
			}
		})
	}
}

func TestLoadExplicitMissing(t *testing.T) {
	root := writeRepo(t, nil)
	_, err := Load(root, "nope.yaml")
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: configuration file not found") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadEmptyFileIsDefaults(t *testing.T) {
	root := writeRepo(t, map[string]string{".port/gitops.yaml": "# nothing yet\n"})
	cfg, err := Load(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Match("entity.json") == nil {
		t.Fatal("empty config should keep the default rule")
	}
}

func TestRel(t *testing.T) {
	root := writeRepo(t, nil)
	cfg, _ := Load(root, "")
	if r, err := cfg.Rel(filepath.Join(root, "a", "b.json")); err != nil || r != "a/b.json" {
		t.Fatalf("Rel = %q, %v", r, err)
	}
	if _, err := cfg.Rel(filepath.Dir(root)); err == nil {
		t.Fatal("Rel outside root: want error")
	}
}

func TestDefaultsMatchPortYML(t *testing.T) {
	for _, cfgText := range []string{"", "blueprints: .port/blueprints\n"} {
		files := map[string]string{".port/blueprints/.keep": ""}
		if cfgText != "" {
			files[".port/gitops.yaml"] = cfgText
		}
		cfg, err := Load(writeRepo(t, files), "")
		if err != nil {
			t.Fatal(err)
		}
		for rel, want := range map[string]entity.Format{"svc/port.yml": entity.FormatYAML, "port.yml": entity.FormatYAML, "a/entity.json": entity.FormatJSON} {
			r := cfg.Match(rel)
			if r == nil {
				t.Errorf("config %q: %s not matched by the defaults", cfgText, rel)
				continue
			}
			if got := r.FileFormat(rel); got != want {
				t.Errorf("config %q: %s read as %v, want %v", cfgText, rel, got, want)
			}
		}
		if r := cfg.Match("svc/port.yaml"); r != nil {
			t.Errorf("config %q: port.yaml matched by %q; Port's default is port.yml only", cfgText, r.Files)
		}
	}
}

func TestRuleFormatAndExclude(t *testing.T) {
	root := writeRepo(t, map[string]string{".port/gitops.yaml": `entities:
  - files: "**/port.yml"
    exclude: ["tools/**", "web/codegen/port.yml"]
  - files: "catalog/*.txt"
    format: yaml
  - files: "legacy/*.yml"
    format: json
  - files: "**"
    blueprint: fallback
`})
	cfg, err := Load(root, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		rel, files string
		format     entity.Format
	}{
		{"svc/port.yml", "**/port.yml", entity.FormatYAML},
		{"tools/gen/port.yml", "**", entity.FormatYAML}, // excluded from the first rule, matched by the last
		{"web/codegen/port.yml", "**", entity.FormatYAML},
		{"web/port.yml", "**/port.yml", entity.FormatYAML},
		{"catalog/a.txt", "catalog/*.txt", entity.FormatYAML},
		{"legacy/a.yml", "legacy/*.yml", entity.FormatJSON},
		{"x/e.JSON", "**", entity.FormatJSON},
		{"x/e.YAML", "**", entity.FormatYAML},
	}
	for _, c := range cases {
		r := cfg.Match(c.rel)
		if r == nil || r.Files != c.files {
			t.Errorf("%s matched by %+v, want rule %q", c.rel, r, c.files)
			continue
		}
		if got := r.FileFormat(c.rel); got != c.format {
			t.Errorf("%s read as %v, want %v", c.rel, got, c.format)
		}
	}
	if got := cfg.Rules[0].Exclude; len(got) != 2 || got[0] != "tools/**" {
		t.Errorf("Exclude = %q", got)
	}
}
