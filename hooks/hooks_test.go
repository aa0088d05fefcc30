package hooks

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// The foreign hook is kept by a second name for the very same file, so git
// finds a hook at the path at every moment of the install: the old one
// until ours replaces it in one rename.
func TestInstallKeepsTheForeignHookItself(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	hook := filepath.Join(dir, ".git", "hooks", "pre-commit")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\nexit 0\n"), 0o750); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(hook)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts := Options{IO: &cmdutil.IO{Out: &out, Err: &out, Dir: dir}, Binary: "port-gitops"}
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	kept, err := os.Stat(hook + PreviousSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, kept) || kept.Mode() != before.Mode() {
		t.Errorf("the kept hook is not the original file (mode %v, was %v)", kept.Mode(), before.Mode())
	}
	now, err := os.Stat(hook)
	if err != nil || os.SameFile(before, now) {
		t.Fatalf("our hook did not replace the foreign one at %s: %v", hook, err)
	}
}
