package sync

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestLinkedWorktreeSyncs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env["GITHUB_REPOSITORY"] = "shop/catalog"
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	wt := filepath.Join(t.TempDir(), "wt")
	f.git("worktree", "add", "-q", "-b", "release", wt)
	f.dir = wt
	f.write(map[string]string{"services/b/entity.json": svc("b", "standard")})
	f.commit("b in the worktree")
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("worktree sync: %v", got)
	}
	f.converged()
}

func TestBareRepositoryIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bare := filepath.Join(t.TempDir(), "bare.git")
	gitIn(t, f.dir, "clone", "-q", "--bare", f.dir, bare)
	f.dir = bare
	r := f.sync(nil)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "bare repository") {
		t.Fatalf("want a usage error naming the bare repository, got %v", r.err)
	}
}

func TestPartialCloneSaysHowToFix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env["GITHUB_REPOSITORY"] = "shop/catalog"
	f.env["GITHUB_REF_NAME"] = "main"
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{"services/a/entity.json": svc("a", "standard")})
	f.commit("change a")
	f.git("config", "uploadpack.allowFilter", "true")
	f.git("config", "uploadpack.allowAnySHA1InWant", "true")
	clone := filepath.Join(t.TempDir(), "partial")
	gitIn(t, f.dir, "clone", "-q", "--filter=blob:none", "file://"+f.dir, clone)
	f.dir = clone
	r := f.sync(nil)
	// The base's blob of a/entity.json is not in the clone: sync must say
	// so and how to get it, never treat it as nothing changed.
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun || !strings.Contains(r.err.Error(), "partial clone") || !strings.Contains(r.err.Error(), "git cat-file -e") {
		t.Fatalf("want exit 3 naming the partial clone and the fix, got %v", r.err)
	}
	if got := f.catalog("service")["a"]; got != `{"tier":"critical"}` {
		t.Fatalf("Port changed although the sync could not run: %s", got)
	}
}

// git sparse-checkout sets extensions.worktreeConfig, which go-git refuses
// to open; sync reads commits, not the working tree, so it must still work,
// including for entity files outside the sparse cone.
func TestSparseCheckoutSyncs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
	})
	f.commit("two")
	f.git("sparse-checkout", "set", "services/a")
	// .port/ is outside the sparse cone: sync says so and how to fix it.
	r := f.sync(nil)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "git sparse-checkout add .port") {
		t.Fatalf("want a usage error with the sparse-checkout fix, got %v\n%s", r.err, r.out)
	}
	f.git("sparse-checkout", "add", ".port")
	r = f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("sparse checkout synced %v, want a and b", got)
	}
}
