package gitdiff

import (
	"errors"
	"strings"
	"testing"
)

// The oracle is git merge-base, on a branch that forked, a main that moved
// on and merged another branch meanwhile, and a shallow clone.
func TestMergeBase(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, "a", "1")
	commitAll(t, dir, "root")
	writeFile(t, dir, "a", "2")
	fork := commitAll(t, dir, "fork point")
	git(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, dir, "b", "1")
	commitAll(t, dir, "feature 1")
	writeFile(t, dir, "b", "2")
	feature := commitAll(t, dir, "feature 2")
	git(t, dir, "checkout", "-q", "main")
	git(t, dir, "checkout", "-q", "-b", "other")
	writeFile(t, dir, "c", "1")
	commitAll(t, dir, "other")
	git(t, dir, "checkout", "-q", "main")
	writeFile(t, dir, "a", "3")
	commitAll(t, dir, "main moves on")
	git(t, dir, "merge", "-q", "--no-edit", "other")
	main := revParse(t, dir, "HEAD")

	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct{ a, b Hash }{{main, feature}, {feature, main}, {fork, feature}, {main, main}} {
		got, err := r.MergeBase(c.a, c.b)
		want := revParse(t, dir, strings.TrimSpace(git(t, dir, "merge-base", c.a.String(), c.b.String())))
		if err != nil || got != want {
			t.Errorf("MergeBase(%s, %s) = %s, %v; git says %s", short(c.a), short(c.b), short(got), err, short(want))
		}
	}

	// A shallow clone that does not reach the fork point says so.
	clone := initRepo(t)
	git(t, clone, "fetch", "-q", "--depth=1", "file://"+dir, "main", "feature")
	cr, err := Open(clone)
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	_, err = cr.MergeBase(main, feature)
	var m *MissingObjectError
	if !errors.As(err, &m) {
		t.Errorf("shallow clone: %v, want a *MissingObjectError saying how to fetch more", err)
	}
}
