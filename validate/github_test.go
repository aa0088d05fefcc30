package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GitHub attaches an annotation only when file= is relative to the
// repository's top level, wherever validate runs and wherever .port/ is.
func TestGitHubPathsFromRepositoryRoot(t *testing.T) {
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	top := t.TempDir()
	if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(top, "teams", "shop") // the config root in a monorepo
	write(filepath.Join(root, ".port", "gitops.yaml"), "entities:\n  - files: \"**/entity.json\"\n")
	write(filepath.Join(root, ".port", "blueprints", "svc.json"), `{"identifier": "svc", "schema": {"properties": {"tier": {"type": "string"}}}}`)
	write(filepath.Join(root, "services", "a", "entity.json"), `{"identifier": "a", "blueprint": "svc", "properties": {"tier": 1}}`)

	for _, dir := range []string{top, root, filepath.Join(root, "services")} {
		r := runIn(t, dir, Options{Format: "github"})
		want := "file=teams/shop/services/a/entity.json,"
		if !strings.Contains(r.out, want) {
			t.Errorf("run from %s: want %q in:\n%s%s", dir, want, r.out, r.errOut)
		}
	}
}
