package sync

import (
	"errors"
	"fmt"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
)

// baseChoice is the commit HEAD is compared with, and why.
type baseChoice struct {
	hash   gitdiff.Hash
	full   bool   // no base: every entity file at HEAD
	source string // where the base came from, for the report
	done   string // set when there is nothing to do, saying why
	pr     bool   // a dry run against a pull request's merge base
}

// chooseBase picks the base so that nothing is lost: --base, else the sync
// state kept in Port, else (with --state none) the CI's "before" commit,
// ORIG_HEAD in the post-merge hook, or HEAD's first parent.
func (s *syncer) chooseBase(head gitdiff.Hash, st *stateStore, cur stateRecord) (baseChoice, error) {
	switch {
	case s.opts.Full:
		return baseChoice{full: true, source: "--full"}, nil
	case s.opts.DryRun:
		if target, source := prTarget(s.opts.Base, s.opts.IO.Env); target != "" {
			return s.prBase(head, target, source)
		}
	}
	switch {
	case s.opts.Base != "":
		h, err := s.repo.Resolve(s.opts.Base)
		if err != nil {
			return baseChoice{}, cmdutil.Usage(fmt.Errorf("--base %s: %w", s.opts.Base, err))
		}
		return baseChoice{hash: h, source: "--base " + s.opts.Base}, nil
	case s.opts.State == "port" && s.client != nil:
		return s.baseFromState(head, st, cur)
	}
	return s.fallbackBase(head)
}

func (s *syncer) baseFromState(head gitdiff.Hash, st *stateStore, cur stateRecord) (baseChoice, error) {
	commit := cur.Commit
	if commit == "" {
		return baseChoice{full: true, source: fmt.Sprintf("first sync: no state %s/%s in Port yet", StateBlueprint, st.identifier())}, nil
	}
	h, err := gitdiff.ParseHash(commit)
	if err != nil {
		return baseChoice{}, fmt.Errorf("sync state %s/%s holds %q, which is not a commit id: fix or delete that entity", StateBlueprint, st.identifier(), commit)
	}
	if h == head {
		if cur.Pending.empty() {
			return baseChoice{done: fmt.Sprintf("already synced: the last synced commit is HEAD (%s)", short(commit))}, nil
		}
		return baseChoice{hash: h, source: "the last synced commit, from the sync state in Port (HEAD), plus what an unfinished run may have written"}, nil
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

// prTarget is what a dry run in a pull or merge request is compared with:
// --base, else the target branch GitHub (GITHUB_BASE_REF, set on
// pull_request events) or GitLab (CI_MERGE_REQUEST_TARGET_BRANCH_NAME)
// names.
func prTarget(base string, getenv func(string) string) (target, source string) {
	switch {
	case base != "":
		return base, "--base " + base
	case getenv("GITHUB_BASE_REF") != "":
		return getenv("GITHUB_BASE_REF"), "GITHUB_BASE_REF"
	case getenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") != "":
		return getenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"), "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
	}
	return "", ""
}

// prBase is the merge base of HEAD and the target: what the pull request
// changes, whatever was merged into the target since it forked. A branch
// name is looked up as origin's first (what CI fetched), then as given.
func (s *syncer) prBase(head gitdiff.Hash, target, source string) (baseChoice, error) {
	var h gitdiff.Hash
	var err error
	names := []string{target}
	if source != "--base "+target {
		names = []string{"refs/remotes/origin/" + target, target}
	}
	for _, n := range names {
		if h, err = s.repo.Resolve(n); err == nil {
			break
		}
	}
	if err != nil {
		if source == "--base "+target {
			return baseChoice{}, cmdutil.Usage(fmt.Errorf("--base %s: %w", target, err))
		}
		return baseChoice{}, fmt.Errorf("%s is %s, but this clone has neither origin/%s nor %s: fetch it (actions/checkout fetch-depth: 0, GIT_DEPTH: 0 in GitLab, or git fetch origin %s)", source, target, target, target, target)
	}
	mb, err := s.repo.MergeBase(h, head)
	if err != nil {
		return baseChoice{}, fmt.Errorf("%s %s: %w", source, target, err)
	}
	return baseChoice{hash: mb, pr: true, source: fmt.Sprintf("the merge base with %s (%s)", target, source)}, nil
}
