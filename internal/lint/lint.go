// Package lint checks entity files: it parses each file, finds its entities,
// and checks them against the cached blueprints, returning positioned
// findings. validate and sync both use it, so what validate accepts is what
// sync sends.
//
// It reads nothing but what its Sources load and the blueprint cache, and
// prints nothing.
package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/parallel"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Source is one entity file to check.
type Source struct {
	// File is the path reported in findings: relative to the repository
	// root, slash-separated (absolute for files outside it).
	File string
	// Load returns the file's bytes. It runs on a worker, once; the bytes
	// are not used after the check of the file, so Load may hand out a
	// buffer it reuses.
	Load func() ([]byte, error)
	// Blueprint is the blueprint of entities that name none ("" if none).
	Blueprint string
	// Format is how the file is read; entity.FormatAuto (the zero value)
	// reads File by its name: YAML for .yml and .yaml, JSON otherwise.
	Format entity.Format
}

// Entity is an entity found in a file.
type Entity struct {
	File       string
	Pointer    string // "" for a one-entity file, "/N" in an array file
	Line       int
	Column     int
	Blueprint  string
	Identifier string
	// Node is the entity object as parsed, when Linter.KeepNodes is set.
	Node *entity.Value
	// Valid is false when any error finding concerns this entity (or its file
	// could not be parsed whole).
	Valid bool
	// Refs are the repository paths its file:// property values name.
	Refs []string
}

// Result is what a run found.
type Result struct {
	Findings []report.Finding // sorted
	Files    int
	Entities []Entity // in file order, then position
	// BlueprintErrors are broken cached blueprints (bad JSON, a schema that does
	// not compile): a configuration problem rather than a finding.
	BlueprintErrors []error
}

// Linter checks files against one blueprint cache.
type Linter struct {
	Cache *blueprint.Cache
	// Workers is the number of files checked at once; 0 means GOMAXPROCS.
	Workers int
	// KeepNodes keeps each entity's parsed tree in Entity.Node (sync needs
	// it to build what it sends). Without it the trees are dropped as soon as
	// a file is checked, and their memory serves the next file, so memory
	// stays flat however large the catalog.
	KeepNodes bool
	// Snippets attaches to each finding the line it points at
	// (report.Finding.Snippet), for text output.
	Snippets bool
	// Tuning is the configuration's say on the rules: severities per rule
	// and path, and requirements beyond the blueprints'. nil changes
	// nothing.
	Tuning *config.Tuning
	// Refs reads the targets of file:// property values, whose content
	// then stands for the value (checked, and in Entity.Node). Nil leaves
	// such values as written.
	Refs RefReader
}

// Run checks every source, in parallel, and then the entities across files
// (the same blueprint and identifier defined twice).
func (l *Linter) Run(ctx context.Context, sources []Source) (*Result, error) {
	workers := l.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return l.RunParallel(ctx, func(check func(Source)) error {
		// One file (a pre-commit hook's usual run) is checked on this
		// goroutine: parallel.For starts none for a single item.
		parallel.For(len(sources), workers, func(i int) { check(sources[i]) })
		return nil
	})
}

// RunParallel is Run for a finder that finds sources on goroutines of its
// own, such as a parallel directory walk: find calls check for every source,
// from any number of goroutines at once, and check does the work right there
// on the caller's goroutine, so that no source waits in a queue for a worker.
// An error from find ends the run with that error.
func (l *Linter) RunParallel(ctx context.Context, find func(check func(Source)) error) (*Result, error) {
	var (
		mu      sync.Mutex
		results []FileResult
	)
	check := func(src Source) {
		if ctx.Err() != nil {
			return
		}
		r := l.File(src)
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	if err := find(check); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return merge(results), nil
}

// merge puts the results of all files together, in path order whatever
// order they arrived in, and adds the findings across files. It runs after
// every file is checked, on one goroutine, so it is kept to a few passes
// and allocations: at 10,000 files a sort of whole FileResults and a slice
// per identifier cost more than the walk's last directory.
func merge(results []FileResult) *Result {
	// Arrival order depends on scheduling: put files back in path order,
	// sorting small (path, index) pairs rather than the results themselves.
	order := make([]fileIndex, len(results))
	nFindings, nEntities := 0, 0
	for i := range results {
		order[i] = fileIndex{results[i].file, i}
		nFindings += len(results[i].Findings)
		nEntities += len(results[i].Entities)
	}
	slices.SortFunc(order, func(a, b fileIndex) int { return strings.Compare(a.file, b.file) })
	res := &Result{Files: len(results), Entities: make([]Entity, 0, nEntities)}
	if nFindings > 0 {
		res.Findings = make([]report.Finding, 0, nFindings)
	}
	seenBroken := map[string]bool{}
	for _, o := range order {
		r := &results[o.i]
		res.Findings = append(res.Findings, r.Findings...)
		res.Entities = append(res.Entities, r.Entities...)
		for _, be := range r.Broken {
			if !seenBroken[be.Error()] {
				seenBroken[be.Error()] = true
				res.BlueprintErrors = append(res.BlueprintErrors, be)
			}
		}
	}
	if len(res.Entities) == 0 {
		res.Entities = nil
	}
	if dups := duplicates(res.Entities); len(dups) > 0 {
		res.Findings = append(res.Findings, dups...)
	}
	report.Sort(res.Findings)
	sort.SliceStable(res.BlueprintErrors, func(i, j int) bool {
		return res.BlueprintErrors[i].Error() < res.BlueprintErrors[j].Error()
	})
	return res
}

// fileIndex is a file's path and its place in the results, what merge sorts.
type fileIndex struct {
	file string
	i    int
}

// FileResult is what File found in one file.
type FileResult struct {
	file     string
	Findings []report.Finding
	Entities []Entity
	// Broken are broken cached blueprints the file's entities use.
	Broken []error
	refs   *refState // what the file's file:// values read
}

// arenas hold parse-tree memory for files whose trees are dropped once
// checked.
var arenas = sync.Pool{New: func() any { return new(entity.Arena) }}

// File checks one source on its own (no cross-file checks). Without
// KeepNodes, the result's entities have no Node.
func (l *Linter) File(src Source) (fr FileResult) {
	fr = FileResult{file: src.File}
	fileFinding := func(rule, msg string) {
		fr.Findings = append(fr.Findings, report.Finding{File: src.File, Rule: rule, Severity: report.Error, Message: msg})
	}
	data, err := src.Load()
	if err != nil {
		fileFinding(describeReadError(err))
		return fr
	}
	if l.Snippets {
		// data may be a reused buffer: the snippets copy what they show
		// before File returns.
		defer func() { report.AddSnippets(fr.Findings, data) }()
	}
	var arena *entity.Arena
	if !l.KeepNodes {
		arena = arenas.Get().(*entity.Arena)
		defer func() {
			for i := range fr.Entities {
				fr.Entities[i].Node = nil
			}
			arena.Reset()
			arenas.Put(arena)
		}()
	}
	format := entity.FormatOf(src.Format, src.File)
	root, diags, err := entity.ParseAs(arena, format, data)
	if err != nil {
		var se *entity.SyntaxError
		if !errors.As(err, &se) {
			rule := "json-syntax"
			if format == entity.FormatYAML {
				rule = entity.RuleYAMLSyntax
			}
			fileFinding(rule, err.Error())
			return fr
		}
		fr.addProblems(src.File, se.Problem())
		return fr
	}
	for _, d := range diags {
		fr.addProblems(src.File, d.Problem())
	}
	ents, problems := entity.Extract(root)
	fr.addProblems(src.File, problems...)
	for i := range ents {
		e := &ents[i]
		n, kept := len(fr.Findings), len(fr.Entities)
		subs, refs := l.resolveRefs(&fr, src, e)
		fr.checkEntity(l.Cache, src, e)
		fr.Findings = append(fr.Findings[:n], annotate(fr.Findings[n:], subs)...)
		if len(fr.Entities) > kept {
			fr.Entities[kept].Refs = refs
		}
		fr.checkRequired(l.Tuning, src, e)
	}
	// Severities as the configuration sets them, before they decide which
	// entities are valid: a rule turned off or down to a warning no longer
	// makes an entity invalid.
	fr.Findings = l.Tuning.Apply(fr.Findings)
	// An entity is invalid when an error points inside it; a problem of the
	// file as a whole (duplicate key at the root, ...) invalidates them all.
	fr.markInvalid()
	return fr
}

// markInvalid sets Valid on the file's entities: false for those an error
// finding points inside, and for all of them when one points at the file as
// a whole. An entity's pointer is "" (the file holds one entity) or one
// segment ("/N" in an array file), so each finding is looked up by its first
// segment: linear in findings plus entities.
func (fr *FileResult) markInvalid() {
	byPointer := make(map[string][]int, len(fr.Entities))
	for i := range fr.Entities {
		fr.Entities[i].Valid = true
		byPointer[fr.Entities[i].Pointer] = append(byPointer[fr.Entities[i].Pointer], i)
	}
	all := false
	for _, f := range fr.Findings {
		if f.Severity != report.Error {
			continue
		}
		if f.Pointer == "" {
			all = true
			break
		}
		// A single-entity file's entity holds every pointer.
		for _, i := range byPointer[""] {
			fr.Entities[i].Valid = false
		}
		first := f.Pointer
		if j := strings.IndexByte(f.Pointer[1:], '/'); j >= 0 {
			first = f.Pointer[:j+1]
		}
		for _, i := range byPointer[first] {
			fr.Entities[i].Valid = false
		}
	}
	if all {
		for i := range fr.Entities {
			fr.Entities[i].Valid = false
		}
	}
}

func (fr *FileResult) addProblems(file string, problems ...entity.Problem) {
	for _, p := range problems {
		fr.Findings = append(fr.Findings, report.Finding{
			File: file, Line: p.Pos.Line, Column: p.Pos.Column, Pointer: p.Pointer,
			Rule: p.Rule, Severity: report.Error, Message: p.Message,
		})
	}
}

func (fr *FileResult) checkEntity(cache *blueprint.Cache, src Source, e *entity.Entity) {
	bpID := e.Blueprint
	bpNode := e.BlueprintNode
	if bpID == "" {
		bpID = src.Blueprint
	}
	add := func(is blueprint.Issue, bp string) {
		sev := report.Error
		if is.Warning {
			sev = report.Warning
		}
		fr.Findings = append(fr.Findings, report.Finding{
			File: src.File, Line: is.Node.Pos.Line, Column: is.Node.Pos.Column,
			Pointer: e.Pointer + is.Pointer, Blueprint: bp, Identifier: e.Identifier,
			Rule: is.Rule, Severity: sev, Message: is.Message,
		})
	}
	if e.Identifier != "" || e.IdentifierNode != nil {
		fr.Entities = append(fr.Entities, Entity{
			File: src.File, Pointer: e.Pointer, Line: e.Node.Pos.Line, Column: e.Node.Pos.Column,
			Blueprint: bpID, Identifier: e.Identifier, Node: e.Node,
		})
	}
	for _, is := range blueprint.CheckEnvelope(e) {
		add(is, bpID)
	}
	if bpID == "" {
		add(blueprint.Issue{Node: e.Node, Rule: "unknown-blueprint",
			Message: `entity names no blueprint: add a "blueprint" key, set blueprint in the config rule for this file, or pass --blueprint`}, "")
		return
	}
	bp, err := cache.Get(bpID)
	if err != nil {
		var unknown *blueprint.UnknownError
		if errors.As(err, &unknown) {
			n, ptr := e.Node, ""
			if bpNode != nil {
				n, ptr = bpNode, "/blueprint"
			}
			add(blueprint.Issue{Node: n, Pointer: ptr, Rule: "unknown-blueprint", Message: err.Error()}, bpID)
			return
		}
		fr.Broken = append(fr.Broken, err)
		n, ptr := e.Node, ""
		if bpNode != nil {
			n, ptr = bpNode, "/blueprint"
		}
		add(blueprint.Issue{Node: n, Pointer: ptr, Rule: "entity-not-checked",
			Message: fmt.Sprintf("not checked: its blueprint %q is broken in the blueprint cache (see the broken-blueprint finding)", bpID)}, bpID)
		return
	}
	for _, is := range bp.Validate(e) {
		add(is, bpID)
	}
}

// checkRequired reports what the configuration's require entries ask of
// the entity and it does not set: a property or relation that is missing,
// null or an empty array, or a team that is missing or empty.
func (fr *FileResult) checkRequired(t *config.Tuning, src Source, e *entity.Entity) {
	bpID := e.Blueprint
	if bpID == "" {
		bpID = src.Blueprint
	}
	for _, req := range t.Requirements(src.File, bpID) {
		for _, item := range req.Items {
			var v *entity.Value
			what := item.Kind
			switch item.Kind {
			case "property":
				v = e.Node.Get("properties").Get(item.Name)
				what = fmt.Sprintf("property %q", item.Name)
			case "relation":
				v = e.Node.Get("relations").Get(item.Name)
				what = fmt.Sprintf("relation %q", item.Name)
			default:
				v = e.Node.Get("team")
			}
			if isSet(v) {
				continue
			}
			fr.Findings = append(fr.Findings, report.Finding{
				File: src.File, Line: e.Node.Pos.Line, Column: e.Node.Pos.Column,
				Pointer: e.Pointer, Blueprint: bpID, Identifier: e.Identifier,
				Rule: "required-by-config", Severity: report.Error,
				Message: fmt.Sprintf("%s is not set: the configuration requires it (%s)", what, t.Place(item)),
			})
		}
	}
}

// isSet reports whether a value counts as set for a requirement: present,
// not null, and not an empty string or array.
func isSet(v *entity.Value) bool {
	if v == nil {
		return false
	}
	switch v.Kind {
	case entity.KindNull:
		return false
	case entity.KindString:
		return v.Str != ""
	case entity.KindArray:
		return len(v.Elems) > 0
	}
	return true
}

// maxListed is how many other places a duplicate-entity finding names.
const maxListed = 5

// duplicates reports every (blueprint, identifier) defined more than once,
// at each place.
func duplicates(ents []Entity) []report.Finding {
	type key struct{ bp, id string }
	// Most identifiers are defined once: the map holds each one's first
	// place and no slice, and only identifiers seen again get a list.
	first := make(map[key]int, len(ents))
	places := map[key][]int{}
	for i, e := range ents {
		if e.Identifier == "" {
			continue
		}
		k := key{e.Blueprint, e.Identifier}
		f, seen := first[k]
		if !seen {
			first[k] = i
			continue
		}
		if places[k] == nil {
			places[k] = []int{f}
		}
		places[k] = append(places[k], i)
	}
	var out []report.Finding
	for k, idx := range places {
		for _, i := range idx {
			// Name a few of the other places, not all: an identifier
			// defined k times would otherwise cost k² to report.
			var others []string
			for _, j := range idx {
				if len(others) == maxListed {
					break
				}
				if j != i {
					others = append(others, fmt.Sprintf("%s:%d:%d", ents[j].File, ents[j].Line, ents[j].Column))
				}
			}
			list := strings.Join(others, ", ")
			if more := len(idx) - 1 - len(others); more > 0 {
				list += report.AndMore(more, "place", "places")
			}
			e := ents[i]
			out = append(out, report.Finding{
				File: e.File, Line: e.Line, Column: e.Column, Pointer: e.Pointer,
				Blueprint: k.bp, Identifier: k.id, Rule: "duplicate-entity", Severity: report.Error,
				Message: fmt.Sprintf("entity %q of blueprint %q is also defined at %s", k.id, k.bp, list),
			})
			ents[i].Valid = false
		}
	}
	return out
}

// describeReadError returns the rule and message of a finding for a file
// that could not be read. The finding names the file, so the message is the
// reason alone, without the path.
func describeReadError(err error) (rule, msg string) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg = err.Error()
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "?")
	}
	switch {
	case errors.Is(err, safefile.ErrNotRegular):
		return "not-regular-file", msg
	case errors.Is(err, safefile.ErrTooLarge):
		return "file-too-large", msg
	}
	return "file", "cannot read file: " + msg
}
