package gitdiff

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// WorkingTree compares, for the files that satisfy match, HEAD with the
// index and the index with the working tree, mapping the index file once:
// staged are the index's changes from HEAD (as StagedChanges), unstaged
// the indexed files whose working-tree content is not the index's (deleted,
// or changed), and tracked every indexed path that satisfies match, so that
// callers can tell untracked files.
//
// Like git, it trusts a file whose size and modification time are the ones
// the index recorded, and reads (and hashes) only the others, and those not
// older than the index file itself ("racy" entries, which stat data cannot
// tell apart: compared to the nanosecond where the file system keeps them).
// Reading goes through safefile: only regular files inside the work tree,
// a link is not followed (a link in git is not an entity file either).
func (r *Repo) WorkingTree(match func(path string) bool) (staged []Change, unstaged []string, tracked map[string]bool, err error) {
	if r.root == "" {
		return nil, nil, nil, errors.New("a bare repository has no working tree")
	}
	m, err := r.mapIndex("")
	if err != nil {
		return nil, nil, nil, err
	}
	defer m.release()
	idx, err := m.parse(nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if staged, err = r.stagedChanges(m, match); err != nil {
		return nil, nil, nil, err
	}
	root, err := safefile.NewRoot(r.root)
	if err != nil {
		return nil, nil, nil, err
	}
	tracked = map[string]bool{}
	for i, f := range idx.files {
		if match != nil && !match(f.Path) {
			continue
		}
		tracked[f.Path] = true
		p := filepath.Join(r.root, filepath.FromSlash(f.Path))
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
			unstaged = append(unstaged, f.Path)
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		st := idx.stats[i]
		mt := fi.ModTime()
		if uint32(fi.Size()) == st.size && uint32(mt.Unix()) == st.mtimeSec && uint32(mt.Nanosecond()) == st.mtimeNsec && mt.Before(idx.mtime) {
			continue // clean by its stat data
		}
		data, err := root.ReadFile(p, safefile.MaxEntityFile)
		if err != nil || BlobHash(data) != f.Hash {
			unstaged = append(unstaged, f.Path)
		}
	}
	return staged, unstaged, tracked, nil
}
