package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad loads arbitrary bytes as .port/gitops.yaml: Load never panics,
// finishes in bounded time, and either returns a configuration whose rules
// can be matched or an *Error with a position inside the file.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"entities:\n  - files: \"**/entity.json\"\n    blueprint: svc\n",
		"blueprints: .port/blueprints\nprune: true\nentities:\n  - files: \"catalog/*.json\"\n",
		"entities: [{files: \"**\"}]\n",
		"entities:\n  - files: \"[\"\n",
		"entities:\n  - files: \"a/**/b/**/c/*.json\"\n  - files: \"x\"\n",
		"a: &a [*a]\n",
		"entities: !!binary AAAA\n",
		"{{{{",
		"entitys: []\n",
		"blueprints: ../../etc\n",
		"\xef\xbb\xbfentities: []\n",
	} {
		f.Add([]byte(seed))
	}
	root := f.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, ".port", "blueprints"), 0o755); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(root, ".port", "gitops.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			cfg, err := Load(root, "")
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) {
					t.Errorf("error of type %T: %v", err, err)
				}
				return
			}
			if len(cfg.Rules) == 0 {
				t.Error("a configuration with no rules")
			}
			for _, p := range []string{"entity.json", "a/b/entity.json", "catalog/x.json", ".port/gitops.yaml", ".port/blueprints/s.json"} {
				if r := cfg.Match(p); r != nil && (p == ".port/gitops.yaml" || p == ".port/blueprints/s.json") {
					t.Errorf("%s matched rule %q: the configuration directory is never an entity file", p, r.Files)
				}
				cfg.CanMatchUnder(filepath.Dir(p))
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Load of %q still running after 5s", data)
		}
	})
}
