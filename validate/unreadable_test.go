package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/report"
)

// An entity file, a blueprint cache or a configuration that cannot be read
// all mean "could not run" (exit 3); a mistake in the configuration stays a
// usage error (exit 2).
func TestUnreadableMeansCouldNotRun(t *testing.T) {
	err := unreadable([]report.Finding{{File: "a/entity.json", Rule: "file"}, {File: "b/entity.json", Rule: "enum"}})
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitRun {
		t.Fatalf("one unreadable file: %v (exit %d), want exit 3", err, cmdutil.ExitCode(err))
	}
	if unreadable([]report.Finding{{Rule: "enum"}, {Rule: "not-regular-file"}}) != nil {
		t.Fatal("findings that are not read errors made the run 'could not run'")
	}
	if os.Geteuid() == 0 {
		// root reads files whatever their mode: only the mapping above can be
		// checked here.
		t.Log("running as root: unreadable files cannot be made; the end-to-end part is skipped")
		return
	}
	dir := repo(t, map[string]string{
		".port/blueprints/svc.json": `{"identifier": "svc", "schema": {"properties": {}}}`,
		"a/entity.json":             `{"identifier": "a", "blueprint": "svc"}`,
		".port/gitops.yaml":         "entities:\n  - files: \"**/entity.json\"\n",
	})
	for _, p := range []string{"a/entity.json", ".port/gitops.yaml"} {
		full := filepath.Join(dir, p)
		if err := os.Chmod(full, 0); err != nil {
			t.Fatal(err)
		}
		r := runIn(t, dir, Options{})
		if code := cmdutil.ExitCode(r.err); code != cmdutil.ExitRun || !strings.Contains(r.err.Error()+r.out, "read") {
			t.Errorf("%s unreadable: exit %d (%v), want 3\n%s", p, code, r.err, r.out)
		}
		if err := os.Chmod(full, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
