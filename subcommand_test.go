package main

import (
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// A mistyped subcommand is a usage error with a suggestion, never a silent
// success (a typo in a CI drift check would pass forever).
func TestUnknownSubcommandExits2WithSuggestion(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"hooks", "instal"}, `unknown command "instal" for "port-gitops hooks" (did you mean "install"?)`},
		{[]string{"hooks", "unistall"}, `unknown command "unistall" for "port-gitops hooks" (did you mean "uninstall"?)`},
		{[]string{"blueprints", "pul", "--check"}, `unknown command "pul" for "port-gitops blueprints" (did you mean "pull"?)`},
		{[]string{"valdate"}, `unknown command "valdate" for "port-gitops" (did you mean "validate"?)`},
		{[]string{"hooks", "frobnicate"}, `unknown command "frobnicate" for "port-gitops hooks" (run port-gitops hooks --help)`},
	}
	for _, c := range cases {
		code, out, errOut := runArgs(t, t.TempDir(), c.args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want 2; stdout %q, stderr %q", c.args, code, out, errOut)
		}
		if !strings.Contains(errOut, c.want) {
			t.Errorf("%v: stderr %q, want it to contain %q", c.args, errOut, c.want)
		}
	}
}

// The parent commands alone still show their help and exit 0.
func TestParentCommandAloneShowsHelp(t *testing.T) {
	for _, args := range [][]string{{"hooks"}, {"blueprints"}, {"hooks", "--help"}} {
		code, out, errOut := runArgs(t, t.TempDir(), args...)
		if code != 0 || !strings.Contains(out, "USAGE") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
