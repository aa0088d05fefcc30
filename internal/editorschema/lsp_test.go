package editorschema

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// lspDir is where the editors' language services are installed from the
// npm registry (.ci/run does it; by hand: npm install --prefix DIR
// vscode-json-languageservice yaml-language-server, outside the repository).
func lspDir(t *testing.T) string {
	dir := os.Getenv("PORT_GITOPS_LSP_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "port-gitops-lsp")
	}
	for _, pkg := range []string{"vscode-json-languageservice", "yaml-language-server", "vscode-languageserver-textdocument"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Skipf("the editors' language services are not installed in %s (set PORT_GITOPS_LSP_DIR; .ci/run installs them): %v", dir, err)
		}
	}
	return dir
}

// The exported schemas, read by the real language services of VS Code
// (JSON) and the YAML language server, underline a wrong enum value, a
// missing required property and an unknown property at their lines, and
// nothing in a valid file.
func TestLanguageServersReportMistakes(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the language-server test needs it")
	}
	dir := lspDir(t)
	_, cache := repo(t)
	files := build(t, cache)
	out := t.TempDir()
	for rel, data := range files {
		p := filepath.Join(out, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entities := map[string]string{
		"bad.json": `[
  {
    "identifier": "pay",
    "properties": {
      "tire": "critical"
    },
    "relations": {"system": "shop"}
  },
  {"identifier": "auth", "properties": {"tier": "gold"}, "relations": {"system": "shop"}}
]
`,
		"good.json": `[
  {"identifier": "pay", "properties": {"tier": "critical", "url": "https://example.com"}, "relations": {"system": "shop"}},
  {"identifier": "auth", "properties": {"tier": "standard"}, "relations": {"system": "shop", "deps": ["pay"]}}
]
`,
		"bad.yml": `- identifier: pay
  properties:
    tire: critical
  relations:
    system: shop
- identifier: auth
  properties:
    tier: gold
  relations:
    system: shop
`,
		"catalog.yml": `- identifier: pay
  blueprint: service
  properties:
    tier: gold
  relations:
    system: shop
- identifier: shop
  blueprint: system
- identifier: x
  blueprint: servise
`,
		"good.yml": `identifier: pay
title: Payments
properties:
  tier: critical
  owner: dana@example.com
relations:
  system: shop
  deps: [auth]
`,
	}
	var args []string
	for name, text := range entities {
		p := filepath.Join(out, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		schema := filepath.Join(out, "blueprints", "service.schema.json")
		if strings.HasPrefix(name, "catalog") {
			schema = filepath.Join(out, CatalogFile)
		}
		args = append(args, p+"="+schema)
	}
	sort.Strings(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, _ := filepath.Abs(filepath.Join("testdata", "diagnose.js"))
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "PORT_GITOPS_LSP_DIR="+dir)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, got)
	}
	want := []string{
		`bad.json:4: Missing property "tier".`,
		`bad.json:5: Property tire is not allowed.`,
		`bad.json:9: Value is not accepted. Valid values: "critical", "standard".`,
		`bad.yml:2: Missing property "tier".`,
		"catalog.yml:10: Value is not accepted. Valid values: \"service\", \"system\".",
		"catalog.yml:4: Value is not accepted. Valid values: \"critical\", \"standard\".",
		`bad.yml:3: Property tire is not allowed.`,
		`bad.yml:8: Value is not accepted. Valid values: "critical", "standard".`,
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	sort.Strings(lines)
	sort.Strings(want)
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
