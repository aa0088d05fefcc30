package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// commandLines returns every port-gitops invocation in a CI file: its shell
// steps (run: in GitHub Actions, script: and before_script: in GitLab CI)
// and the steps that use the port-gitops action (command and args).
func commandLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var shell []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if uses, _ := x["uses"].(string); strings.HasPrefix(uses, actionRef) {
				// A step of the port-gitops action runs "port-gitops
				// <command> <args>"; its inputs must be the action's.
				with, _ := x["with"].(map[string]any)
				for k := range with {
					if !actionInputs(t)[k] {
						t.Errorf("%s: the port-gitops action has no input %q", path, k)
					}
				}
				cmd, _ := with["command"].(string)
				if cmd == "" {
					cmd = "validate"
				}
				args, _ := with["args"].(string)
				shell = append(shell, strings.TrimSpace("port-gitops "+cmd+" "+args))
			}
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			if key == "run" || key == "script" || key == "before_script" {
				shell = append(shell, strings.Split(x, "\n")...)
			}
		}
	}
	walk("", doc)
	sep := regexp.MustCompile(`\|\||&&|[|;()>]`)
	var lines []string
	for _, l := range shell {
		for _, part := range sep.Split(l, -1) {
			part = strings.TrimSpace(part)
			if strings.HasPrefix(part, "port-gitops ") {
				lines = append(lines, part)
			}
		}
	}
	return lines
}

// actionRef is how workflows name the port-gitops action.
const actionRef = "port-gitops/port-gitops@"

// actionInputs returns the inputs action.yml declares.
func actionInputs(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
		Runs   struct {
			Using string `yaml:"using"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil || action.Runs.Using != "composite" {
		t.Fatalf("action.yml: not a composite action: %v", err)
	}
	out := map[string]bool{}
	for k := range action.Inputs {
		out[k] = true
	}
	return out
}

// parseOnly makes every command's action a no-op, so running the app only
// checks that the flags and arguments parse.
func parseOnly(cmds []*cli.Command) {
	for _, c := range cmds {
		if c.Action != nil {
			c.Action = func(*cli.Context) error { return nil }
		}
		c.Before = nil
		parseOnly(c.Subcommands)
	}
}

// The CI examples in examples/ci must run with this binary's flags, so they
// cannot rot as the command line changes.
func TestCIExamplesParse(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("examples", "ci", "*.yml"))
	if len(files) < 2 {
		t.Fatalf("want the GitHub and GitLab examples in examples/ci, found %v", files)
	}
	for _, f := range files {
		lines := commandLines(t, f)
		if len(lines) < 2 {
			t.Fatalf("%s: found only %v", f, lines)
		}
		for _, l := range lines {
			var out, errOut bytes.Buffer
			io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: t.TempDir(), Getenv: func(string) string { return "" }}
			app := newApp(io)
			parseOnly(app.Commands)
			err := app.RunContext(context.Background(), strings.Fields(l))
			if err != nil || errOut.Len() > 0 {
				t.Errorf("%s: %q does not parse: %v %s", f, l, err, errOut.String())
			}
		}
	}
}

// The example catalog's exported editor schemas are current with its
// blueprint cache (as `schemas export --check` in CI would say).
func TestExampleSchemasCurrent(t *testing.T) {
	dir, err := filepath.Abs("examples")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runArgs(t, dir, "schemas", "export", "--check")
	if code != 0 || !strings.Contains(out, "the exported schemas are current (3 blueprints)") {
		t.Fatalf("exit %d: run port-gitops schemas export in examples/\n%s%s", code, out, errOut)
	}
}
