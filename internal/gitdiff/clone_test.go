package gitdiff

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// threeCommits is a source repository for clones: a.json changes in every
// commit, old.json is deleted in the last one.
func threeCommits(t *testing.T) (src string, c []Hash) {
	t.Helper()
	src = initRepo(t)
	git(t, src, "config", "uploadpack.allowFilter", "true")
	git(t, src, "config", "uploadpack.allowAnySHA1InWant", "true")
	for i, v := range []string{"1", "2", "3"} {
		writeFile(t, src, "a.json", `{"v":`+v+`}`)
		if i < 2 {
			writeFile(t, src, "old.json", `{"old":true}`)
		} else {
			git(t, src, "rm", "-q", "old.json")
		}
		c = append(c, commitAll(t, src, "commit "+v))
	}
	return src, c
}

func TestShallowClone(t *testing.T) {
	t.Parallel()
	needGit(t)
	src, c := threeCommits(t)
	dir := filepath.Join(t.TempDir(), "shallow")
	git(t, "", "clone", "-q", "--depth=1", "file://"+src, dir)

	r := openRepo(t, dir)
	head, err := r.Resolve("HEAD")
	if err != nil || head != c[2] {
		t.Fatalf("Resolve(HEAD) = %s, %v", head, err)
	}
	if u := r.RemoteURL("origin"); u != "file://"+src {
		t.Errorf("RemoteURL(origin) = %q", u)
	}
	if got := r.Shallow(); len(got) != 1 || got[0] != head || !r.IsShallow(head) {
		t.Errorf("Shallow() = %v, IsShallow(HEAD) = %v", got, r.IsShallow(head))
	}

	// The parent is known, never "no parent": a shallow HEAD is no root.
	parent, ok, err := r.FirstParent(head)
	if err != nil || !ok || parent != c[1] {
		t.Fatalf("FirstParent(shallow HEAD) = %s, %v, %v; want %s, true", parent, ok, err, c[1])
	}

	// Loading it fails with the typed error and the fix.
	_, err = r.Diff(parent, head, nil)
	var missing *MissingObjectError
	if !errors.As(err, &missing) {
		t.Fatalf("Diff(parent, HEAD) error = %v, want *MissingObjectError", err)
	}
	if missing.Hash != parent || missing.Kind != "commit" || missing.Reason != ReasonShallow || missing.History {
		t.Errorf("MissingObjectError = %+v", missing)
	}
	msg := err.Error()
	for _, want := range []string{"git fetch --depth=1 origin " + parent.String(), "fetch-depth: 0", "GIT_DEPTH: 0", "shallow clone"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Error("MissingObjectError does not match plumbing.ErrObjectNotFound")
	}
	if strings.Contains(msg, "object not found") {
		t.Errorf("error is go-git's bare message: %q", msg)
	}

	// HEAD~1 names the same absent commit.
	if _, err := r.Resolve("HEAD~1"); !errors.As(err, &missing) || missing.Hash != parent || missing.Reason != ReasonShallow {
		t.Errorf("Resolve(HEAD~1) error = %v", err)
	}
	// Ancestry beyond the boundary is unknown, and says how to deepen.
	if _, err := r.IsAncestor(c[0], head); !errors.As(err, &missing) || !missing.History || missing.Hash != parent ||
		!strings.Contains(err.Error(), "git fetch --deepen") {
		t.Errorf("IsAncestor(beyond boundary) error = %v", err)
	}
	if ok, err := r.IsAncestor(head, head); err != nil || !ok {
		t.Errorf("IsAncestor(HEAD, HEAD) = %v, %v", ok, err)
	}
	// A full sync needs only HEAD.
	files, err := r.Files(head, nil)
	if err != nil || len(files) != 1 {
		t.Errorf("Files(HEAD) = %v, %v", files, err)
	}
	if _, err := r.Diff(ZeroHash, head, nil); err != nil {
		t.Errorf("Diff(empty tree, HEAD): %v", err)
	}
	r.Close()

	// The fix works: fetch the base commit alone, and the diff runs.
	git(t, dir, "fetch", "-q", "--depth=1", "origin", parent.String())
	r = openRepo(t, dir)
	changes, err := r.Diff(parent, head, nil)
	if err != nil {
		t.Fatalf("Diff after fetching the base: %v", err)
	}
	if oracle := oracleDiff(t, src, parent, head); !sameChanges(changes, oracle) {
		t.Errorf("Diff:\n%sgit diff-tree:\n%s", formatChanges(changes), formatChanges(oracle))
	}
	if len(changes) != 2 {
		t.Errorf("want a.json modified and old.json deleted:\n%s", formatChanges(changes))
	}
	// Both are shallow now; the base itself is still no root commit.
	if !r.IsShallow(parent) {
		t.Error("fetched base is not shallow")
	}
	if p, ok, err := r.FirstParent(parent); err != nil || !ok || p != c[0] {
		t.Errorf("FirstParent(fetched base) = %s, %v, %v", p, ok, err)
	}
	// Ancestry across the two shallow commits is known; "is HEAD older
	// than the base" is answered without more history.
	if ok, err := r.IsAncestor(parent, head); err != nil || !ok {
		t.Errorf("IsAncestor(base, HEAD) = %v, %v", ok, err)
	}
	if ok, err := r.IsAncestor(head, parent); err != nil || ok {
		t.Errorf("IsAncestor(HEAD, base) = %v, %v; want false, nil", ok, err)
	}
}

func TestShallowCloneDepth(t *testing.T) {
	t.Parallel()
	needGit(t)
	src, c := threeCommits(t)
	dir := filepath.Join(t.TempDir(), "depth2")
	git(t, "", "clone", "-q", "--depth=2", "file://"+src, dir)
	r := openRepo(t, dir)
	if ok, err := r.IsAncestor(c[1], c[2]); err != nil || !ok {
		t.Errorf("IsAncestor inside the history held = %v, %v", ok, err)
	}
	if h, err := r.Resolve("HEAD~1"); err != nil || h != c[1] {
		t.Errorf("Resolve(HEAD~1) = %s, %v", h, err)
	}
	if ok, err := r.IsAncestor(c[2], c[1]); err != nil || ok {
		t.Errorf("IsAncestor(HEAD, HEAD~1) = %v, %v; want false, nil", ok, err)
	}
	var missing *MissingObjectError
	if _, err := r.Resolve("HEAD~2"); !errors.As(err, &missing) || missing.Hash != c[0] {
		t.Errorf("Resolve(HEAD~2) error = %v", err)
	}
	if _, err := r.Resolve(c[0].String()[:8]); !errors.Is(err, ErrUnknownRevision) || !strings.Contains(err.Error(), "shallow") {
		t.Errorf("short hash beyond the boundary: %v", err)
	}
}

func TestPartialClone(t *testing.T) {
	t.Parallel()
	needGit(t)
	src, c := threeCommits(t)
	dir := filepath.Join(t.TempDir(), "partial")
	git(t, "", "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dir)
	if v := strings.TrimSpace(git(t, dir, "config", "remote.origin.promisor")); v != "true" {
		t.Fatalf("remote.origin.promisor = %q", v)
	}
	r := openRepo(t, dir)

	// Trees are there: the diff works without any blob.
	changes, err := r.Diff(c[0], c[2], nil)
	if err != nil {
		t.Fatal(err)
	}
	if oracle := oracleDiff(t, src, c[0], c[2]); !sameChanges(changes, oracle) {
		t.Errorf("Diff:\n%sgit diff-tree:\n%s", formatChanges(changes), formatChanges(oracle))
	}

	// The deleted file's old blob is needed for its identifier, and absent.
	var deleted Hash
	for _, ch := range changes {
		if ch.Path == "old.json" {
			deleted = ch.From
		}
	}
	_, err = r.ReadBlob(deleted)
	var missing *MissingObjectError
	if !errors.As(err, &missing) {
		t.Fatalf("ReadBlob(old blob) error = %v, want *MissingObjectError", err)
	}
	if missing.Hash != deleted || missing.Kind != "blob" || missing.Reason != ReasonPartial {
		t.Errorf("MissingObjectError = %+v", missing)
	}
	for _, want := range []string{"partial clone", "git cat-file -e " + deleted.String(), "origin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	r.Close()

	// The fix works: git fetches the blob from the promisor remote.
	git(t, dir, "cat-file", "-e", deleted.String())
	r = openRepo(t, dir)
	data, err := r.ReadBlob(deleted)
	if err != nil || string(data) != `{"old":true}` {
		t.Errorf("ReadBlob after the fix = %q, %v", data, err)
	}
}

func TestMissingInCompleteClone(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir, _, c2 := twoCommits(t)
	r := openRepo(t, dir)
	absent := blob("never stored")
	for _, tc := range []struct {
		name string
		call func() error
		kind string
	}{
		{"Diff base", func() error { _, err := r.Diff(absent, c2, nil); return err }, "commit"},
		{"ReadBlob", func() error { _, err := r.ReadBlob(absent); return err }, "blob"},
		{"DiffTrees", func() error { _, err := r.DiffTrees(absent, ZeroHash, nil); return err }, "tree"},
	} {
		err := tc.call()
		var missing *MissingObjectError
		if !errors.As(err, &missing) || missing.Reason != ReasonNotFound || missing.Kind != tc.kind {
			t.Errorf("%s: error = %v, want *MissingObjectError{%s, not found}", tc.name, err, tc.kind)
			continue
		}
		if !strings.Contains(err.Error(), "git fetch origin "+absent.String()) {
			t.Errorf("%s: error %q gives no fix", tc.name, err)
		}
	}
}
