package gitdiff

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Resolve returns the commit a revision names. It accepts HEAD (and @),
// ORIG_HEAD, FETCH_HEAD and other pseudo-refs, branch, remote-tracking and
// tag names (short or full refnames, annotated tags peeled to their commit),
// full hashes and unambiguous short hashes of at least 4 digits, each
// optionally followed by ~N, ^N and ^{commit} steps as in git.
//
// The commit it returns is present in the repository: HEAD~1 in a clone of
// depth 1 is a *MissingObjectError (ReasonShallow) that names the parent and
// the fetch that brings it. A name that matches nothing wraps
// ErrUnknownRevision; forty zeros wrap ErrNullRevision.
func (r *Repo) Resolve(rev string) (Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.resolve(rev)
	if err != nil {
		return ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
	}
	return h, nil
}

func (r *Repo) resolve(rev string) (Hash, error) {
	if r.closed {
		return ZeroHash, errors.New("repository is closed")
	}
	name, suffix := rev, ""
	if i := strings.IndexAny(rev, "~^"); i >= 0 {
		name, suffix = rev[:i], rev[i:]
	}
	if name == "@" {
		name = "HEAD"
	}
	h, err := r.resolveName(name)
	if err != nil {
		return ZeroHash, err
	}
	for suffix != "" {
		op := suffix[0]
		suffix = suffix[1:]
		if op != '~' && op != '^' {
			return ZeroHash, fmt.Errorf("%w: unexpected %q in %q", ErrUnknownRevision, op, rev)
		}
		if op == '^' && strings.HasPrefix(suffix, "{") {
			end := strings.IndexByte(suffix, '}')
			if end < 0 {
				return ZeroHash, fmt.Errorf("%w: unterminated ^{", ErrUnknownRevision)
			}
			if peel := suffix[1:end]; peel != "" && peel != "commit" {
				return ZeroHash, fmt.Errorf("^{%s} is not supported: port-gitops resolves revisions to commits", peel)
			}
			suffix = suffix[end+1:]
			continue
		}
		digits := len(suffix) - len(strings.TrimLeft(suffix, "0123456789"))
		n := 1
		if digits > 0 {
			v, err := strconv.Atoi(suffix[:digits])
			if err != nil || v > 1<<20 {
				return ZeroHash, fmt.Errorf("%w: bad number in %q", ErrUnknownRevision, rev)
			}
			n, suffix = v, suffix[digits:]
		}
		switch op {
		case '~':
			for range n {
				if h, err = r.parent(h, 1); err != nil {
					return ZeroHash, err
				}
			}
		case '^':
			if n > 0 {
				if h, err = r.parent(h, n); err != nil {
					return ZeroHash, err
				}
			}
		}
	}
	// Every step above named a commit by hash; make sure the last one is
	// here, so HEAD~1 in a shallow clone fails now, with the fix.
	if _, err := r.loadCommit(h); err != nil {
		return ZeroHash, err
	}
	return h, nil
}

// parent returns the n-th parent (1-based) of commit h without loading it.
func (r *Repo) parent(h Hash, n int) (Hash, error) {
	c, err := r.loadCommit(h)
	if err != nil {
		return ZeroHash, err
	}
	if len(c.parents) >= n {
		return c.parents[n-1], nil
	}
	if len(c.parents) == 0 {
		return ZeroHash, fmt.Errorf("%w: commit %s is a root commit, it has no parent", ErrUnknownRevision, h)
	}
	return ZeroHash, fmt.Errorf("%w: commit %s has %d parent(s), not %d", ErrUnknownRevision, h, len(c.parents), n)
}

// historyEnds is the error for history that a shallow clone lacks, from
// the absent commit h on.
func (r *Repo) historyEnds(h Hash) *MissingObjectError {
	return &MissingObjectError{Hash: h, Kind: "commit", Reason: ReasonShallow, History: true, Remote: r.remote}
}

// resolveName resolves a revision without ~ and ^ steps to a commit.
func (r *Repo) resolveName(name string) (Hash, error) {
	if name == "" {
		return ZeroHash, fmt.Errorf("%w: empty revision", ErrUnknownRevision)
	}
	if len(name) == 2*len(Hash{}) && isHex(name) {
		h, _ := ParseHash(name)
		if h.IsZero() {
			return ZeroHash, ErrNullRevision
		}
		return r.peel(h, name)
	}
	if !validRefName(name) {
		return ZeroHash, fmt.Errorf("%w: %q is not a valid name", ErrUnknownRevision, name)
	}
	if name == "FETCH_HEAD" {
		return r.fetchHead()
	}
	for _, rule := range plumbing.RefRevParseRules {
		ref, err := storer.ResolveReference(r.st, plumbing.ReferenceName(fmt.Sprintf(rule, name)))
		if err != nil || ref == nil || ref.Type() != plumbing.HashReference {
			continue
		}
		return r.peel(ref.Hash(), name)
	}
	if name == "HEAD" {
		if head, err := r.st.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference {
			return ZeroHash, fmt.Errorf("%w: HEAD points to %s, which has no commit yet", ErrUnknownRevision, head.Target())
		}
	}
	if len(name) >= 4 && isHex(name) {
		return r.resolvePrefix(name)
	}
	return ZeroHash, fmt.Errorf("%w: no branch, tag or commit named %q", ErrUnknownRevision, name)
}

// resolvePrefix resolves a short hash to the one commit it abbreviates.
func (r *Repo) resolvePrefix(prefix string) (Hash, error) {
	prefix = strings.ToLower(prefix)
	b, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return ZeroHash, fmt.Errorf("%w: %q", ErrUnknownRevision, prefix)
	}
	hashes, err := r.st.HashesWithPrefix(b)
	if err != nil {
		return ZeroHash, fmt.Errorf("look up short hash %s: %w", prefix, err)
	}
	var found []Hash
	for _, h := range hashes {
		if !strings.HasPrefix(h.String(), prefix) {
			continue
		}
		c, err := r.peel(h, prefix)
		if err != nil {
			continue // a tree or blob, or a tag of one
		}
		if !slices.Contains(found, c) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if len(r.shallow) > 0 {
			return ZeroHash, fmt.Errorf("%w: no commit starts with %s (this clone is shallow: a commit beyond its history is found only by its full hash)", ErrUnknownRevision, prefix)
		}
		return ZeroHash, fmt.Errorf("%w: no commit starts with %s", ErrUnknownRevision, prefix)
	default:
		return ZeroHash, fmt.Errorf("%w: short hash %s is ambiguous (%d commits); use more digits", ErrUnknownRevision, prefix, len(found))
	}
}

// fetchHead resolves FETCH_HEAD: the first hash of the file git fetch
// writes in the (per-worktree) git directory.
func (r *Repo) fetchHead() (Hash, error) {
	b, err := os.ReadFile(filepath.Join(r.gitDir, "FETCH_HEAD"))
	if errors.Is(err, os.ErrNotExist) {
		return ZeroHash, fmt.Errorf("%w: FETCH_HEAD does not exist (nothing fetched yet)", ErrUnknownRevision)
	}
	if err != nil {
		return ZeroHash, fmt.Errorf("read FETCH_HEAD: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	field, _, _ := bytes.Cut(line, []byte("\t"))
	h, err := ParseHash(string(bytes.TrimSpace(field)))
	if err != nil {
		return ZeroHash, fmt.Errorf("read FETCH_HEAD: %w", err)
	}
	return r.peel(h, "FETCH_HEAD")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// validRefName rejects what git's check-ref-format rejects and what could
// make a ref lookup leave the git directory.
func validRefName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") ||
		strings.Contains(name, "..") || strings.Contains(name, "//") || strings.Contains(name, "@{") {
		return false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" :?*[\\", c) {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// FirstParent returns the first parent of commit, and false for a root
// commit. It reads only commit itself, whose parent list is intact even in
// a shallow clone: the parent of a shallow commit is returned although it
// is absent, and loading it (Diff) fails with a *MissingObjectError that
// says how to fetch it. A shallow commit is never taken for a root commit.
func (r *Repo) FirstParent(commit Hash) (Hash, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.loadCommit(commit)
	if err != nil {
		return ZeroHash, false, fmt.Errorf("first parent of %s: %w", short(commit), err)
	}
	if len(c.parents) > 0 {
		return c.parents[0], true, nil
	}
	return ZeroHash, false, nil
}

// IsAncestor reports whether commit a is an ancestor of commit b (or b
// itself). It walks b's history breadth-first, visiting each commit once,
// and never past the boundary of a shallow clone. When a is not found
// before the boundary, it checks whether b is an ancestor of a (then a
// cannot be one of b: the usual case of a newer a); only when neither
// settles it does it return a *MissingObjectError with History set, whose
// message says how to deepen the clone. A commit absent from a complete
// clone is no ancestor. The cost is at most two reads per commit present.
func (r *Repo) IsAncestor(a, b Hash) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ok, err := r.isAncestor(a, b)
	if err != nil {
		return false, fmt.Errorf("is %s an ancestor of %s: %w", short(a), short(b), err)
	}
	return ok, nil
}

func (r *Repo) isAncestor(a, b Hash) (bool, error) {
	if _, err := r.loadCommit(b); err != nil {
		return false, err
	}
	if _, err := r.loadCommit(a); err != nil {
		var m *MissingObjectError
		if !errors.As(err, &m) {
			return false, err
		}
		if len(r.shallow) == 0 {
			// A complete clone holds every ancestor of b; a commit it
			// lacks is not one.
			return false, nil
		}
		// In a shallow clone a may lie beyond the boundary: the walk
		// below cannot find it and reports where history ends.
	}
	found, boundary, err := r.reaches(b, a)
	if err != nil || found {
		return found, err
	}
	if boundary.IsZero() {
		return false, nil
	}
	// b's history is cut short. If b is an ancestor of a, a cannot be an
	// ancestor of b: the usual "no" (is HEAD older than the last synced
	// commit?) needs no more history.
	if a != b {
		if back, _, err := r.reaches(a, b); err == nil && back {
			return false, nil
		}
	}
	return false, r.historyEnds(boundary)
}

// reaches walks the history of from breadth-first, each commit once, and
// reports whether it reaches target. In a shallow clone it walks every
// commit present and stops at absent ones; boundary is the first absent
// commit met when target was not found.
func (r *Repo) reaches(from, target Hash) (found bool, boundary Hash, err error) {
	visited, boundary, err := r.history(from, func(h Hash) bool { return h == target })
	if err != nil {
		return false, ZeroHash, err
	}
	if visited[target] {
		return true, ZeroHash, nil
	}
	return false, boundary, nil
}

// IsShallow reports whether commit h is a boundary commit of a shallow
// clone: present, but its parents are not.
func (r *Repo) IsShallow(h Hash) bool { return r.shallow[h] }

// Shallow returns the boundary commits of a shallow clone, sorted; none for
// a complete clone.
func (r *Repo) Shallow() []Hash {
	out := make([]Hash, 0, len(r.shallow))
	for h := range r.shallow {
		out = append(out, h)
	}
	slices.SortFunc(out, func(x, y Hash) int { return bytes.Compare(x[:], y[:]) })
	return out
}
