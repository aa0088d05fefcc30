// Package gitdiff is everything port-gitops does with git: it opens the
// repository a command runs in, resolves revisions, lists the entity files
// that changed between two commits, lists the files of one commit or of the
// index, and reads their content.
//
// It never runs the git binary. Objects are read from the mapped pack files
// and loose objects first (fastobj.go) and the index is walked in place
// (index.go); go-git opens the repository, reads refs and config, and
// reads whatever the fast reader does not find (alternates, missing
// objects). It is
// built for the two places port-gitops meets git: a pre-commit hook (loose
// objects, a freshly written index) and a CI job (shallow or partial clones,
// linked worktrees, bare mirrors). A missing object never surfaces as a bare
// "object not found": it is a *MissingObjectError that says why the object
// is absent and how to fetch it.
//
// The package must not print, read the process environment or os.Args, or
// import the command-line layer; callers pass what they read from the
// environment (for example GIT_INDEX_FILE, see Repo.StagedIn) as arguments.
//
// Diffs are content diffs of regular and executable files only: symbolic
// links and submodule entries are ignored, renames are not detected (a move
// is a deletion and an addition), and a change of the executable bit alone is
// no change.
package gitdiff

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Hash is a git object name (SHA-1). It is go-git's type, so values pass
// between this package and go-git unchanged; callers need not import go-git.
type Hash = plumbing.Hash

// ZeroHash is the all-zero hash. As the base of Diff it stands for the empty
// tree; in a Change it marks the side where the file does not exist.
var ZeroHash = plumbing.ZeroHash

// ParseHash parses a full 40-digit hexadecimal object name.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("parse hash %q: want %d hexadecimal digits, got %d", s, 2*len(h), len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return ZeroHash, fmt.Errorf("parse hash %q: %w", s, err)
	}
	return h, nil
}

// Change is one file whose content differs between two trees. From is the
// blob on the base side and To the blob on the head side; ZeroHash marks the
// side where no regular file exists at Path (an addition or a deletion).
type Change struct {
	Path string // slash-separated, relative to the repository root
	From Hash
	To   Hash
}

// File is one regular or executable file of a tree or of the index.
type File struct {
	Path string // slash-separated, relative to the repository root
	Hash Hash   // blob, readable with Repo.ReadBlob
}

// Errors that callers may test with errors.Is.
var (
	// ErrNotRepository means no git repository was found at the directory
	// given to Open or any of its parents.
	ErrNotRepository = errors.New("not a git repository")
	// ErrUnknownRevision means a revision names no branch, tag or commit.
	ErrUnknownRevision = errors.New("unknown revision")
	// ErrNullRevision means a revision is forty zeros, which CI systems use
	// for "no previous commit" (a new branch, a manual run).
	ErrNullRevision = errors.New("the null revision (forty zeros) names no commit")
	// ErrUnsupportedRepository means the repository uses a format this
	// package cannot read (SHA-256 objects, reftable, a split or sparse
	// index); the error's message says how to convert it.
	ErrUnsupportedRepository = errors.New("unsupported repository format")
)
