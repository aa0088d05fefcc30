package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/portapi"
)

// baseChoice is the commit HEAD is compared with, and why.
type baseChoice struct {
	hash   gitdiff.Hash
	full   bool   // no base: every entity file at HEAD
	source string // where the base came from, for the report
	done   string // set when there is nothing to do, saying why
}

// chooseBase picks the base so that nothing is lost: --base, else the sync
// state kept in Port, else (with --state none) the CI's "before" commit,
// ORIG_HEAD in the post-merge hook, or HEAD's first parent.
func (s *syncer) chooseBase(ctx context.Context, head gitdiff.Hash, st *stateStore) (baseChoice, error) {
	switch {
	case s.opts.Full:
		return baseChoice{full: true, source: "--full"}, nil
	case s.opts.Base != "":
		h, err := s.repo.Resolve(s.opts.Base)
		if err != nil {
			return baseChoice{}, cmdutil.Usage(fmt.Errorf("--base %s: %w", s.opts.Base, err))
		}
		return baseChoice{hash: h, source: "--base " + s.opts.Base}, nil
	case s.opts.State == "port" && s.client != nil:
		return s.baseFromState(ctx, head, st)
	}
	return s.fallbackBase(head)
}

func (s *syncer) baseFromState(ctx context.Context, head gitdiff.Hash, st *stateStore) (baseChoice, error) {
	commit, err := st.read(ctx)
	if err != nil {
		return baseChoice{}, fmt.Errorf("read sync state from Port: %w", err)
	}
	if commit == "" {
		return baseChoice{full: true, source: fmt.Sprintf("first sync: no state %s/%s in Port yet", StateBlueprint, st.identifier())}, nil
	}
	h, err := gitdiff.ParseHash(commit)
	if err != nil {
		return baseChoice{}, fmt.Errorf("sync state %s/%s holds %q, which is not a commit id: fix or delete that entity", StateBlueprint, st.identifier(), commit)
	}
	if h == head {
		return baseChoice{done: fmt.Sprintf("already synced: the last synced commit is HEAD (%s)", short(commit))}, nil
	}
	newer, err := s.repo.IsAncestor(head, h)
	if err == nil && newer {
		return baseChoice{done: fmt.Sprintf("nothing to do: HEAD %s is older than the last synced commit %s (an old job re-run?)", short(head.String()), short(commit))}, nil
	}
	var missing *gitdiff.MissingObjectError
	if errors.As(err, &missing) {
		return baseChoice{}, fmt.Errorf("the last synced commit %s is not in this clone: %w", short(commit), err)
	}
	return baseChoice{hash: h, source: "the last synced commit, from the sync state in Port"}, nil
}

// fallbackBase is the base without state: the CI's before commit, ORIG_HEAD
// in the post-merge hook, else HEAD's first parent (the empty tree for a
// root commit).
func (s *syncer) fallbackBase(head gitdiff.Hash) (baseChoice, error) {
	if sha, source := ciBefore(s.opts.IO.Env, readFileOS); sha != "" {
		h, err := s.repo.Resolve(sha)
		if err != nil {
			return baseChoice{}, fmt.Errorf("%s is %s, which this clone does not have: %w (fetch more history: actions/checkout fetch-depth: 0, or GIT_DEPTH: 0 in GitLab)", source, short(sha), err)
		}
		return baseChoice{hash: h, source: source}, nil
	}
	if s.opts.PostMerge {
		if h, err := s.repo.Resolve("ORIG_HEAD"); err == nil {
			return baseChoice{hash: h, source: "ORIG_HEAD (the commit before the merge)"}, nil
		}
	}
	parent, ok, err := s.repo.FirstParent(head)
	if err != nil {
		return baseChoice{}, fmt.Errorf("find HEAD's parent: %w", err)
	}
	if !ok {
		return baseChoice{full: true, source: "HEAD is a root commit: compared with the empty tree"}, nil
	}
	return baseChoice{hash: parent, source: "HEAD's first parent"}, nil
}

// StateBlueprint is the blueprint of sync-state entities: one entity per
// repository and branch, whose "commit" is the last commit synced completely.
const StateBlueprint = portapi.SyncStateBlueprint

// stateBlueprintJSON is created in Port on the first sync that needs it.
const stateBlueprintJSON = `{
  "identifier": "port_gitops_sync_state",
  "title": "port-gitops sync state",
  "icon": "Git",
  "description": "The last commit port-gitops synced completely, per repository and branch",
  "schema": {
    "properties": {
      "repository": {"type": "string", "title": "Repository"},
      "branch": {"type": "string", "title": "Branch"},
      "commit": {"type": "string", "title": "Last synced commit"},
      "syncedAt": {"type": "string", "format": "date-time", "title": "Synced at"},
      "version": {"type": "string", "title": "port-gitops version"}
    },
    "required": ["commit"]
  },
  "mirrorProperties": {},
  "calculationProperties": {},
  "aggregationProperties": {},
  "relations": {}
}`

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

// read returns the last synced commit, or "" when there is no state yet.
func (st *stateStore) read(ctx context.Context) (string, error) {
	raw, err := st.client.GetEntity(ctx, StateBlueprint, st.identifier())
	if portapi.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var e struct {
		Properties struct {
			Commit string `json:"commit"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", fmt.Errorf("sync state entity: %w", err)
	}
	return e.Properties.Commit, nil
}

// advance records head as the last synced commit. It re-reads the state
// first and never moves it backwards: when another run has meanwhile synced a
// descendant of head, the state stays.
func (st *stateStore) advance(ctx context.Context, head gitdiff.Hash) (bool, string, error) {
	cur, err := st.read(ctx)
	if err != nil {
		return false, "", err
	}
	if cur != "" {
		if h, perr := gitdiff.ParseHash(cur); perr == nil && h != head {
			if newer, aerr := st.repo.IsAncestor(head, h); aerr == nil && newer {
				return false, fmt.Sprintf("synced, but the state stays at %s: a newer sync already recorded it", short(cur)), nil
			}
		}
	}
	if _, err := st.client.GetBlueprint(ctx, StateBlueprint); portapi.IsNotFound(err) {
		if err := st.client.CreateBlueprint(ctx, json.RawMessage(stateBlueprintJSON)); err != nil && !portapi.IsConflict(err) {
			return false, "", fmt.Errorf("create blueprint %s: %w", StateBlueprint, err)
		}
	} else if err != nil {
		return false, "", err
	}
	repo, branch := st.names()
	ent, err := json.Marshal(map[string]any{
		"identifier": st.identifier(),
		"title":      repo + " " + branch,
		"properties": map[string]any{
			"repository": repo,
			"branch":     branch,
			"commit":     head.String(),
			"syncedAt":   st.now().UTC().Format(time.RFC3339),
			"version":    st.version,
		},
	})
	if err != nil {
		return false, "", err
	}
	if _, err := st.client.Upsert(ctx, StateBlueprint, ent, portapi.UpsertOptions{Upsert: true}); err != nil {
		return false, "", err
	}
	return true, "", nil
}
