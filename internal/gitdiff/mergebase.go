package gitdiff

import (
	"errors"
	"fmt"
)

// MergeBase returns a common ancestor of a and b: the first commit of a's
// history met walking b's history breadth-first, which for a branch and the
// branch it was made from is where it forked (what a pull request's diff
// is taken against). Each commit is read at most twice. When the histories
// meet nowhere before a shallow clone's boundary, the error is a
// *MissingObjectError that says how to deepen the clone; unrelated
// histories are an error too.
func (r *Repo) MergeBase(a, b Hash) (Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.mergeBase(a, b)
	if err != nil {
		return ZeroHash, fmt.Errorf("merge base of %s and %s: %w", short(a), short(b), err)
	}
	return h, nil
}

func (r *Repo) mergeBase(a, b Hash) (Hash, error) {
	ofA, boundA, err := r.history(a, nil)
	if err != nil {
		return ZeroHash, err
	}
	var found Hash
	_, boundB, err := r.history(b, func(h Hash) bool {
		if ofA[h] {
			found = h
			return true
		}
		return false
	})
	if err != nil {
		return ZeroHash, err
	}
	if !found.IsZero() {
		return found, nil
	}
	for _, bound := range []Hash{boundA, boundB} {
		if !bound.IsZero() {
			return ZeroHash, r.historyEnds(bound)
		}
	}
	return ZeroHash, errors.New("the two commits have no common history")
}

// history walks from's history breadth-first, each commit once, until stop
// (nil: never) says so, and returns the commits it visited and the first
// shallow boundary it met. r.mu must be held.
func (r *Repo) history(from Hash, stop func(Hash) bool) (map[Hash]bool, Hash, error) {
	visited := map[Hash]bool{from: true}
	queue := []Hash{from}
	var boundary Hash
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if stop != nil && stop(h) {
			break
		}
		c, err := r.loadCommit(h)
		var m *MissingObjectError
		if errors.As(err, &m) && m.Reason == ReasonShallow {
			if boundary.IsZero() {
				boundary = h
			}
			continue
		}
		if err != nil {
			return nil, ZeroHash, err
		}
		for _, p := range c.parents {
			if !visited[p] {
				visited[p] = true
				queue = append(queue, p)
			}
		}
	}
	return visited, boundary, nil
}
