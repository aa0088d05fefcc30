package blueprints

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// pullDeadline is p.pull that fails the test if it runs over 10s.
func pullDeadline(t *testing.T, p *pullEnv, mod func(*Options)) (string, error) {
	t.Helper()
	type res struct {
		out string
		err error
	}
	done := make(chan res, 1)
	go func() { out, _, err := p.pull(mod); done <- res{out, err} }()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("blueprints pull still running after 10s")
		return "", nil
	}
}

// Pull with no IDs reads the entity files to see which blueprints they
// use: a FIFO, a link to /dev/zero or a link leaving the repository is
// skipped, never read, and a FIFO in the cache does not stall the compare.
func TestPullReadsOnlyRegularFilesInside(t *testing.T) {
	p := setup(t)
	if err := syscall.Mkfifo(filepath.Join(p.dir, "svc", "pipe.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for name, target := range map[string]string{"zero": "/dev/zero", "pipe": "../svc/pipe.json"} {
		if err := os.MkdirAll(filepath.Join(p.dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(p.dir, name, "entity.json")); err != nil {
			t.Skipf("symlink: %v", err)
		}
	}
	outside := filepath.Join(t.TempDir(), "entity.json")
	if err := os.WriteFile(outside, []byte(`{"identifier": "x", "blueprint": "other"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p.dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(p.dir, "out", "entity.json")); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(p.dir, ".port", "blueprints")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(cache, "service.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := pullDeadline(t, p, func(o *Options) { o.Check = true })
	if err == nil || !strings.Contains(out, "missing   service") {
		t.Fatalf("check against a FIFO in the cache: %v\n%s", err, out)
	}
	out, err = pullDeadline(t, p, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// "other" is named only by the file outside the repository.
	if p.cached("service") == "" || p.cached("other") != "" {
		t.Fatalf("pulled the wrong set:\n%s", out)
	}
}

// A blueprint cache that is a link leading outside the repository is not
// written to.
func TestPullNeverWritesThroughALinkOutside(t *testing.T) {
	p := setup(t)
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(p.dir, ".port"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(p.dir, ".port", "blueprints")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	out, err := pullDeadline(t, p, nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "leads outside the repository") {
		t.Fatalf("err=%v\n%s", err, out)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("wrote outside the repository: %v", ents)
	}
}
