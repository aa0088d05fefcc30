package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// gitEnv is the environment for git and pre-commit in tests: a fixed
// identity and no user or system configuration.
func gitEnv(home string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "NO_COLOR", "CLICOLOR_FORCE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_NOSYSTEM=1",
	)
}

func sh(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustSh(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := sh(t, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// snapshotProject copies this working tree (not its .git) into a new git
// repository and commits it, so that pre-commit can clone the code under test,
// uncommitted changes included.
func snapshotProject(t *testing.T, dst string, env []string) string {
	t.Helper()
	src, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.Name() == ".git" {
			// A directory, or in a linked worktree a file pointing at the
			// repository: copied, it would make the snapshot's commit land
			// in this checkout's branch.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() && rel == "dist" {
			return fs.SkipDir
		}
		// In a linked worktree .git is a file naming the real repository:
		// copied, it would make the snapshot's git commands act on it.
		if d.Name() == ".git" {
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	mustSh(t, dst, env, "git", "init", "-q")
	mustSh(t, dst, env, "git", "add", "-A")
	mustSh(t, dst, env, "git", "commit", "-qm", "snapshot")
	return strings.TrimSpace(mustSh(t, dst, env, "git", "rev-parse", "HEAD"))
}

// preCommitEnv skips unless git, pre-commit and go are installed, and
// returns a temporary directory, the environment for git and pre-commit, and
// a snapshot of this project for .pre-commit-config.yaml to point at.
func preCommitEnv(t *testing.T) (tmp string, env []string, hookRepo, rev string) {
	t.Helper()
	for _, tool := range []string{"git", "pre-commit", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the pre-commit framework tests need it (.ci/run installs it)", tool)
		}
	}
	if testing.Short() {
		t.Skip("-short: the pre-commit framework tests build port-gitops from scratch")
	}
	tmp = t.TempDir()
	env = gitEnv(tmp)
	goModCache := strings.TrimSpace(mustSh(t, ".", os.Environ(), "go", "env", "GOMODCACHE"))
	goCache := strings.TrimSpace(mustSh(t, ".", os.Environ(), "go", "env", "GOCACHE"))
	// Reuse the module and build caches so the hook builds without downloading.
	env = append(env, "PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-cache"), "GOMODCACHE="+goModCache, "GOCACHE="+goCache, "GOFLAGS=-mod=mod -trimpath")
	hookRepo = filepath.Join(tmp, "hook-source")
	rev = snapshotProject(t, hookRepo, env)
	return tmp, env, hookRepo, rev
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const precommitBlueprint = `{"identifier": "microservice", "title": "Microservice",
  "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}}, "required": ["tier"]}}`

// TestPreCommit drives the real pre-commit framework. Its cases share one
// snapshot of this project and one pre-commit cache, so port-gitops is built
// for the hook once (language: golang compiles the whole module).
func TestPreCommit(t *testing.T) {
	t.Parallel()
	tmp, env, hookRepo, rev := preCommitEnv(t)
	t.Run("validate", func(t *testing.T) { testPreCommitFramework(t, tmp, env, hookRepo, rev) })
	t.Run("post-merge sync", func(t *testing.T) { testPreCommitPostMergeSync(t, tmp, env, hookRepo, rev) })
}

// testPreCommitFramework drives the real pre-commit framework: a repository
// whose .pre-commit-config.yaml points at this one, building port-gitops with
// language: golang, blocks a bad entity.json and lets a good one through.
func testPreCommitFramework(t *testing.T, tmp string, env []string, hookRepo, rev string) {
	user := filepath.Join(tmp, "user-validate")
	writeFiles(t, user, map[string]string{
		".pre-commit-config.yaml":            "repos:\n  - repo: " + hookRepo + "\n    rev: " + rev + "\n    hooks:\n      - id: port-gitops-validate\n",
		".port/blueprints/microservice.json": precommitBlueprint,
		".port/gitops.yaml":                  "entities:\n  - files: \"**/entity.json\"\n    blueprint: microservice\n",
		"package.json":                       `{"name": "not an entity, and must not be checked"}`,
		"svc/entity.json":                    "{\n  \"identifier\": \"svc\",\n  \"properties\": {\n    \"tier\": \"gold\"\n  }\n}\n",
	})
	mustSh(t, user, env, "git", "init", "-q")
	mustSh(t, user, env, "pre-commit", "install")
	mustSh(t, user, env, "git", "add", "-A")
	out, err := sh(t, user, env, "git", "commit", "-m", "bad entity")
	if err == nil {
		t.Fatalf("commit of a bad entity went through:\n%s", out)
	}
	if !strings.Contains(out, `svc/entity.json:4:13: error: tier: "gold" is not one of "critical", "standard" [enum]`) {
		t.Fatalf("hook output lacks the finding with file:line:col:\n%s", out)
	}
	writeFiles(t, user, map[string]string{"svc/entity.json": "{\n  \"identifier\": \"svc\",\n  \"properties\": {\n    \"tier\": \"critical\"\n  }\n}\n"})
	mustSh(t, user, env, "git", "add", "-A")
	out = mustSh(t, user, env, "git", "commit", "-m", "good entity")
	if !strings.Contains(out, "port-gitops validate") || !strings.Contains(out, "Passed") {
		t.Fatalf("good commit did not run the hook:\n%s", out)
	}
}

// testPreCommitPostMergeSync: the port-gitops-sync hook after real git
// merges, against a local Port: without credentials it only says it skipped;
// with them, a local unpushed merge still skips, and a pull of pushed
// commits syncs.
func testPreCommitPostMergeSync(t *testing.T, tmp string, env []string, hookRepo, rev string) {
	srv := porttest.NewT(t)
	if err := srv.AddBlueprint(json.RawMessage(precommitBlueprint)); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(tmp, "user-sync")
	writeFiles(t, user, map[string]string{
		".pre-commit-config.yaml":            "repos:\n  - repo: " + hookRepo + "\n    rev: " + rev + "\n    hooks:\n      - id: port-gitops-sync\n",
		".port/blueprints/microservice.json": precommitBlueprint,
		"README.md":                          "x\n",
	})
	mustSh(t, user, env, "git", "init", "-q", "-b", "main")
	mustSh(t, user, env, "pre-commit", "install", "--hook-type", "post-merge")
	mustSh(t, user, env, "git", "add", "-A")
	mustSh(t, user, env, "git", "commit", "-qm", "init")
	mustSh(t, user, env, "git", "checkout", "-qb", "feature")
	writeFiles(t, user, map[string]string{"svc/entity.json": `{"identifier": "svc", "blueprint": "microservice", "properties": {"tier": "critical"}}`})
	mustSh(t, user, env, "git", "add", "-A")
	mustSh(t, user, env, "git", "commit", "-qm", "add svc")
	mustSh(t, user, env, "git", "checkout", "-q", "main")

	// Without credentials: the merge succeeds and the hook says it skipped.
	out := mustSh(t, user, env, "git", "merge", "--no-ff", "-m", "merge 1", "feature")
	if !strings.Contains(out, "sync skipped") {
		t.Fatalf("post-merge without credentials:\n%s", out)
	}
	if len(srv.Entities("microservice")) != 0 {
		t.Fatal("synced without credentials")
	}
	// With credentials, a local merge that was never pushed does not reach
	// Port: the hook syncs only what the upstream branch has.
	origin := filepath.Join(tmp, "origin.git")
	mustSh(t, tmp, env, "git", "init", "-q", "--bare", "-b", "main", origin)
	mustSh(t, user, env, "git", "remote", "add", "origin", origin)
	mustSh(t, user, env, "git", "push", "-q", "-u", "origin", "main")
	mustSh(t, user, env, "git", "checkout", "-q", "feature")
	writeFiles(t, user, map[string]string{"svc2/entity.json": `{"identifier": "svc2", "blueprint": "microservice", "properties": {"tier": "standard"}}`})
	mustSh(t, user, env, "git", "add", "-A")
	mustSh(t, user, env, "git", "commit", "-qm", "add svc2")
	mustSh(t, user, env, "git", "checkout", "-q", "main")
	credEnv := append(env, "PORT_BASE_URL="+srv.URL, "PORT_CLIENT_ID="+srv.ClientID, "PORT_CLIENT_SECRET="+srv.ClientSecret)
	out = mustSh(t, user, credEnv, "git", "merge", "--no-ff", "-m", "merge 2", "feature")
	if !strings.Contains(out, "sync skipped") || len(srv.Entities("microservice")) != 0 {
		t.Fatalf("an unpushed local merge reached Port (%d entities):\n%s", len(srv.Entities("microservice")), out)
	}
	// Pushed, then a teammate's commit pulled: HEAD is what origin/main
	// has, and the hook syncs.
	mustSh(t, user, env, "git", "push", "-q", "origin", "main")
	mate := filepath.Join(tmp, "mate")
	mustSh(t, tmp, env, "git", "clone", "-q", origin, mate)
	writeFiles(t, mate, map[string]string{"svc3/entity.json": `{"identifier": "svc3", "blueprint": "microservice", "properties": {"tier": "standard"}}`})
	mustSh(t, mate, env, "git", "add", "-A")
	mustSh(t, mate, env, "git", "commit", "-qm", "add svc3")
	mustSh(t, mate, env, "git", "push", "-q", "origin", "main")
	out = mustSh(t, user, credEnv, "git", "pull", "--no-rebase", "-q", "origin", "main")
	got := srv.Entities("microservice")
	if _, ok := got["svc3"]; !ok || len(got) != 3 {
		t.Fatalf("Port has %d entities after the pull, want svc, svc2 and svc3:\n%s", len(got), out)
	}
	if strings.Contains(out, srv.ClientSecret) {
		t.Fatal("the secret appeared in the hook's output")
	}
}
