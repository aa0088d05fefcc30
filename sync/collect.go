package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/parallel"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// maxEntityBytes is the largest entity body a bulk request can carry within
// Port's 1 MiB limit.
const maxEntityBytes = portapi.MaxBodyBytes - len(`{"entities":[]}`)

// collection is what the entity files of a sync define.
type collection struct {
	old  map[Key]Item // at the base
	news map[Key]Item // at HEAD, valid
	// held are keys that a file at HEAD which does not parse, or holds an
	// invalid (or too large) entity, may still define: never deleted.
	held map[Key]bool
	seen map[string]bool // git paths read at HEAD
	// unparsable holds the content of files at HEAD that do not parse.
	unparsable [][]byte
}

// holdNamed holds every candidate whose identifier an unparsable file at
// HEAD names (see names): that file may be meant to define it.
func (c *collection) holdNamed(cands map[Key]Item) {
	for k := range cands {
		for _, data := range c.unparsable {
			if names(data, k.Identifier) {
				c.held[k] = true
				delete(cands, k)
				break
			}
		}
	}
}

// sameFile reports whether an entity defined in file a at the base and in b
// at HEAD stayed in its file: the same path, or the file converted between
// JSON and YAML in its directory (entity.json to port.yml), which is not a
// move and, the entity being equal, sends nothing.
func (s *syncer) sameFile(a, b string) bool {
	if a == b {
		return true
	}
	return path.Dir(a) == path.Dir(b) && s.format(a) != s.format(b)
}

// names reports whether a file that does not parse names identifier: as a
// JSON string, or (YAML writes it unquoted) as a word of its own, with no
// character of an identifier right before or after it.
func names(data []byte, identifier string) bool {
	if q, _ := json.Marshal(identifier); bytes.Contains(data, q) {
		return true
	}
	if identifier == "" {
		return false
	}
	id := []byte(identifier)
	for off := 0; ; {
		i := bytes.Index(data[off:], id)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(id)
		if (i == 0 || !identifierByte(data[i-1])) && (end == len(data) || !identifierByte(data[end])) {
			return true
		}
		off = i + 1
	}
}

// identifierByte reports a byte that can be part of a Port identifier.
func identifierByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("@_.+:/=-", b) >= 0
}

func newCollection() *collection {
	return &collection{old: map[Key]Item{}, news: map[Key]Item{}, held: map[Key]bool{}, seen: map[string]bool{}}
}

// buildPlan works out what to send: the entities of the files that
// changed between the base and HEAD, plus whatever an unfinished run may
// have written (pending), which is sent again from HEAD, or deleted when
// HEAD no longer defines it, whatever the diff says.
func (s *syncer) buildPlan(ctx context.Context, b baseChoice, head gitdiff.Hash, pending pendingSet, res *report.SyncResult) (Plan, map[Key]Item, error) {
	matchFn := func(p string) bool { _, _, ok := s.match(p); return ok }
	if !b.full {
		s.base = b.hash
	}
	pendKeys, pendFiles := pending.keys()
	var changes []gitdiff.Change
	if b.full || pending.Everything {
		files, err := s.repo.Files(head, matchFn)
		if err != nil {
			return Plan{}, nil, fmt.Errorf("list entity files at HEAD: %w", err)
		}
		for _, f := range files {
			changes = append(changes, gitdiff.Change{Path: f.Path, To: f.Hash})
		}
	}
	// One walk of the two trees gives both the entity files that changed
	// and the other files under the configuration root, whose changes
	// matter to entity files that reference them (file://).
	var others []gitdiff.Change
	if !b.full {
		// The blobs of changed entity files are read ahead as the walk
		// finds them, while it goes on comparing trees.
		all, err := s.repo.DiffEach(b.hash, head, func(p string) bool { return strings.HasPrefix(p, s.prefix) }, func(ch gitdiff.Change) {
			if matchFn(ch.Path) {
				s.repo.Prefetch(ch.From, safefile.MaxEntityFile)
				s.repo.Prefetch(ch.To, safefile.MaxEntityFile)
			}
		})
		if err != nil {
			return Plan{}, nil, fmt.Errorf("compare %s with HEAD: %w", short(b.hash.String()), err)
		}
		var diff []gitdiff.Change
		for _, ch := range all {
			if matchFn(ch.Path) {
				diff = append(diff, ch)
			} else {
				others = append(others, ch)
			}
		}
		if len(changes) == 0 {
			changes = diff
		} else {
			at := map[string]int{}
			for i, ch := range changes {
				at[ch.Path] = i
			}
			for _, ch := range diff {
				if i, ok := at[ch.Path]; ok {
					changes[i].From = ch.From
				} else {
					changes = append(changes, ch)
				}
			}
		}
	}
	have := map[string]bool{}
	for _, ch := range changes {
		have[ch.Path] = true
	}
	if !b.full && !pending.Everything {
		more, err := s.referencing(others, head, have)
		if err != nil {
			return Plan{}, nil, err
		}
		for _, ch := range more {
			have[ch.Path] = true
		}
		changes = append(changes, more...)
	}
	var extra []string
	for p := range pendFiles {
		if !have[p] && matchFn(p) {
			extra = append(extra, p)
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		headBlobs, err := s.blobs(head, extra)
		if err != nil {
			return Plan{}, nil, err
		}
		baseBlobs := map[string]gitdiff.Hash{}
		if !b.full {
			if baseBlobs, err = s.blobs(b.hash, extra); err != nil {
				return Plan{}, nil, err
			}
		}
		for _, p := range extra {
			ch := gitdiff.Change{Path: p, From: baseBlobs[p], To: headBlobs[p]}
			if !ch.From.IsZero() || !ch.To.IsZero() {
				changes = append(changes, ch)
			}
		}
	}
	c := newCollection()
	if err := s.collect(ctx, changes, c, res); err != nil {
		return Plan{}, nil, err
	}

	// What HEAD no longer defines, as far as the files read tell.
	cands := map[Key]Item{}
	for k, o := range c.old {
		if _, ok := c.news[k]; !ok && !c.held[k] {
			cands[k] = o
		}
	}
	for _, e := range pending.Entities {
		k := Key{e.Blueprint, e.Identifier}
		if _, ok := c.news[k]; ok || c.held[k] {
			continue
		}
		if _, ok := cands[k]; !ok {
			it := Item{Key: k, Paths: e.Files}
			if len(e.Files) > 0 {
				it.File = strings.TrimPrefix(e.Files[0], s.prefix)
			}
			cands[k] = it
		}
	}
	c.holdNamed(cands)
	needScan := false
	for k := range cands {
		if s.prune || pendKeys[k] {
			needScan = true
			break
		}
	}
	if needScan {
		// Another file at HEAD may define them: an entity moved into an
		// unchanged file, or a pending entity whose file the diff skips.
		files, err := s.repo.Files(head, matchFn)
		if err != nil {
			return Plan{}, nil, fmt.Errorf("list entity files at HEAD: %w", err)
		}
		if len(files) == 0 && s.prune {
			return Plan{}, nil, fmt.Errorf("refusing to prune %d entities: no file at HEAD matches the configuration's entity rules (an empty checkout or a glob that matches nothing would delete the catalog)", len(cands))
		}
		var more []gitdiff.Change
		for _, f := range files {
			if c.seen[f.Path] {
				continue
			}
			data, err := s.repo.ReadBlobMax(f.Hash, safefile.MaxEntityFile)
			if err != nil {
				return Plan{}, nil, fmt.Errorf("read %s at HEAD: %w", f.Path, err)
			}
			if s.mayDefine(f.Path, data, cands) {
				more = append(more, gitdiff.Change{Path: f.Path, To: f.Hash})
			}
		}
		if len(more) > 0 {
			c2 := newCollection()
			if err := s.collect(ctx, more, c2, res); err != nil {
				return Plan{}, nil, err
			}
			for k, n := range c2.news {
				if _, ok := cands[k]; !ok {
					continue
				}
				delete(cands, k) // still defined at HEAD
				if pendKeys[k] {
					c.news[k] = n // pending: sent again from HEAD
				}
			}
			for k := range c2.held {
				c.held[k] = true
				delete(cands, k)
			}
			c.unparsable = c2.unparsable
			c.holdNamed(cands)
		}
	}

	p := Plan{Unchanged: map[string]int{}}
	for k, n := range c.news {
		o, ok := c.old[k]
		if !pendKeys[k] && ok && s.sameFile(o.File, n.File) && bytes.Equal(o.Body, n.Body) {
			p.Unchanged[k.Blueprint]++
			continue
		}
		p.Upserts = append(p.Upserts, n)
	}
	for k, it := range cands {
		if !c.held[k] {
			p.Deletes = append(p.Deletes, it)
		}
	}
	if b.full && s.prune && s.client != nil && len(s.cfg.Owns) > 0 {
		extras, err := s.ownedExtras(ctx, c, cands, len(c.seen))
		if err != nil {
			return Plan{}, nil, err
		}
		p.Deletes = append(p.Deletes, extras...)
	}
	for k := range c.held {
		if _, ok := c.news[k]; !ok {
			res.Held = append(res.Held, k.String())
		}
	}
	slices.Sort(res.Held)
	byKey := func(a, b Item) int { return compareKeys(a.Key, b.Key) }
	slices.SortFunc(p.Upserts, byKey)
	slices.SortFunc(p.Deletes, byKey)
	return p, c.old, nil
}

// blobs returns the blob of each of paths at a commit (absent: none).
func (s *syncer) blobs(commit gitdiff.Hash, paths []string) (map[string]gitdiff.Hash, error) {
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	files, err := s.repo.Files(commit, func(p string) bool { return want[p] })
	if err != nil {
		return nil, fmt.Errorf("list entity files at %s: %w", short(commit.String()), err)
	}
	out := map[string]gitdiff.Hash{}
	for _, f := range files {
		out[f.Path] = f.Hash
	}
	return out, nil
}

// mayDefine says whether an entity file at HEAD defines, or might define,
// one of keys: it parses and holds one, or it does not parse and names one's
// identifier (see names).
func (s *syncer) mayDefine(path string, data []byte, keys map[Key]Item) bool {
	rel, bp, _ := s.match(path)
	if _, _, err := entity.ParseAs(nil, s.format(rel), data); err != nil {
		for k := range keys {
			if names(data, k.Identifier) {
				return true
			}
		}
		return false
	}
	for _, it := range s.items(rel, bp, data) {
		if _, ok := keys[it.Key]; ok {
			return true
		}
	}
	return false
}

// baseSide is what the base side of one change defines.
type baseSide struct {
	items []Item
	err   error
}

// readBases reads and parses the base side of each change (the From
// blob; none for an addition), in parallel: one result per change, in
// their order.
func (s *syncer) readBases(ctx context.Context, changes []gitdiff.Change) []baseSide {
	out := make([]baseSide, len(changes))
	parallel.For(len(changes), min(runtime.GOMAXPROCS(0), len(changes)/32+1), func(i int) {
		ch := changes[i]
		if ch.From.IsZero() {
			return
		}
		if err := ctx.Err(); err != nil {
			out[i].err = err
			return
		}
		rel, bp, _ := s.match(ch.Path)
		data, err := s.repo.ReadBlobMax(ch.From, safefile.MaxEntityFile)
		if err != nil {
			out[i].err = err
			return
		}
		out[i].items = s.items(rel, bp, data)
	})
	return out
}

// collect parses changes' files at the base (their From side) and at HEAD
// (To), validating HEAD's. Invalid entities go to res.Invalid and are not
// sent; a file at HEAD with any error holds the keys its base side defined
// that HEAD does not validly define.
func (s *syncer) collect(ctx context.Context, changes []gitdiff.Change, c *collection, res *report.SyncResult) error {
	baseByFile := map[string][]Key{}
	pathOf := map[string]string{}
	var sources []lint.Source
	bases := s.readBases(ctx, changes)
	for i, ch := range changes {
		rel, bp, _ := s.match(ch.Path)
		if !ch.From.IsZero() {
			if err := bases[i].err; err != nil {
				return fmt.Errorf("read %s at the base: %w", rel, err)
			}
			for _, it := range bases[i].items {
				it.Paths = []string{ch.Path}
				c.old[it.Key] = it
				baseByFile[rel] = append(baseByFile[rel], it.Key)
			}
		}
		if !ch.To.IsZero() {
			h := ch.To
			c.seen[ch.Path] = true
			pathOf[rel] = ch.Path
			sources = append(sources, lint.Source{File: rel, Blueprint: bp, Format: s.format(rel), Load: func() ([]byte, error) { return s.repo.ReadBlobMax(h, safefile.MaxEntityFile) }})
		} else if _, ok := baseByFile[rel]; !ok {
			baseByFile[rel] = nil
		}
	}
	if len(sources) == 0 {
		return nil
	}
	linter := &lint.Linter{Cache: s.cache, KeepNodes: true, Tuning: s.cfg.Tuning, Refs: s.commitRefs(s.head)}
	lr, err := linter.Run(ctx, sources)
	if err != nil {
		return err
	}
	if len(lr.BlueprintErrors) > 0 {
		msgs := make([]string, len(lr.BlueprintErrors))
		for i, e := range lr.BlueprintErrors {
			msgs[i] = e.Error()
		}
		return cmdutil.Usage(errors.New(strings.Join(msgs, "\n")))
	}
	broken := map[string]bool{}
	for _, f := range lr.Findings {
		if f.Severity == report.Error {
			res.Invalid = append(res.Invalid, f)
			broken[f.File] = true
		}
	}
	for _, e := range lr.Entities {
		k := Key{e.Blueprint, e.Identifier}
		known := e.Blueprint != "" && e.Identifier != ""
		if !e.Valid {
			if known {
				c.held[k] = true
			}
			broken[e.File] = true
			continue
		}
		bp, _ := s.cache.Get(e.Blueprint)
		body, targets, err := body(e.Node, bp)
		if err != nil {
			continue
		}
		if len(body) > maxEntityBytes {
			res.Invalid = append(res.Invalid, report.Finding{
				File: e.File, Line: e.Line, Column: e.Column, Pointer: e.Pointer,
				Blueprint: e.Blueprint, Identifier: e.Identifier, Rule: "entity-too-large", Severity: report.Error,
				Message: fmt.Sprintf("entity %s is %d bytes as sent to Port, over Port's 1 MiB request limit (%d bytes for one entity): not sent", e.Identifier, len(body), maxEntityBytes),
			})
			if known {
				c.held[k] = true
			}
			broken[e.File] = true
			continue
		}
		paths := []string{pathOf[e.File]}
		if o, ok := c.old[k]; ok && len(o.Paths) > 0 && o.Paths[0] != paths[0] {
			paths = append(paths, o.Paths[0])
		}
		c.news[k] = Item{Key: k, File: e.File, Line: e.Line, Column: e.Column, Body: body, Targets: targets, Paths: paths}
	}
	for f := range broken {
		if p, ok := pathOf[f]; ok {
			for _, ch := range changes {
				if ch.Path != p || ch.To.IsZero() {
					continue
				}
				if data, err := s.repo.ReadBlobMax(ch.To, safefile.MaxEntityFile); err == nil {
					if _, _, perr := entity.ParseAs(nil, s.format(f), data); perr != nil {
						c.unparsable = append(c.unparsable, data)
					}
				}
			}
		}
		for _, k := range baseByFile[f] {
			if _, ok := c.news[k]; !ok {
				c.held[k] = true
			}
		}
	}
	for k := range c.held {
		if _, ok := c.news[k]; ok {
			delete(c.held, k)
		}
	}
	return nil
}
