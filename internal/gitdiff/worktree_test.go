package gitdiff

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// WorkingTree agrees with git status: changed and deleted files are listed, a
// file only touched is not (however its stat data moved), and every
// tracked path comes back.
func TestUnstagedAgreesWithGitStatus(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	for _, p := range []string{"a/entity.json", "b/entity.json", "c/entity.json", "d/entity.json", "README.md"} {
		writeFile(t, dir, p, `{"identifier": "`+p+`"}`)
	}
	commitAll(t, dir, "init")
	// Let the index be older than what follows, so nothing is "racy".
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, ".git", "index"), old, old); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a/entity.json", `{"identifier": "A"}`) // same size, other content
	if err := os.Remove(filepath.Join(dir, "b/entity.json")); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "c/entity.json"), later, later); err != nil { // touched only
		t.Fatal(err)
	}
	writeFile(t, dir, "e/entity.json", `{}`) // untracked
	r := openRepo(t, dir)
	_, changed, tracked, err := r.WorkingTree(func(p string) bool { return strings.HasSuffix(p, "entity.json") })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(changed)
	if want := []string{"a/entity.json", "b/entity.json"}; !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	status := git(t, dir, "status", "--porcelain", "--untracked-files=no")
	for _, p := range changed {
		if !strings.Contains(status, p) {
			t.Errorf("git status does not list %s:\n%s", p, status)
		}
	}
	if len(tracked) != 4 || !tracked["c/entity.json"] || tracked["e/entity.json"] || tracked["README.md"] {
		t.Errorf("tracked %v", tracked)
	}
}
