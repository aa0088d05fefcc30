package gitdiff

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/port-gitops/port-gitops/internal/parallel"
)

// Diff returns the files whose content differs between commits base and
// head, sorted by path. Only regular and executable files count: a symbolic
// link or submodule is ignored, so a file that replaces one is an addition.
// A change of the executable bit alone is no change. Renames are not
// detected: a move is a deletion and an addition. match selects paths (nil
// selects all); it is called only for files that changed.
//
// base may be ZeroHash, the empty tree: every file of head is then an
// addition (a root commit, a first or full sync). So may head: every file of
// base is then a deletion. Only the two commits and
// their trees are read, never the history between them, so Diff works in a
// shallow clone that holds both commits; a commit or tree it lacks is a
// *MissingObjectError.
func (r *Repo) Diff(base, head Hash, match func(path string) bool) ([]Change, error) {
	return r.DiffEach(base, head, match, nil)
}

// DiffEach is Diff that also calls each (when not nil) with every change as
// the walk finds it, in no particular order, before Diff returns them all.
// each runs while the Repo is locked: it may call Prefetch, and no other
// method of the Repo.
func (r *Repo) DiffEach(base, head Hash, match func(path string) bool, each func(Change)) ([]Change, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	baseTree, err := r.commitTree(base)
	if err != nil {
		return nil, fmt.Errorf("diff %s %s: %w", short(base), short(head), err)
	}
	headTree, err := r.commitTree(head)
	if err != nil {
		return nil, fmt.Errorf("diff %s %s: %w", short(base), short(head), err)
	}
	changes, err := r.diffTrees(baseTree, headTree, match, each)
	if err != nil {
		return nil, fmt.Errorf("diff %s %s: %w", short(base), short(head), err)
	}
	return changes, nil
}

// DiffTrees is Diff for two tree hashes; ZeroHash is the empty tree.
func (r *Repo) DiffTrees(base, head Hash, match func(path string) bool) ([]Change, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changes, err := r.diffTrees(base, head, match, nil)
	if err != nil {
		return nil, fmt.Errorf("diff trees %s %s: %w", short(base), short(head), err)
	}
	return changes, nil
}

// Files returns every regular or executable file of commit's tree whose path
// satisfies match (nil selects all), sorted by path: what a full sync reads.
func (r *Repo) Files(commit Hash, match func(path string) bool) ([]File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tree, err := r.commitTree(commit)
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", short(commit), err)
	}
	var files []File
	err = r.walkTree("", tree, func(path string, h Hash) {
		if match == nil || match(path) {
			files = append(files, File{Path: path, Hash: h})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", short(commit), err)
	}
	if !slices.IsSortedFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	}
	return files, nil
}

// Has reports whether commit's tree holds path (slash-separated): a file,
// or a directory with something in it. It reads only the trees on the way
// to path, however large the repository.
func (r *Repo) Has(commit Hash, path string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	found, err := r.entryAt(commit, path)
	if err != nil || found == nil {
		return false, err
	}
	return found.isTree() || found.isFile(), nil
}

// commitTree returns the tree of commit h; ZeroHash gives the empty tree.
// r.mu must be held.
func (r *Repo) commitTree(h Hash) (Hash, error) {
	if h.IsZero() {
		return ZeroHash, nil
	}
	c, err := r.loadCommit(h)
	if err != nil {
		return ZeroHash, err
	}
	return c.tree, nil
}

// diffTrees walks the two trees side by side in git's entry order and
// descends only into subtrees whose hashes differ, so the cost follows the
// size of the change, not of the repository. r.mu must be held.
func (r *Repo) diffTrees(base, head Hash, match func(string) bool, each func(Change)) ([]Change, error) {
	var out []Change
	emit := func(path string, from, to Hash) {
		if match == nil || match(path) {
			out = append(out, Change{Path: path, From: from, To: to})
			if each != nil {
				each(out[len(out)-1])
			}
		}
	}
	// Trees read ahead, in parallel, when a directory has many changed
	// subdirectories.
	ahead := map[Hash][]treeEntry{}
	load := func(h Hash) ([]treeEntry, error) {
		if e, ok := ahead[h]; ok {
			return e, nil
		}
		return r.loadTree(h)
	}
	var walk func(prefix string, a, b Hash) error
	walk = func(prefix string, a, b Hash) error {
		if a == b {
			return nil
		}
		ea, err := load(a)
		if err != nil {
			return err
		}
		eb, err := load(b)
		if err != nil {
			return err
		}
		r.readAhead(ea, eb, ahead)
		i, j := 0, 0
		for i < len(ea) || j < len(eb) {
			var c int
			switch {
			case i == len(ea):
				c = 1
			case j == len(eb):
				c = -1
			default:
				c = compareEntries(&ea[i], &eb[j])
			}
			switch {
			case c < 0: // only in base: deleted
				e := &ea[i]
				i++
				if err := r.oneSide(prefix, e, func(p string, h Hash) { emit(p, h, ZeroHash) }); err != nil {
					return err
				}
			case c > 0: // only in head: added
				e := &eb[j]
				j++
				if err := r.oneSide(prefix, e, func(p string, h Hash) { emit(p, ZeroHash, h) }); err != nil {
					return err
				}
			default: // same name, both trees or both not
				x, y := &ea[i], &eb[j]
				i++
				j++
				if x.hash == y.hash && x.mode == y.mode {
					continue
				}
				if x.isTree() {
					if err := walk(prefix+string(x.name)+"/", x.hash, y.hash); err != nil {
						return err
					}
					continue
				}
				if from, to := x.fileHash(), y.fileHash(); from != to {
					emit(prefix+string(x.name), from, to)
				}
			}
		}
		return nil
	}
	if err := walk("", base, head); err != nil {
		return nil, err
	}
	if !slices.IsSortedFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) }) {
		slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	}
	return out, nil
}

// readAheadMin is how many changed subdirectories make readAhead worth
// its goroutines.
const readAheadMin = 16

// readAhead reads, in parallel, the trees of the subdirectories that
// differ between the entries of two trees (sorted as git sorts them),
// into ahead, when there are at least readAheadMin of them. Only the mapped
// packs and loose objects are read: a tree they do not hold, or cannot
// read, is left out, for the walk to read (and report) in order.
func (r *Repo) readAhead(ea, eb []treeEntry, ahead map[Hash][]treeEntry) {
	var want []Hash
	for i, j := 0, 0; i < len(ea) && j < len(eb); {
		switch c := compareEntries(&ea[i], &eb[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			if x, y := &ea[i], &eb[j]; x.isTree() && y.isTree() && x.hash != y.hash {
				want = append(want, x.hash, y.hash)
			}
			i++
			j++
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(want) < 2*readAheadMin || workers < 2 {
		return
	}
	got := make([][]treeEntry, len(want))
	parallel.For(len(want), workers, func(i int) {
		t, data, err := r.fast.read(want[i], -1)
		if err != nil || t != plumbing.TreeObject {
			return
		}
		if entries, err := parseTree(data); err == nil {
			got[i] = entries
		}
	})
	for i, h := range want {
		if got[i] != nil {
			ahead[h] = got[i]
		}
	}
}

// oneSide reports the files of an entry present on one side only: the entry
// itself if it is a file, every file below it if it is a tree.
func (r *Repo) oneSide(prefix string, e *treeEntry, fn func(path string, h Hash)) error {
	switch {
	case e.isTree():
		return r.walkTree(prefix+string(e.name)+"/", e.hash, fn)
	case e.isFile():
		fn(prefix+string(e.name), e.hash)
	}
	return nil
}

// walkTree calls fn for every regular or executable file below tree h, in
// path order. r.mu must be held.
func (r *Repo) walkTree(prefix string, h Hash, fn func(path string, h Hash)) error {
	entries, err := r.loadTree(h)
	if err != nil {
		return err
	}
	for i := range entries {
		if err := r.oneSide(prefix, &entries[i], fn); err != nil {
			return err
		}
	}
	return nil
}

// short abbreviates a hash for error messages; MissingObjectError carries the
// full one.
func short(h Hash) string {
	if h.IsZero() {
		return "(empty tree)"
	}
	return h.String()[:12]
}
