package validate

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// A pull request is hostile input: these tests put in the working tree what
// an attacker would, and each run has a deadline, so a hang fails the test.

const tierBlueprint = `{"identifier": "svc", "title": "Service",
 "schema": {"properties": {"tier": {"type": "string", "enum": ["a", "b"]}}}}`

// canary is a value that an enum finding would quote if the file holding it
// were read.
const canary = "sk_live_CANARY_4f1e"

// runDeadline is runIn that fails the test if the run takes over 10s.
func runDeadline(t *testing.T, dir string, opts Options) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runIn(t, dir, opts) }()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("validate %v still running after 10s", opts.Files)
		return result{}
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Skipf("symlink: %v", err)
	}
}

func TestFIFOEntityFileIsAFindingNotAHang(t *testing.T) {
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": tierBlueprint,
		"ok/entity.json":            `{"identifier": "ok", "blueprint": "svc"}`,
	})
	mkfifo(t, filepath.Join(root, "pipe", "entity.json"))
	want := "pipe/entity.json: error: not a regular file: a named pipe (FIFO) [not-regular-file]"
	for _, files := range [][]string{nil, {"pipe/entity.json"}, {"pipe"}} {
		r := runDeadline(t, root, Options{Files: files})
		if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, want) {
			t.Errorf("validate %v: err=%v\n%s", files, r.err, r.out)
		}
	}
}

func TestLinkToDevZeroAndOversizedFiles(t *testing.T) {
	root := repo(t, map[string]string{".port/blueprints/svc.json": tierBlueprint})
	symlink(t, "/dev/zero", filepath.Join(root, "zero", "entity.json"))
	// A sparse file just over the limit: large, but cheap to make.
	big := filepath.Join(root, "big", "entity.json")
	write(t, root, map[string]string{"big/entity.json": ""})
	if err := os.Truncate(big, 32<<20+1); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{nil, {"zero/entity.json", "big/entity.json"}} {
		r := runDeadline(t, root, Options{Files: files})
		for _, want := range []string{
			"zero/entity.json: error: not a regular file: a symbolic link that leads outside the repository",
			"big/entity.json: error: file too large: 32.0 MiB, more than the limit of 32 MiB [file-too-large]",
		} {
			if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, want) {
				t.Errorf("validate %v: lacks %q: err=%v\n%s", files, want, r.err, r.out)
			}
		}
	}
}

func TestLinksOutsideTheRepositoryAreNeverReadOrPrinted(t *testing.T) {
	outside := t.TempDir()
	secret := `{"identifier": "x", "blueprint": "svc", "properties": {"tier": "` + canary + `"}}`
	write(t, outside, map[string]string{"secret.json": secret, "entity.json": secret})
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": tierBlueprint,
		"real/data.json":            `{"identifier": "in", "blueprint": "svc", "properties": {"tier": "INREPO_VALUE"}}`,
	})
	symlink(t, filepath.Join(outside, "secret.json"), filepath.Join(root, "abs", "entity.json"))
	symlink(t, "../../"+filepath.Base(outside)+"/secret.json", filepath.Join(root, "rel", "entity.json"))
	symlink(t, outside, filepath.Join(root, "dirlink"))
	symlink(t, "../real/data.json", filepath.Join(root, "inside", "entity.json"))
	for _, format := range []string{"text", "json", "github", "sarif"} {
		for _, files := range [][]string{nil, {"abs/entity.json", "rel/entity.json", "dirlink/entity.json", "inside/entity.json"}} {
			r := runDeadline(t, root, Options{Format: format, Files: files})
			all := r.out + r.errOut
			if r.err != nil {
				all += r.err.Error()
			}
			if strings.Contains(all, canary) || strings.Contains(all, outside) {
				t.Errorf("%s %v: what lies outside the repository is printed:\n%s", format, files, all)
			}
			// A link inside the repository still works: its value is checked.
			if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "INREPO_VALUE") || !strings.Contains(r.out, "not-regular-file") {
				t.Errorf("%s %v: err=%v\n%s", format, files, r.err, r.out)
			}
		}
	}
	// A directory named on the command line that leads outside is not
	// walked: it is not an entity file, so it is skipped like any other.
	if r := runDeadline(t, root, Options{Files: []string{"dirlink"}}); r.err != nil || !strings.Contains(r.out, "0 files") {
		t.Errorf("dirlink: err=%v\n%s", r.err, r.out)
	}
}

func TestFilesStarStarMatchesOnlyRegularFilesOutsidePort(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml":         "entities:\n  - files: \"**\"\n    blueprint: svc\n",
		".port/blueprints/svc.json": tierBlueprint,
		"a/entity.json":             `{"identifier": "a"}`,
		"b/c/d.json":                `{"identifier": "d"}`,
	})
	if r := runDeadline(t, root, Options{}); r.err != nil || !strings.Contains(r.out, "2 files, 2 entities") {
		t.Fatalf("err=%v\n%s", r.err, r.out)
	}
	// Named, the configuration and the cache are still not entity files.
	r := runDeadline(t, root, Options{Files: []string{".port/gitops.yaml", ".port/blueprints/svc.json", "b"}})
	if r.err != nil || !strings.Contains(r.out, "1 file, 1 entity") {
		t.Fatalf("named: err=%v\n%s", r.err, r.out)
	}
}

// In git a symbolic link is a link: with --staged it is not an entity file
// (git's mode 120000), so its target is never read.
func TestStagedSymlinkIsNotFollowed(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	outside := t.TempDir()
	write(t, outside, map[string]string{"secret.json": `{"identifier": "x", "blueprint": "svc", "properties": {"tier": "` + canary + `"}}`})
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json": tierBlueprint,
		"ok/entity.json":            `{"identifier": "ok", "blueprint": "svc"}`,
	})
	symlink(t, filepath.Join(outside, "secret.json"), filepath.Join(root, "link", "entity.json"))
	git(t, root, "add", ".")
	for _, files := range [][]string{nil, {"link/entity.json", "ok/entity.json"}} {
		r := runDeadline(t, root, Options{Staged: true, Files: files})
		if r.err != nil || strings.Contains(r.out, canary) || strings.Contains(r.out, "link/entity.json") || !strings.Contains(r.out, "1 file, 1 entity") {
			t.Errorf("--staged %v: err=%v\n%s", files, r.err, r.out)
		}
	}
}

// A cached blueprint is repository content too: a $ref to a FIFO is a
// broken blueprint at the $ref's line and column, exit 2, and is never
// opened.
func TestCachedBlueprintRefOutsideIsExit2(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "schema.json")
	mkfifo(t, fifo)
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": "{\"identifier\": \"svc\",\n \"schema\": {\"properties\": {\n  \"tier\": {\"$ref\": \"file://" + fifo + "\"}}}}",
		"a/entity.json":             `{"identifier": "a", "blueprint": "svc", "properties": {"tier": "x"}}`,
	})
	r := runDeadline(t, root, Options{})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.out, ".port/blueprints/svc.json:3:20: error: $ref") {
		t.Fatalf("err=%v\n%s", r.err, r.out)
	}
}

// A committed blob over the limit (40 MiB of zeros: git stores it in a few
// KiB) is a file-too-large finding, found from the object's header.
func TestStagedBlobOverTheLimit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{".port/blueprints/svc.json": tierBlueprint, "big/entity.json": ""})
	if err := os.Truncate(filepath.Join(root, "big", "entity.json"), 40<<20); err != nil {
		t.Fatal(err)
	}
	git(t, root, "add", ".")
	r := runDeadline(t, root, Options{Staged: true})
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "big/entity.json: error: file too large: 40 MiB, more than the limit of 32 MiB [file-too-large]") {
		t.Fatalf("err=%v\n%s", r.err, r.out)
	}
}
