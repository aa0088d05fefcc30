package sync

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
)

// BenchmarkReferencingScan is the cost sync pays, per run in which a file
// other than an entity file changed, to find the entity files that
// reference a changed file: 10,000 entity files at HEAD, one in ten with a
// file:// value, one target changed (the tree diff, shared with the
// entity files' own, is left out).
//
//	go test ./sync -run '^$' -bench BenchmarkReferencingScan -benchtime 5x
func BenchmarkReferencingScan(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	dir := b.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=gc.auto", "GIT_CONFIG_VALUE_0=0") // gc only when asked
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	run("init", "-q")
	write(".port/gitops.yaml", "entities:\n  - files: \"services/**/entity.json\"\n    blueprint: service\n")
	write(".port/blueprints/service.json", svcBP)
	const n = 10000
	for i := range n {
		body := svc(fmt.Sprintf("s%05d", i), "standard")
		if i%10 == 0 {
			body = fmt.Sprintf(`{"identifier": "s%05d", "properties": {"tier": "file://./tier.txt"}}`, i)
			write(fmt.Sprintf("services/s%05d/tier.txt", i), "standard")
		}
		write(fmt.Sprintf("services/s%05d/entity.json", i), body)
	}
	run("add", "-A")
	run("commit", "-qm", "base")
	write("services/s00010/tier.txt", "critical")
	run("commit", "-qam", "one target")
	run("gc", "-q") // a clone is packed

	cfg, err := config.Load(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	repo, err := gitdiff.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer repo.Close()
	base, _ := repo.Resolve("HEAD~1")
	head, _ := repo.Resolve("HEAD")
	s := &syncer{cfg: cfg, repo: repo}
	// The tree diff is the one sync runs for the entity files anyway.
	other, err := repo.Diff(base, head, func(p string) bool { _, _, ok := s.match(p); return !ok })
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := s.referencing(other, head, map[string]bool{})
		if err != nil || len(got) != 1 || got[0].Path != "services/s00010/entity.json" {
			b.Fatalf("got %v, %v", got, err)
		}
	}
}
