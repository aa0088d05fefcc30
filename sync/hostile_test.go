package sync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// files: "**" matches every file, but never the configuration directory or
// the blueprint cache; a symbolic link committed in git (mode 120000) is a
// link, never followed, so its target is neither read, printed nor sent.
func TestStarStarAndCommittedSymlinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const canary = "sk_live_CANARY_sync_91"
	outside := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(outside, []byte(`{"identifier": "leak", "properties": {"tier": "`+canary+`"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "services", "link"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(f.dir, "services", "link", "entity.json")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	f.write(map[string]string{
		".port/gitops.yaml":       "entities:\n  - files: \"**\"\n    blueprint: service\n",
		"README.md":               "",
		"services/a/entity.json":  svc("a", "critical"),
		"services/b/service.json": svc("b", "standard"),
	})
	f.commit("star star")
	for _, full := range []bool{false, true} {
		r := f.sync(func(o *Options) { o.Full = full })
		all := r.out + r.errOut
		if r.err != nil {
			all += r.err.Error()
		}
		if r.err != nil || strings.Contains(all, canary) || strings.Contains(all, ".port") || strings.Contains(all, "leak") {
			t.Fatalf("full=%v: err=%v\n%s", full, r.err, all)
		}
		if got := ids(f.catalog("service")); strings.Join(got, ",") != "a,b" {
			t.Fatalf("full=%v: catalog %v\n%s", full, got, all)
		}
	}
	for _, req := range f.srv.Requests() {
		if strings.Contains(string(req.Body), canary) {
			t.Fatalf("the link's target was sent to Port: %s %s", req.Method, req.Path)
		}
	}
}
