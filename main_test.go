package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"port-gitops": main})
}

// scriptParams are shared by every testscript suite: the real binary, real
// git with a fixed identity, and the `exits` command.
func scriptParams(dir string) testscript.Params {
	return testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("GIT_AUTHOR_NAME", "Test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			env.Setenv("GIT_COMMITTER_NAME", "Test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("NO_COLOR", "")
			// A local Port for the scripts that talk to one.
			srv := porttest.New()
			env.Defer(srv.Close)
			for _, bp := range scriptBlueprints {
				if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
					return err
				}
			}
			env.Setenv("PORT_BASE_URL", srv.URL)
			env.Setenv("PORT_CLIENT_ID", srv.ClientID)
			env.Setenv("PORT_CLIENT_SECRET", srv.ClientSecret)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if tool, ok := strings.CutPrefix(cond, "tool:"); ok {
				_, err := exec.LookPath(tool)
				return err == nil, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N cmd args...: run cmd and require exit code N; its
			// stdout and stderr can be matched afterwards.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("%v", err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	}
}

// scriptBlueprints are the blueprints the scripts' Port knows.
var scriptBlueprints = []string{
	`{"identifier": "microservice", "title": "Microservice",
	  "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}, "url": {"type": "string", "format": "url"}}},
	  "relations": {"system": {"target": "system", "required": false, "many": false}}}`,
	`{"identifier": "system", "title": "System", "schema": {"properties": {"owner": {"type": "string"}}}, "relations": {}}`,
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, scriptParams("testdata/script"))
}

func runArgs(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(string) string { return "" }}
	code := runWith(context.Background(), io, append([]string{"port-gitops"}, args...))
	return code, out.String(), errOut.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"validate", "--no-such-flag"},
		{"validate", "--color", "sometimes"},
		{"validate", "--format", "yaml"},
		{"no-such-command"},
	}
	for _, args := range cases {
		code, _, errOut := runArgs(t, dir, args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want 2; stderr: %s", args, code, errOut)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack trace in stderr: %s", args, errOut)
		}
	}
}

func TestExitCodeMapping(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{cmdutil.ErrFindings, 1},
		{cmdutil.Usagef("bad"), 2},
		{errors.New("disk on fire"), 3},
	}
	for _, c := range cases {
		if got := cmdutil.ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := runArgs(t, t.TempDir(), "--help")
	if code != 0 || !strings.Contains(out, "validate") {
		t.Fatalf("exit %d, out: %s", code, out)
	}
	_ = os.Stdout
}

func TestCompletionScripts(t *testing.T) {
	checkers := map[string][]string{"bash": {"bash", "-n"}, "zsh": {"zsh", "-n"}, "fish": {"fish", "--no-execute"}, "powershell": {"pwsh", "-NoProfile", "-Command", "-"}}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := runArgs(t, t.TempDir(), "completion", shell)
		if code != 0 || !strings.Contains(out, "port-gitops __complete --cur=") && !strings.Contains(out, "__complete \"--cur=") {
			t.Fatalf("completion %s: exit %d\n%s%s", shell, code, out, errOut)
		}
		if n := strings.Count(out, "complete -c port-gitops"); shell == "fish" && n != 1 {
			t.Errorf("fish script has %d complete lines, want 1 (each command once)", n)
		}
		check := checkers[shell]
		if _, err := exec.LookPath(check[0]); err != nil {
			t.Logf("%s is not installed: the %s script's syntax is not checked", check[0], shell)
			continue
		}
		if shell == "powershell" {
			continue // parsing it would run it
		}
		cmd := exec.Command(check[0], check[1:]...)
		cmd.Stdin = strings.NewReader(out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s rejects the script: %v\n%s", check[0], err, msg)
		}
	}
	if code, _, _ := runArgs(t, t.TempDir(), "completion", "tcsh"); code != cmdutil.ExitUsage {
		t.Fatalf("unknown shell: exit %d, want 2", code)
	}
}

// Every command's --help (and `help CMD`) ends with its examples under an
// EXAMPLES heading, which is no longer part of the description above.
func TestEveryCommandHelpHasAnExample(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Name == "help" || c.Hidden {
				continue
			}
			p := append(slices.Clone(path), c.Name)
			for _, args := range [][]string{append(slices.Clone(p), "--help"), append([]string{"help"}, p...)} {
				code, out, errOut := runArgs(t, t.TempDir(), args...)
				if code != 0 {
					t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
					continue
				}
				heading := strings.Index(out, "\nEXAMPLES:\n")
				if heading < 0 || strings.Count(out, "\nEXAMPLES:\n") != 1 {
					t.Errorf("%s: no example under one EXAMPLES heading:\n%s", strings.Join(args, " "), out)
					continue
				}
				if strings.Contains(out[:heading], "Example:\n") || strings.Contains(out[:heading], "Examples:\n") {
					t.Errorf("%s: the examples are still in the description:\n%s", strings.Join(args, " "), out)
				}
				if !strings.Contains(out[heading:], "port-gitops ") {
					t.Errorf("%s: the EXAMPLES section has no command:\n%s", strings.Join(args, " "), out)
				}
				if lists := strings.Contains(out, "\nCOMMANDS:\n"); lists != (len(c.Subcommands) > 0) {
					t.Errorf("%s: a COMMANDS section %v, subcommands %d:\n%s", strings.Join(args, " "), lists, len(c.Subcommands), out)
				}
			}
			walk(p, c.Subcommands)
		}
	}
	app := newApp(&cmdutil.IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
	walk(nil, app.Commands)
}
