package validate

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

const docBlueprint = `{"identifier": "svc", "title": "Service",
 "schema": {"properties": {"readme": {"type": "string", "maxLength": 10}}}}`

// validate reads a file:// target from the working tree; --staged reads it
// from the index, whatever the working tree holds.
func TestFileRefWorkingTreeAndStaged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json": docBlueprint,
		"svc/entity.json":           "{\"identifier\": \"a\", \"blueprint\": \"svc\",\n \"properties\": {\"readme\": \"file://./README.md\"}}",
		"svc/README.md":             "short",
	})
	git(t, root, "add", ".")
	// The working tree's README is now too long; the staged one is fine.
	write(t, root, map[string]string{"svc/README.md": "far too long for ten"})

	r := runIn(t, root, Options{})
	want := `svc/entity.json:2:27: error: readme: is 20 characters long; at most 10 allowed (in the content of "file://./README.md", svc/README.md) [max-length]`
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, want) {
		t.Fatalf("working tree: err=%v\n%s\nwant %s", r.err, r.out, want)
	}
	if r := runIn(t, root, Options{Staged: true}); r.err != nil {
		t.Fatalf("--staged: err=%v\n%s", r.err, r.out)
	}
	// Removed from the index (but still in the working tree): --staged says
	// the target is missing.
	git(t, root, "rm", "-q", "-f", "--cached", "svc/README.md")
	r = runIn(t, root, Options{Staged: true})
	want = `svc/entity.json:2:27: error: property "readme": "file://./README.md": svc/README.md does not exist [file-reference]`
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, want) {
		t.Fatalf("--staged, target not staged: err=%v\n%s\nwant %s", r.err, r.out, want)
	}
	r = runIn(t, root, Options{Files: []string{"svc/entity.json"}})
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "[max-length]") {
		t.Fatalf("named file: err=%v\n%s", r.err, r.out)
	}
}
