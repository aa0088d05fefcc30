package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/portapi"
)

// StateBlueprint is the blueprint of sync-state entities: one entity per
// repository and branch, whose "commit" is the last commit synced completely,
// and whose "pending" lists what a run that did not finish may have written
// beyond it. The lock of a repository and branch is an entity of the same
// blueprint.
const StateBlueprint = portapi.SyncStateBlueprint

// stateProperties are the properties of the state blueprint. A blueprint
// created by an older port-gitops lacks some; sync adds them before it
// writes a state or takes a lock.
var stateProperties = map[string]map[string]any{
	"repository": {"type": "string", "title": "Repository"},
	"branch":     {"type": "string", "title": "Branch"},
	"commit":     {"type": "string", "title": "Last synced commit"},
	"syncedAt":   {"type": "string", "format": "date-time", "title": "Synced at"},
	"version":    {"type": "string", "title": "port-gitops version"},
	"pending":    {"type": "object", "title": "Written beyond the last synced commit", "description": "The entities a run that did not finish may have written; the next run checks them again"},
	"owner":      {"type": "string", "title": "Lock owner", "description": "On a lock entity: the run that holds it"},
	"leaseUntil": {"type": "string", "format": "date-time", "title": "Lock lease until"},
}

func stateBlueprintJSON() json.RawMessage {
	raw, _ := json.Marshal(map[string]any{
		"identifier":  StateBlueprint,
		"title":       "port-gitops sync state",
		"icon":        "Git",
		"description": "The last commit port-gitops synced completely, per repository and branch, and the lock of each",
		"schema": map[string]any{
			"properties": stateProperties,
			"required":   []string{"commit"},
		},
		"mirrorProperties":      map[string]any{},
		"calculationProperties": map[string]any{},
		"aggregationProperties": map[string]any{},
		"relations":             map[string]any{},
	})
	return raw
}

// Bounds of the pending record, far below Port's 1 MiB request limit.
const (
	maxPendingKeys  = 4000
	maxPendingBytes = 512 << 10
)

// pendingKey is one entity an unfinished run may have written, with the
// files (git paths) that defined it at that run's base and HEAD.
type pendingKey struct {
	Blueprint  string   `json:"b"`
	Identifier string   `json:"i"`
	Files      []string `json:"f,omitempty"`
}

// pendingSet is the "pending" property of the state entity. Everything
// means the set outgrew its bounds: the next run syncs every entity file at
// HEAD.
type pendingSet struct {
	Everything bool         `json:"everything,omitempty"`
	Entities   []pendingKey `json:"entities,omitempty"`
}

func (p pendingSet) empty() bool { return !p.Everything && len(p.Entities) == 0 }

// keys returns the pending entities by key, and the files they were in.
func (p pendingSet) keys() (map[Key]bool, map[string]bool) {
	keys, files := map[Key]bool{}, map[string]bool{}
	for _, e := range p.Entities {
		keys[Key{e.Blueprint, e.Identifier}] = true
		for _, f := range e.Files {
			files[f] = true
		}
	}
	return keys, files
}

// union adds items to p, bounded: past maxPendingKeys keys or
// maxPendingBytes it becomes Everything.
func (p pendingSet) union(items []Item) pendingSet {
	if p.Everything {
		return p
	}
	byKey := map[Key]*pendingKey{}
	for i := range p.Entities {
		e := p.Entities[i]
		byKey[Key{e.Blueprint, e.Identifier}] = &e
	}
	for _, it := range items {
		e, ok := byKey[it.Key]
		if !ok {
			e = &pendingKey{Blueprint: it.Blueprint, Identifier: it.Identifier}
			byKey[it.Key] = e
		}
		for _, f := range it.Paths {
			if f != "" && !slices.Contains(e.Files, f) {
				e.Files = append(e.Files, f)
			}
		}
	}
	if len(byKey) > maxPendingKeys {
		return pendingSet{Everything: true}
	}
	out := pendingSet{}
	for _, k := range slices.SortedFunc(maps.Keys(byKey), compareKeys) {
		e := byKey[k]
		slices.Sort(e.Files)
		out.Entities = append(out.Entities, *e)
	}
	if raw, _ := json.Marshal(out); len(raw) > maxPendingBytes {
		return pendingSet{Everything: true}
	}
	return out
}

// minus is what of p covered does not include.
func (p pendingSet) minus(covered pendingSet) pendingSet {
	if covered.Everything {
		return pendingSet{}
	}
	if p.Everything {
		return p
	}
	have, _ := covered.keys()
	var out pendingSet
	for _, e := range p.Entities {
		if !have[Key{e.Blueprint, e.Identifier}] {
			out.Entities = append(out.Entities, e)
		}
	}
	return out
}

func (p pendingSet) equal(q pendingSet) bool {
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(q)
	return string(a) == string(b)
}

// stateRecord is the state entity as read.
type stateRecord struct {
	Commit  string
	Pending pendingSet
	exists  bool
	props   map[string]any // every property, to write back unchanged
}

// stateStore reads and writes the sync state entity.
type stateStore struct {
	client  *portapi.Client
	repo    *gitdiff.Repo
	getenv  func(string) string
	now     func() time.Time
	version string
	id      string
}

func (st *stateStore) names() (repo, branch string) {
	origin := st.repo.RemoteURL("origin")
	repo = repoName(st.getenv, origin, filepath.Base(st.repo.Root()))
	branch = branchName(st.getenv, st.repo.HeadBranch())
	if branch == "" {
		branch = "HEAD"
	}
	return repo, branch
}

func (st *stateStore) identifier() string {
	if st.id == "" {
		st.id = stateIdentifier(st.names())
	}
	return st.id
}

// read returns the state; with no state yet, a record whose Commit is "".
func (st *stateStore) read(ctx context.Context) (stateRecord, error) {
	raw, err := st.client.GetEntity(ctx, StateBlueprint, st.identifier())
	if portapi.IsNotFound(err) {
		return stateRecord{}, nil
	}
	if err != nil {
		return stateRecord{}, err
	}
	var e struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return stateRecord{}, fmt.Errorf("sync state entity: %w", err)
	}
	rec := stateRecord{exists: true, props: map[string]any{}}
	for k, v := range e.Properties {
		rec.props[k] = v
	}
	if c, ok := e.Properties["commit"]; ok && string(c) != "null" {
		if err := json.Unmarshal(c, &rec.Commit); err != nil {
			return stateRecord{}, fmt.Errorf("sync state %s/%s: commit is not a string", StateBlueprint, st.identifier())
		}
	}
	if p, ok := e.Properties["pending"]; ok && string(p) != "null" {
		if err := json.Unmarshal(p, &rec.Pending); err != nil {
			// Unreadable intent: assume the worst, sync everything.
			rec.Pending = pendingSet{Everything: true}
		}
	}
	return rec, nil
}

// ensureBlueprint creates the state blueprint, or adds to one an older
// port-gitops created the properties it lacks (GET, then PUT of the whole
// blueprint, as Port's PUT replaces).
func (st *stateStore) ensureBlueprint(ctx context.Context) error {
	raw, err := st.client.GetBlueprint(ctx, StateBlueprint)
	if portapi.IsNotFound(err) {
		if err := st.client.CreateBlueprint(ctx, stateBlueprintJSON()); err != nil && !portapi.IsConflict(err) {
			return fmt.Errorf("create blueprint %s: %w", StateBlueprint, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read blueprint %s: %w", StateBlueprint, err)
	}
	var bp map[string]any
	if err := json.Unmarshal(raw, &bp); err != nil {
		return fmt.Errorf("read blueprint %s: %w", StateBlueprint, err)
	}
	schema, _ := bp["schema"].(map[string]any)
	if schema == nil {
		schema = map[string]any{}
		bp["schema"] = schema
	}
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		schema["properties"] = props
	}
	changed := false
	for _, name := range slices.Sorted(maps.Keys(stateProperties)) {
		if _, ok := props[name]; !ok {
			props[name] = stateProperties[name]
			changed = true
		}
	}
	if !changed {
		return nil
	}
	for _, k := range []string{"createdAt", "updatedAt", "createdBy", "updatedBy"} {
		delete(bp, k)
	}
	body, err := json.Marshal(bp)
	if err != nil {
		return err
	}
	if err := st.client.ReplaceBlueprint(ctx, StateBlueprint, body); err != nil {
		return fmt.Errorf("add the pending and lock properties to blueprint %s: %w", StateBlueprint, err)
	}
	return nil
}

// writePending records p in the state entity, its commit unchanged.
func (st *stateStore) writePending(ctx context.Context, cur stateRecord, p pendingSet) error {
	props := map[string]any{}
	for k, v := range cur.props {
		props[k] = v
	}
	if !cur.exists {
		repo, branch := st.names()
		props["repository"], props["branch"], props["commit"] = repo, branch, ""
	}
	props["pending"] = p
	return st.write(ctx, props)
}

func (st *stateStore) write(ctx context.Context, props map[string]any) error {
	repo, branch := st.names()
	ent, err := json.Marshal(map[string]any{
		"identifier": st.identifier(),
		"title":      repo + " " + branch,
		"properties": props,
	})
	if err != nil {
		return err
	}
	_, err = st.client.Upsert(ctx, StateBlueprint, ent, portapi.UpsertOptions{Upsert: true})
	return err
}

// advance records head as the last synced commit and clears what was
// pending. It re-reads the state first and never moves it backwards: when
// another run has meanwhile synced a descendant of head, the state stays.
//
// covered is what this run's plan took in of the pending record; anything
// pending that it did not (recorded meanwhile by a run that should not have
// been running beside this one) stays pending for the next run.
func (st *stateStore) advance(ctx context.Context, head gitdiff.Hash, covered pendingSet) (bool, string, error) {
	cur, err := st.read(ctx)
	if err != nil {
		return false, "", err
	}
	if cur.Commit != "" {
		if h, perr := gitdiff.ParseHash(cur.Commit); perr == nil && h != head {
			if newer, aerr := st.repo.IsAncestor(head, h); aerr == nil && newer {
				return false, fmt.Sprintf("synced, but the state stays at %s: a newer sync already recorded it", short(cur.Commit)), nil
			}
		}
	}
	if err := st.ensureBlueprint(ctx); err != nil {
		return false, "", err
	}
	repo, branch := st.names()
	props := map[string]any{
		"repository": repo,
		"branch":     branch,
		"commit":     head.String(),
		"syncedAt":   st.now().UTC().Format(time.RFC3339),
		"version":    st.version,
	}
	if left := cur.Pending.minus(covered); !left.empty() {
		props["pending"] = left
	}
	err = st.write(ctx, props)
	if err != nil {
		return false, "", err
	}
	return true, "", nil
}
