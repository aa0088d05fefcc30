package sync

import (
	"fmt"
	"slices"
	"strings"

	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/walk"
)

// maxUncommittedListed is how many uncommitted entity files the dry run's
// note names.
const maxUncommittedListed = 3

// uncommitted lists the entity files whose working-tree content is not what
// HEAD has: changed (the file's blob hash differs from HEAD's tree entry),
// deleted, or new (in the working tree, not at HEAD). Paths are relative to
// the configuration root, sorted. It reads the working tree through the
// walk, which reads only regular files inside the repository, and never asks
// git for a status (go-git's Worktree.Status hashes every file of the
// repository, entity file or not).
func (s *syncer) uncommitted(head gitdiff.Hash) ([]string, error) {
	files, err := s.repo.Files(head, func(p string) bool { _, _, ok := s.match(p); return ok })
	if err != nil {
		return nil, fmt.Errorf("list entity files at HEAD: %w", err)
	}
	atHead := make(map[string]gitdiff.Hash, len(files))
	for _, f := range files {
		atHead[strings.TrimPrefix(f.Path, s.prefix)] = f.Hash
	}
	var out []string
	found := map[string]bool{}
	// One walker: fn is never called concurrently.
	err = walk.Walk(s.cfg, s.cfg.Root, func(f *walk.File) {
		if f.Rule == nil {
			return // a directory that cannot be read
		}
		found[f.Rel] = true
		h, ok := atHead[f.Rel]
		if !ok {
			out = append(out, f.Rel) // not at HEAD
			return
		}
		if data, err := f.Read(); err != nil || gitdiff.BlobHash(data) != h {
			out = append(out, f.Rel)
		}
	})
	if err != nil {
		return nil, err
	}
	for rel := range atHead {
		if !found[rel] {
			out = append(out, rel) // deleted from the working tree
		}
	}
	slices.Sort(out)
	return out, nil
}

// uncommittedNote is the dry run's one line about entity files with
// uncommitted changes, or "" when there are none.
func uncommittedNote(paths []string, display func(string) string) string {
	if len(paths) == 0 {
		return ""
	}
	shown := make([]string, 0, maxUncommittedListed)
	for _, p := range paths[:min(len(paths), maxUncommittedListed)] {
		shown = append(shown, display(p))
	}
	list := strings.Join(shown, ", ")
	if more := len(paths) - len(shown); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	noun := "entity files have"
	if len(paths) == 1 {
		noun = "entity file has"
	}
	return fmt.Sprintf("port-gitops: %d %s uncommitted changes, not part of what sync sends (it reads commits, not the working tree): %s", len(paths), noun, list)
}

// noteUncommitted tells a dry run's user, on stderr, which entity files
// have changes that HEAD does not hold. A failure to find out is a note
// too, never a failed run.
func (s *syncer) noteUncommitted() {
	head, err := s.repo.Resolve("HEAD")
	var paths []string
	if err == nil {
		paths, err = s.uncommitted(head)
	}
	if err != nil {
		fmt.Fprintf(s.opts.IO.Err, "port-gitops: could not check the working tree for uncommitted entity files: %v\n", err)
		return
	}
	if note := uncommittedNote(paths, s.opts.IO.DisplayPath(s.cfg.Root)); note != "" {
		fmt.Fprintln(s.opts.IO.Err, note)
	}
}
