package gitdiff

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// Staged returns the files the next commit would contain, read from the
// repository's index (.git/index, or the linked worktree's own): path and
// blob of every entry that satisfies match (nil selects all), sorted by
// path. Content is what was staged, not what is in the working tree; read
// it with ReadBlob (git add writes the blobs before the hook runs).
//
// Left out: entries with a merge conflict (stages 1 to 3; git refuses to
// commit while they exist), intent-to-add entries (git add -N: no content
// staged yet), symbolic links and submodules. A file whose deletion is
// staged is not in the index, so it is not listed. Entries outside a
// sparse checkout (skip-worktree) are listed: they are part of the commit.
//
// Staged reads the index directly and never compares it with the working
// tree, so its cost follows the size of the index only.
func (r *Repo) Staged(match func(path string) bool) ([]File, error) {
	if r.root == "" {
		return nil, errors.New("read index: a bare repository has no index")
	}
	return r.StagedIn(filepath.Join(r.gitDir, "index"), match)
}

// StagedIn is Staged for the index file at indexFile. git gives hooks the
// index a commit is being built in through GIT_INDEX_FILE (git commit -a,
// git commit <paths> use a temporary one); a caller that reads that
// variable passes its value here. A relative path is relative to Root,
// where git runs hooks. A missing file is an empty index.
func (r *Repo) StagedIn(indexFile string, match func(path string) bool) ([]File, error) {
	if !filepath.IsAbs(indexFile) && r.root != "" {
		indexFile = filepath.Join(r.root, indexFile)
	}
	data, err := os.ReadFile(indexFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	idx, err := decodeIndex(data)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", indexFile, err)
	}
	var files []File
	for _, e := range idx.Entries {
		// Stage 0 is a merged entry; go-git's index.Merged constant is 1, so
		// compare with the number.
		if e.Stage != 0 || e.IntentToAdd || uint32(e.Mode)&modeTypeMask != modeFile {
			continue
		}
		if match == nil || match(e.Name) {
			files = append(files, File{Path: e.Name, Hash: e.Hash})
		}
	}
	if !slices.IsSortedFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	}
	return files, nil
}

// decodeIndex decodes an index file. git 2.40 and later may skip the
// trailing checksum (index.skipHash, part of feature.manyFiles) and write
// zeros instead; go-git insists on it, so it is filled in first.
func decodeIndex(data []byte) (*index.Index, error) {
	const sumLen = sha1.Size
	if len(data) > sumLen {
		body, trailer := data[:len(data)-sumLen], data[len(data)-sumLen:]
		if bytes.Equal(trailer, make([]byte, sumLen)) {
			sum := sha1.Sum(body)
			patched := make([]byte, 0, len(data))
			patched = append(append(patched, body...), sum[:]...)
			data = patched
		}
	}
	idx := &index.Index{}
	err := index.NewDecoder(bytes.NewReader(data)).Decode(idx)
	switch {
	case errors.Is(err, index.ErrUnknownExtension):
		return nil, fmt.Errorf("%w: the index is a split index or a sparse index, which port-gitops cannot read; "+
			"convert it with `git update-index --no-split-index` or `git sparse-checkout reapply --no-sparse-index`", ErrUnsupportedRepository)
	case errors.Is(err, index.ErrUnsupportedVersion):
		return nil, fmt.Errorf("%w: index version is not 2, 3 or 4", ErrUnsupportedRepository)
	case err != nil:
		return nil, err
	}
	return idx, nil
}
