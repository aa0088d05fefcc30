package sync

import (
	"fmt"
	"strings"

	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// commitRefs reads file:// targets from commit's tree, never from the
// working tree: path is relative to the configuration root. A symbolic
// link in the tree is never followed.
func (s *syncer) commitRefs(commit gitdiff.Hash) lint.RefReader {
	return lint.RefFunc(s.repo.FileReader(commit, s.prefix, safefile.MaxReferencedFile))
}

// referencing finds the entity files at head, other than those in have,
// that reference (by a file:// value) one of other, the files under the
// configuration root that are not entity files and changed between the
// base and head: their entities are sent again, with the new content,
// although the entity files did not change. A removed target makes its
// entity invalid (held, neither sent nor deleted).
//
// No index of references is kept between runs: the entity files at head
// are listed, and only those whose bytes may hold a file:// value
// (lint.MayReference) are parsed. This runs only when some file other than
// an entity file changed.
func (s *syncer) referencing(other []gitdiff.Change, head gitdiff.Hash, have map[string]bool) ([]gitdiff.Change, error) {
	if len(other) == 0 {
		return nil, nil
	}
	changed := make(map[string]bool, len(other))
	for _, ch := range other {
		changed[strings.TrimPrefix(ch.Path, s.prefix)] = true
	}
	files, err := s.repo.Files(head, func(p string) bool { _, _, ok := s.match(p); return ok && !have[p] })
	if err != nil {
		return nil, fmt.Errorf("list entity files at HEAD: %w", err)
	}
	var out []gitdiff.Change
	for _, f := range files {
		data, err := s.repo.ReadBlobMax(f.Hash, safefile.MaxEntityFile)
		if err != nil || !lint.MayReference(data) {
			continue // an unreadable file is reported when it changes
		}
		rel, _, _ := s.match(f.Path)
		format := entity.FormatAuto
		if r := s.rule(rel); r != nil {
			format = r.FileFormat(rel)
		}
		root, _, err := entity.ParseAs(nil, entity.FormatOf(format, rel), data)
		if err != nil {
			continue
		}
		ents, _ := entity.Extract(root)
		for _, r := range lint.References(rel, ents) {
			if changed[r] {
				// Unchanged since the base: the same blob on both sides.
				out = append(out, gitdiff.Change{Path: f.Path, From: f.Hash, To: f.Hash})
				break
			}
		}
	}
	return out, nil
}

// substituteBase replaces the file:// values of ents, parsed from data
// (an entity file at the base), with their targets' content at the base
// commit, so that an entity whose file and targets are unchanged has the
// same body on both sides. A value that cannot be replaced stays as
// written (the entity then differs from HEAD's and is sent again).
func (s *syncer) substituteBase(file, defaultBP string, data []byte, ents []entity.Entity) {
	if s.base.IsZero() || !lint.MayReference(data) {
		return
	}
	l := &lint.Linter{Cache: s.cache, Refs: s.commitRefs(s.base)}
	l.Substitute(lint.Source{File: file, Blueprint: defaultBP}, ents)
}
