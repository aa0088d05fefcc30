package sync

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// converged checks that running sync again sends no upsert.
func (f *fixture) converged() {
	f.t.Helper()
	f.srv.ResetRequests()
	r := f.sync(nil)
	if r.err != nil || f.upsertsSent() != 0 {
		f.t.Fatalf("re-run after sync: err=%v upserts=%d\n%s", r.err, f.upsertsSent(), r.out)
	}
}

func TestMergeCommitComparedWithFirstParent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	f.git("checkout", "-qb", "feature")
	f.write(map[string]string{"services/b/entity.json": svc("b", "standard")})
	f.commit("b on feature")
	f.git("checkout", "-q", "main")
	f.write(map[string]string{"services/c/entity.json": svc("c", "standard")})
	f.commit("c on main")
	f.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
	r := f.sync(func(o *Options) { o.State = "none" })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("merge synced %v, want only b (what the merge brought in)", got)
	}
	if !strings.Contains(r.out, "HEAD's first parent") {
		t.Fatalf("output should name the base:\n%s", r.out)
	}
}

func TestRootCommitAndCIBefore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The fixture's first commit is a root commit with no entities; add one
	// in a second commit and point the CI's before at the root.
	root := f.git("rev-parse", "HEAD")
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	f.write(map[string]string{"services/b/entity.json": svc("b", "critical")})
	f.commit("b")
	f.env["GITLAB_CI"] = "true"
	f.env["CI_COMMIT_BEFORE_SHA"] = root
	r := f.sync(func(o *Options) { o.State = "none" })
	if r.err != nil || !strings.Contains(r.out, "CI_COMMIT_BEFORE_SHA") {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("CI before: %v", got)
	}
	// All zeros (a new branch) is ignored: the first parent is used.
	f.env["CI_COMMIT_BEFORE_SHA"] = "0000000000000000000000000000000000000000"
	r = f.sync(func(o *Options) { o.State = "none" })
	if r.err != nil || !strings.Contains(r.out, "first parent") {
		t.Fatalf("zero before: %v\n%s", r.err, r.out)
	}
}

func TestShallowCloneMissingBaseSaysHowToFix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// As in CI: the repository and branch name the sync state.
	f.env["GITHUB_REPOSITORY"] = "shop/catalog"
	f.env["GITHUB_REF_NAME"] = "main"
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{"services/b/entity.json": svc("b", "critical")})
	f.commit("b")
	// CI clones at depth 1: the last synced commit is not there.
	clone := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "clone", "-q", "--depth=1", "file://"+f.dir, clone)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	f.dir = clone
	r := f.sync(nil)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun {
		t.Fatalf("want exit 3, got %v\n%s", r.err, r.out)
	}
	msg := r.err.Error()
	if !strings.Contains(msg, "shallow") || !strings.Contains(msg, "fetch-depth") {
		t.Fatalf("the error should say the clone is shallow and how to fix it: %s", msg)
	}
	if strings.Contains(r.out, "nothing") {
		t.Fatalf("a missing base must not look like nothing changed:\n%s", r.out)
	}
}

func TestFaultsAreRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var files = map[string]string{}
	for _, id := range []string{"a", "b", "c", "d"} {
		files["services/"+id+"/entity.json"] = svc(id, "standard")
	}
	f.write(files)
	f.commit("four")
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 429, RetryAfter: "0", Times: 3})
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Drop: true})
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", ExpireToken: true})
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 502})
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("after faults: %v", got)
	}
	f.converged()
}

func TestPortRejectionIsReportedAndRetriedNextRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Valid locally, but the system it points at does not exist in Port.
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": `{"identifier": "b", "properties": {"tier": "standard"}, "relations": {"system": "ghost"}}`,
	})
	f.commit("two")
	r := f.sync(nil)
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1, got %v\n%s", r.err, r.out)
	}
	if !strings.Contains(r.out, "services/b/entity.json:1:1: failed: upsert service/b") || !strings.Contains(r.out, "not_found") || !strings.Contains(r.out, "trace id trace-") {
		t.Fatalf("the failure should carry Port's message and trace id:\n%s", r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("catalog: %v", got)
	}
	if c := f.stateCommit(); c != "" {
		t.Fatalf("the state moved to %s although Port rejected an entity", c)
	}
	// The system appears in a later commit: the next run sends b again.
	f.write(map[string]string{"catalog/systems.json": `[{"identifier": "ghost", "blueprint": "system"}]`})
	f.commit("add the system")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("catalog: %v", got)
	}
	f.converged()
}

func TestRelationTargetsFirstAndCycles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// One push: services point at a system and at each other (a cycle).
	f.write(map[string]string{
		"services/a/entity.json": `{"identifier": "a", "properties": {"tier": "standard"}, "relations": {"system": "shop", "dependsOn": ["b"]}}`,
		"services/b/entity.json": `{"identifier": "b", "properties": {"tier": "standard"}, "relations": {"system": "shop", "dependsOn": ["a"]}}`,
		"services/c/entity.json": `{"identifier": "c", "properties": {"tier": "standard"}, "relations": {"dependsOn": ["a"]}}`,
		"catalog/systems.json":   `[{"identifier": "shop", "blueprint": "system", "properties": {"owner": "t"}}, {"identifier": "other", "blueprint": "system"}]`,
	})
	f.commit("graph")
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("services: %v\n%s", got, r.out)
	}
	// The system went first; only the cycle used create_missing_related_entities.
	var order []string
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/entities/bulk") {
			order = append(order, strings.TrimPrefix(strings.TrimSuffix(req.Path, "/entities/bulk"), "/v1/blueprints/")+":"+req.Query.Get("create_missing_related_entities"))
		}
	}
	if len(order) < 3 || order[0] != "system:false" {
		t.Fatalf("bulk order %v: the system's entities should go first", order)
	}
	cyclic := 0
	for _, o := range order {
		if o == "service:true" {
			cyclic++
		}
	}
	if cyclic != 1 {
		t.Fatalf("bulk order %v: want exactly one batch (the a<->b cycle) with create_missing_related_entities", order)
	}
	f.converged()
}

func TestMergeFlagAndDeleteDependents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"catalog/systems.json":   `[{"identifier": "shop", "blueprint": "system"}]`,
		"services/a/entity.json": `{"identifier": "a", "properties": {"tier": "standard"}, "relations": {"system": "shop"}}`,
	})
	f.commit("x")
	if r := f.sync(func(o *Options) { o.Merge = true }); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/service/entities/bulk") && req.Query.Get("merge") != "true" {
			t.Fatalf("--merge not sent: %v", req.Query)
		}
	}
	// Deleting the system that a service depends on needs --delete-dependents.
	f.write(map[string]string{"catalog/systems.json": `[{"identifier": "other", "blueprint": "system"}]`})
	f.commit("drop shop")
	r := f.sync(func(o *Options) { o.Prune = true })
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "has_dependents") {
		t.Fatalf("want a has_dependents failure, got %v\n%s", r.err, r.out)
	}
	r = f.sync(func(o *Options) { o.Prune = true; o.DeleteDependents = true })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if _, ok := f.srv.Entity("system", "shop"); ok {
		t.Fatal("shop still in Port")
	}
}

func TestPruneRefusesToWipeTheCatalog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{"services/a/entity.json": ""})
	f.commit("remove every entity file")
	r := f.sync(func(o *Options) { o.Prune = true })
	if r.err == nil || !strings.Contains(r.err.Error(), "refusing to prune") {
		t.Fatalf("want a refusal, got %v\n%s", r.err, r.out)
	}
	if _, ok := f.srv.Entity("service", "a"); !ok {
		t.Fatal("the catalog was wiped")
	}
}

func TestConcurrencyBoundsRequestsInFlight(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := map[string]string{}
	systems := []string{}
	for i := range 60 {
		id := fmt.Sprintf("s%02d", i)
		files["services/"+id+"/entity.json"] = svc(id, "standard")
	}
	for i := range 30 {
		systems = append(systems, fmt.Sprintf(`{"identifier": "sys%02d", "blueprint": "system"}`, i))
	}
	files["catalog/systems.json"] = "[" + strings.Join(systems, ",") + "]"
	f.write(files)
	f.commit("many")
	f.srv.SetLatency(20 * time.Millisecond)
	r := f.sync(func(o *Options) { o.Concurrency = 2 })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if len(f.srv.Entities("service")) != 60 || len(f.srv.Entities("system")) != 30 {
		t.Fatalf("synced %d services, %d systems", len(f.srv.Entities("service")), len(f.srv.Entities("system")))
	}
	if got := f.srv.MaxConcurrent(); got > 2 {
		t.Fatalf("%d requests in flight at once with --concurrency 2", got)
	}
}

func TestDeleteDependentsNeedsPrune(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.sync(func(o *Options) { o.DeleteDependents = true })
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "--prune") {
		t.Fatalf("got %v", r.err)
	}
}
