package validate

import (
	"fmt"
	"io/fs"
	"sync"

	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// worktreeRefs reads file:// targets from the working tree, inside the
// repository root only.
func worktreeRefs(cfg *config.Config) (lint.RefReader, error) {
	root, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return nil, err
	}
	return lint.DirRefs(root), nil
}

// stagedRefs reads file:// targets as they are staged in the git index
// (indexFile, "" for the repository's own), not from the working tree. The
// index is read once, on the first target asked for; prefix is the
// repository root's path in the git work tree ("" or "dir/").
func stagedRefs(repo *gitdiff.Repo, prefix, indexFile string) lint.RefReader {
	var (
		once  sync.Once
		blobs map[string]gitdiff.Hash
		ierr  error
	)
	return lint.RefFunc(func(p string) ([]byte, error) {
		once.Do(func() {
			var files []gitdiff.File
			if indexFile != "" {
				files, ierr = repo.StagedIn(indexFile, nil)
			} else {
				files, ierr = repo.Staged(nil)
			}
			blobs = make(map[string]gitdiff.Hash, len(files))
			for _, f := range files {
				blobs[f.Path] = f.Hash
			}
		})
		if ierr != nil {
			return nil, fmt.Errorf("read git index: %w", ierr)
		}
		h, ok := blobs[prefix+p]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return repo.ReadBlobMax(h, safefile.MaxReferencedFile)
	})
}
