package sync

import (
	"fmt"
	"slices"
	"strings"
	gosync "sync"

	"github.com/port-gitops/port-gitops/internal/walk"
)

// maxUncommittedListed is how many uncommitted entity files the dry run's
// note names.
const maxUncommittedListed = 3

// uncommitted lists the entity files whose working-tree content is not what
// HEAD has: changed or deleted, staged or not, and new (in the working tree,
// not in the index). Paths are relative to the configuration root, sorted.
// It costs what git status costs for these files, not a read of each: the
// index against HEAD by its cached trees, the working tree against the index
// by the stat data the index records (a file is read only when its size or
// time changed), and a walk for files the index lacks, reading none.
func (s *syncer) uncommitted() ([]string, error) {
	match := func(p string) bool { _, _, ok := s.match(p); return ok }
	staged, unstaged, tracked, err := s.repo.WorkingTree(match)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, c := range staged {
		set[c.Path] = true
	}
	for _, p := range unstaged {
		set[p] = true
	}
	var mu gosync.Mutex
	err = walk.Parallel(s.cfg, s.cfg.Root, 2, func(f *walk.File) {
		if f.Rule == nil {
			return // a directory that cannot be read
		}
		if p := s.prefix + f.Rel; !tracked[p] {
			mu.Lock()
			set[p] = true // new: not in the index
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, strings.TrimPrefix(p, s.prefix))
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
	paths, err := s.uncommitted()
	if err != nil {
		fmt.Fprintf(s.opts.IO.Err, "port-gitops: could not check the working tree for uncommitted entity files: %v\n", err)
		return
	}
	if note := uncommittedNote(paths, s.opts.IO.DisplayPath(s.cfg.Root)); note != "" {
		fmt.Fprintln(s.opts.IO.Err, note)
	}
}
