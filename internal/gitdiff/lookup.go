package gitdiff

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ErrNotFile means a path names something other than a regular or
// executable file: a directory, a symbolic link or a submodule.
var ErrNotFile = errors.New("not a regular file")

// Lookup returns the blob of the regular or executable file at path
// (slash-separated) in commit's tree. It reads only the trees on the way to
// path. A path that is not there is fs.ErrNotExist; a directory, a symbolic
// link (never followed) or a submodule is ErrNotFile, with what it is.
func (r *Repo) Lookup(commit Hash, path string) (Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	found, err := r.entryAt(commit, path)
	switch {
	case err != nil:
		return ZeroHash, err
	case found == nil:
		return ZeroHash, fs.ErrNotExist
	case found.isFile():
		return found.fileHash(), nil
	case found.isTree():
		return ZeroHash, fmt.Errorf("%w: a directory", ErrNotFile)
	case found.mode&modeTypeMask == 0o120000:
		return ZeroHash, fmt.Errorf("%w: a symbolic link (links in git are never followed)", ErrNotFile)
	}
	return ZeroHash, fmt.Errorf("%w: a submodule", ErrNotFile)
}

// entryAt returns the entry at path (slash-separated) in commit's tree, or
// nil when there is none, reading only the trees on the way to it. r.mu
// must be held.
func (r *Repo) entryAt(commit Hash, path string) (*treeEntry, error) {
	tree, err := r.commitTree(commit)
	if err != nil {
		return nil, fmt.Errorf("look up %s in %s: %w", path, short(commit), err)
	}
	parts := strings.Split(path, "/")
	for i, name := range parts {
		entries, err := r.loadTree(tree)
		if err != nil {
			return nil, fmt.Errorf("look up %s in %s: %w", path, short(commit), err)
		}
		var found *treeEntry
		for j := range entries {
			if string(entries[j].name) == name {
				found = &entries[j]
				break
			}
		}
		switch {
		case found == nil:
			return nil, nil
		case i == len(parts)-1:
			return found, nil
		case !found.isTree():
			return nil, nil
		}
		tree = found.hash
	}
	return nil, nil
}

// FileReader returns a function that reads the file at a path in commit's
// tree (slash-separated, below prefix, "" or "dir/"), of at most limit
// bytes: what a file:// value names, read from a commit and never from the
// working tree. A missing path is fs.ErrNotExist; a link is ErrNotFile.
func (r *Repo) FileReader(commit Hash, prefix string, limit int64) func(path string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		h, err := r.Lookup(commit, prefix+p)
		if err != nil {
			return nil, err
		}
		return r.ReadBlobMax(h, limit)
	}
}
