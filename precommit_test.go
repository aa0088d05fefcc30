package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
		if d.IsDir() && (d.Name() == ".git" || rel == "dist") {
			return fs.SkipDir
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

// TestPreCommitFramework drives the real pre-commit framework: a repository
// whose .pre-commit-config.yaml points at this one, building port-gitops with
// language: golang, blocks a bad entity.json and lets a good one through.
func TestPreCommitFramework(t *testing.T) {
	for _, tool := range []string{"git", "pre-commit", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the pre-commit framework test needs it (.ci/run installs it)", tool)
		}
	}
	if testing.Short() {
		t.Skip("-short: the pre-commit framework test builds port-gitops from scratch")
	}
	tmp := t.TempDir()
	env := gitEnv(tmp)
	goModCache := strings.TrimSpace(mustSh(t, ".", os.Environ(), "go", "env", "GOMODCACHE"))
	goCache := strings.TrimSpace(mustSh(t, ".", os.Environ(), "go", "env", "GOCACHE"))
	// Reuse the module and build caches so the hook builds without downloading.
	env = append(env, "PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-cache"), "GOMODCACHE="+goModCache, "GOCACHE="+goCache, "GOFLAGS=-mod=mod")

	hookRepo := filepath.Join(tmp, "hook-source")
	rev := snapshotProject(t, hookRepo, env)

	user := filepath.Join(tmp, "user")
	files := map[string]string{
		".pre-commit-config.yaml": "repos:\n  - repo: " + hookRepo + "\n    rev: " + rev + "\n    hooks:\n      - id: port-gitops-validate\n",
		".port/blueprints/microservice.json": `{"identifier": "microservice", "title": "Microservice",
  "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}}, "required": ["tier"]}}`,
		".port/gitops.yaml": "entities:\n  - files: \"**/entity.json\"\n    blueprint: microservice\n",
		"package.json":      `{"name": "not an entity, and must not be checked"}`,
		"svc/entity.json":   "{\n  \"identifier\": \"svc\",\n  \"properties\": {\n    \"tier\": \"gold\"\n  }\n}\n",
	}
	for name, body := range files {
		p := filepath.Join(user, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
	if err := os.WriteFile(filepath.Join(user, "svc", "entity.json"), []byte("{\n  \"identifier\": \"svc\",\n  \"properties\": {\n    \"tier\": \"critical\"\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustSh(t, user, env, "git", "add", "-A")
	out = mustSh(t, user, env, "git", "commit", "-m", "good entity")
	if !strings.Contains(out, "port-gitops validate") || !strings.Contains(out, "Passed") {
		t.Fatalf("good commit did not run the hook:\n%s", out)
	}
}
