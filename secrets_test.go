package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// Every command, on success and on failure paths, with a canary client
// secret: it never appears in stdout, stderr or the returned error.
func TestCanarySecretNeverPrinted(t *testing.T) {
	const canary = "canary-secret-5b1e77"
	srv, dir := canaryRepo(t)
	envs := map[string]map[string]string{
		"right secret":  {"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": srv.ClientSecret},
		"canary secret": {"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": canary},
	}
	commands := [][]string{
		{"validate"}, {"validate", "--format", "json"},
		{"blueprints", "pull", "--verbose"}, {"blueprints", "pull", "--check", "--verbose"}, {"blueprints", "pull", "--all"},
		{"sync", "--verbose"}, {"sync", "--dry-run", "--verbose"}, {"sync", "--format", "json"}, {"sync", "--post-merge"},
		{"init"}, {"hooks", "install", "--binary", "port-gitops"}, {"hooks", "uninstall"}, {"version"},
	}
	for name, env := range envs {
		for _, args := range commands {
			var out, errOut bytes.Buffer
			io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(k string) string { return env[k] }}
			runWith(context.Background(), io, append([]string{"port-gitops"}, args...))
			all := out.String() + errOut.String()
			for _, secret := range []string{canary, srv.ClientSecret} {
				if strings.Contains(all, secret) {
					t.Errorf("%s, %v: a secret was printed:\n%s", name, args, all)
				}
			}
			if strings.Contains(all, "Bearer ") || strings.Contains(all, "tok-") {
				t.Errorf("%s, %v: a token was printed:\n%s", name, args, all)
			}
		}
	}
}

// canaryRepo is what the canary tests run in: a local Port that knows the
// scripts' blueprints, and a repository (a real one when git is installed)
// with one entity file.
func canaryRepo(t *testing.T) (*porttest.Server, string) {
	t.Helper()
	srv := porttest.NewT(t)
	for _, bp := range scriptBlueprints {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command("git", "init", "-q")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git init: %v %s", err, out)
		}
	} else if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "entity.json"), []byte(`{"identifier": "x", "blueprint": "microservice"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, dir
}
