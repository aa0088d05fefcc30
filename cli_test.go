package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

func TestInterspersedFlags(t *testing.T) {
	app := newApp(&cmdutil.IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
	cases := []struct{ in, want []string }{
		{[]string{"validate", "a.json", "--format", "json"}, []string{"validate", "--format", "json", "a.json"}},
		{[]string{"validate", "a.json", "--format=json", "b.json"}, []string{"validate", "--format=json", "a.json", "b.json"}},
		{[]string{"validate", "--staged", "a.json", "--quiet-typo"}, []string{"validate", "--staged", "--quiet-typo", "a.json"}},
		{[]string{"validate", "a.json", "--", "--format"}, []string{"validate", "a.json", "--", "--format"}},
		{[]string{"blueprints", "pull", "microservice", "--check"}, []string{"blueprints", "pull", "--check", "microservice"}},
		{[]string{"--help"}, []string{"--help"}},
		{[]string{"nonsense", "--x"}, []string{"nonsense", "--x"}},
	}
	for _, c := range cases {
		got := interspersed(app, append([]string{"port-gitops"}, c.in...))[1:]
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("interspersed(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// interspersed's shortcut (nothing to move when no flag follows a word)
// gives what moving the flags gives, for every sequence of validate's
// flags, values and words up to four long.
func TestInterspersedShortcut(t *testing.T) {
	app := newApp(&cmdutil.IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
	leaf := findCommand(app.Commands, "validate")
	pieces := []string{"--format", "json", "--staged", "-", "--", "--format=json", "a.json", "--nope"}
	var seq func(prefix []string, n int)
	checked, shortcuts := 0, 0
	seq = func(prefix []string, n int) {
		args := append([]string{"port-gitops", "validate"}, prefix...)
		got := interspersed(app, args)
		want := moveFlags(leaf, []string{"port-gitops", "validate"}, prefix)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("interspersed(%q) = %q, moving the flags gives %q", prefix, got, want)
		}
		checked++
		if !flagAfterWord(prefix) {
			shortcuts++
		}
		if n == 0 {
			return
		}
		for _, p := range pieces {
			seq(append(slices.Clone(prefix), p), n-1)
		}
	}
	seq(nil, 4)
	if shortcuts == 0 || shortcuts == checked {
		t.Fatalf("%d of %d sequences took the shortcut", shortcuts, checked)
	}
}

func TestFlagAfterFileIsAFlag(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "entity.json")
	if err := os.WriteFile(f, []byte(`{"identifier": "a", "blueprint": "nope"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runArgs(t, dir, "validate", "entity.json", "--format", "json")
	if strings.Contains(errOut, "no such file") || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Fatalf("exit %d; --format after the file was not taken as a flag:\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestUnknownFlagSuggests(t *testing.T) {
	code, _, errOut := runArgs(t, t.TempDir(), "validate", "--formt", "json")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "unknown flag --formt (did you mean --format?)") {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
}

func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		code, out, errOut := runArgs(t, t.TempDir(), args...)
		if code != 0 || !strings.HasPrefix(out, "port-gitops ") {
			t.Errorf("%v: exit %d, out %q, err %q", args, code, out, errOut)
		}
	}
	if code, _, _ := runArgs(t, t.TempDir(), "version", "extra"); code != cmdutil.ExitUsage {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

func TestInterruptedExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "entity.json"), []byte(`{"identifier": "a", "blueprint": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(string) string { return "" }}
	code := runWith(ctx, io, []string{"port-gitops", "validate"})
	if code != cmdutil.ExitInterrupted || !strings.Contains(errOut.String(), "interrupted") {
		t.Fatalf("exit %d, want 130; stderr: %s", code, errOut.String())
	}
}

func TestTermDumbMeansNoColour(t *testing.T) {
	env := map[string]string{"TERM": "dumb"}
	io := &cmdutil.IO{IsTerminal: true, Getenv: func(k string) string { return env[k] }}
	if on, _ := cmdutil.UseColor("auto", io); on {
		t.Fatal("TERM=dumb on a terminal: colour on")
	}
	env["TERM"] = "xterm"
	if on, _ := cmdutil.UseColor("auto", io); !on {
		t.Fatal("TERM=xterm on a terminal: colour off")
	}
}

func TestHelpConventions(t *testing.T) {
	code, out, errOut := runArgs(t, t.TempDir(), "help", "blueprints", "pull")
	if code != 0 || !strings.Contains(out, "port-gitops blueprints pull -") {
		t.Fatalf("help blueprints pull: exit %d, shows:\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"validate", "--help"}, {"sync", "--help"}, {"blueprints", "pull", "--help"}} {
		code, out, _ := runArgs(t, t.TempDir(), args...)
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, bad := range []string{"(default: false)", " value "} {
			if strings.Contains(out, bad) {
				t.Errorf("%v: help contains %q:\n%s", args, bad, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Count(line, "(default:") > 1 {
				t.Errorf("%v: two defaults on one line: %s", args, line)
			}
		}
		if !strings.Contains(out, "\nEXAMPLES:\n   port-gitops ") {
			t.Errorf("%v: no EXAMPLES section:\n%s", args, out)
		}
	}
}

// A fixed soft memory limit below what one big entity file needs alive makes
// the collector run continuously; validate sets none.
func TestValidateSetsNoMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	gc := debug.SetGCPercent(100)
	defer debug.SetGCPercent(gc)
	tuneGCForValidate(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("validate set a soft memory limit of %d bytes", got)
	}
	if got := debug.SetGCPercent(100); got != 200 {
		t.Fatalf("GOGC %d, want 200", got)
	}
}
