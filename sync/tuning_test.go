package sync

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

const tunedConfig = "entities:\n  - files: \"services/**/entity.json\"\n    blueprint: service\n  - files: \"catalog/**/*.json\"\n"

// A rule down to a warning no longer holds an entity back (Port still
// checks what it checks: a rule Port enforces too only moves the rejection
// there); ignored files are never synced; a configuration requirement blocks
// like any error.
func TestSyncHonoursTuning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		".port/gitops.yaml":           tunedConfig + "overrides:\n  - files: \"services/legacy/**\"\n    rules: {duplicate-key: warning}\nignore:\n  - \"services/vendor/**\"\nrequire:\n  - files: \"services/new/**\"\n    properties: [replicas]\n",
		"services/legacy/entity.json": `{"identifier": "legacy", "title": "old", "title": "legacy", "properties": {"tier": "critical"}}`,
		"services/other/entity.json":  `{"identifier": "other", "title": "old", "title": "other", "properties": {"tier": "critical"}}`,
		"services/vendor/entity.json": svc("vendor", "critical"),
		"services/new/entity.json":    svc("new", "critical"),
		"services/ok/entity.json":     svc("ok", "critical"),
	})
	f.commit("add")
	r := f.sync(nil)
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1 (other and new are invalid), got %v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"legacy", "ok"}) {
		t.Fatalf("catalog %v, want legacy (duplicate-key down to a warning) and ok; never vendor (ignored)\n%s", got, r.out)
	}
	if !strings.Contains(r.out, `property "replicas" is not set: the configuration requires it (.port/gitops.yaml:`) {
		t.Fatalf("no required-by-config finding:\n%s", r.out)
	}
}

// A dry run names the entity files whose uncommitted changes it does not
// send: changed, new and deleted, a few of them and a count.
func TestDryRunNamesUncommittedEntityFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "critical"),
		"services/c/entity.json": svc("c", "critical"),
	})
	f.commit("add")
	r := f.sync(func(o *Options) { o.DryRun = true })
	if r.err != nil || strings.Contains(r.errOut, "uncommitted") {
		t.Fatalf("a clean tree: %v\n%s", r.err, r.errOut)
	}
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "standard"), // changed
		"services/c/entity.json": "",                   // deleted
		"services/d/entity.json": svc("d", "critical"), // new
		"services/e/entity.json": svc("e", "critical"), // new
		"docs/notes.json":        "{}",                 // not an entity file
	})
	r = f.sync(func(o *Options) { o.DryRun = true })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	want := "port-gitops: 4 entity files have uncommitted changes, not part of what sync sends (it reads commits, not the working tree): services/a/entity.json, services/c/entity.json, services/d/entity.json and 1 more\n"
	if r.errOut != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", r.errOut, want)
	}
	// A real run does not look.
	if r := f.sync(nil); strings.Contains(r.errOut, "uncommitted") {
		t.Fatalf("a real run: %s", r.errOut)
	}
}

// In CI (CI set, a clean checkout) the dry run does not look at the
// working tree.
func TestDryRunInCISkipsTheWorkingTree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	f.write(map[string]string{"services/a/entity.json": svc("a", "standard")})
	f.env["CI"] = "true"
	if r := f.sync(func(o *Options) { o.DryRun = true }); strings.Contains(r.errOut, "uncommitted") {
		t.Fatalf("the dry run checked the working tree in CI:\n%s", r.errOut)
	}
	delete(f.env, "CI")
	if r := f.sync(func(o *Options) { o.DryRun = true }); !strings.Contains(r.errOut, "uncommitted") {
		t.Fatalf("no note outside CI:\n%s", r.errOut)
	}
}
