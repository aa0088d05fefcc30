package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// runEnv runs port-gitops in dir with env as its whole environment.
func runEnv(dir string, env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(k string) string { return env[k] }}
	code := runWith(context.Background(), io, append([]string{"port-gitops"}, args...))
	return code, out.String(), errOut.String()
}

// The flags shared by the commands that talk to Port are checked whatever
// the environment holds.
func TestPortFlagsAreChecked(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PORT_BASE_URL": "https://api.example.com", "PORT_CLIENT_ID": "i", "PORT_CLIENT_SECRET": "s"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sync", "--concurrency", "0"}, "--concurrency must be at least 1 (got 0)"},
		{[]string{"sync", "--concurrency", "-1"}, "--concurrency must be at least 1 (got -1)"},
		{[]string{"sync", "--region", "mars"}, `unknown Port region "mars"`},
		{[]string{"sync", "--dry-run", "--region", "mars"}, `unknown Port region "mars"`},
		{[]string{"blueprints", "pull", "--region", "mars"}, `unknown Port region "mars"`},
		{[]string{"sync", "--rate-limit-budget", "0s"}, "--rate-limit-budget"},
		{[]string{"blueprints", "pull", "--rate-limit-budget", "forever", "x"}, "--rate-limit-budget"},
	}
	for _, c := range cases {
		code, out, errOut := runEnv(dir, env, c.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 with %q\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
}

// A secret pasted into PORT_BASE_URL or --api-url (user information, a
// query) never reaches any output of pull or sync, in any format, nor does
// a secret with a trailing newline.
func TestPastedSecretsNeverPrinted(t *testing.T) {
	const canary = "canary-url-3e9f1d"
	srv, dir := canaryRepo(t)
	urls := []string{
		"https://user:" + canary + "@api.example.com",
		"https://" + canary + "@api.example.com/v1",
		"https://api.example.com/v1?token=" + canary,
		strings.Replace(srv.URL, "http://", "http://u:"+canary+"@", 1),
		srv.URL + "/?token=" + canary,
		srv.URL + "/#" + canary,
		"https://exa mple.com/?token=" + canary,
		"http://api.example.com/?token=" + canary,
	}
	commands := [][]string{
		{"blueprints", "pull", "--verbose"}, {"blueprints", "pull", "--check"}, {"blueprints", "pull", "--all"},
		{"sync", "--verbose"}, {"sync", "--format", "json"}, {"sync", "--dry-run", "--format", "json"}, {"sync", "--post-merge"},
	}
	for _, u := range urls {
		for _, args := range commands {
			for _, viaFlag := range []bool{false, true} {
				env := map[string]string{"PORT_BASE_URL": u, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": srv.ClientSecret}
				a := args
				if viaFlag {
					env["PORT_BASE_URL"] = srv.URL
					a = append(append([]string(nil), args...), "--api-url", u)
				}
				code, out, errOut := runEnv(dir, env, a...)
				if code != cmdutil.ExitUsage {
					t.Errorf("%v with %q: exit %d, want 2\n%s%s", a, u, code, out, errOut)
				}
				if strings.Contains(out+errOut, canary) {
					t.Errorf("%v with %q: the secret is printed:\n%s%s", a, u, out, errOut)
				}
			}
		}
	}
	// A secret with a newline pasted after it: dropped and named, not shown.
	env := map[string]string{"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": canary + "\n"}
	for _, args := range commands {
		_, out, errOut := runEnv(dir, env, args...)
		if strings.Contains(out+errOut, canary) {
			t.Errorf("%v: the secret is printed:\n%s%s", args, out, errOut)
		}
		if args[0] != "sync" || args[1] != "--post-merge" {
			if !strings.Contains(errOut, "PORT_CLIENT_SECRET ends with a newline") {
				t.Errorf("%v: stderr should say the newline was dropped:\n%s", args, errOut)
			}
		}
	}
}
