package sync

import (
	"fmt"
	"strings"

	"github.com/port-gitops/port-gitops/internal/gitdiff"
)

// upstreamMismatch says why the post-merge hook must not sync, or "" when
// it may: only when HEAD is exactly what the branch's upstream has, that
// is when the merge brought in commits that are already pushed. A local
// merge that is not pushed would otherwise move the shared sync state
// (the same repository and branch CI syncs) to a commit CI has never seen.
func upstreamMismatch(repo *gitdiff.Repo) string {
	branch := repo.HeadBranch()
	if branch == "" {
		return "HEAD is detached; the post-merge hook syncs only a branch that is what its upstream has"
	}
	ref, ok := repo.Upstream(branch)
	if !ok {
		return fmt.Sprintf("branch %s has no upstream; the post-merge hook syncs only pushed commits (CI syncs the rest)", branch)
	}
	name := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/remotes/"), "refs/heads/")
	up, err := repo.Resolve(ref)
	if err != nil {
		return fmt.Sprintf("the upstream of %s (%s) is not fetched; the post-merge hook syncs only pushed commits", branch, name)
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return "HEAD cannot be resolved: " + err.Error()
	}
	if head != up {
		return fmt.Sprintf("HEAD %s is not %s (%s): the merge is not pushed; the post-merge hook syncs only pushed commits (CI syncs the rest)",
			short(head.String()), name, short(up.String()))
	}
	return ""
}
