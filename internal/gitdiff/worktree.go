package gitdiff

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Unstaged lists the files of the index that satisfy match and whose
// working-tree content is not what the index holds: deleted, or changed.
// Like git, it trusts a file whose size and modification time are the ones
// the index recorded, and reads (and hashes) only the others, and those
// not older than the index file itself ("racy" entries, which stat data
// cannot tell apart: compared to the nanosecond where the file system
// keeps them). It also returns every path of the
// index that satisfies match, so that callers can tell untracked files.
// Reading goes through safefile: only regular files inside the work tree,
// a link is not followed (a link in git is not an entity file either).
func (r *Repo) Unstaged(match func(path string) bool) (changed []string, tracked map[string]bool, err error) {
	if r.root == "" {
		return nil, nil, errors.New("a bare repository has no working tree")
	}
	idx, err := r.readIndex("", match)
	if err != nil {
		return nil, nil, err
	}
	root, err := safefile.NewRoot(r.root)
	if err != nil {
		return nil, nil, err
	}
	tracked = make(map[string]bool, len(idx.files))
	for i, f := range idx.files {
		tracked[f.Path] = true
		p := filepath.Join(r.root, filepath.FromSlash(f.Path))
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
			changed = append(changed, f.Path)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		st := idx.stats[i]
		mt := fi.ModTime()
		if uint32(fi.Size()) == st.size && uint32(mt.Unix()) == st.mtimeSec && uint32(mt.Nanosecond()) == st.mtimeNsec && mt.Before(idx.mtime) {
			continue // clean by its stat data
		}
		data, err := root.ReadFile(p, safefile.MaxEntityFile)
		if err != nil || BlobHash(data) != f.Hash {
			changed = append(changed, f.Path)
		}
	}
	return changed, tracked, nil
}
