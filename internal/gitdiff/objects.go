package gitdiff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Reason says why an object is missing from the repository.
type Reason string

// The reasons a MissingObjectError can give.
const (
	// ReasonShallow: the clone is shallow and the commit lies beyond its
	// history (CI checkouts are shallow by default).
	ReasonShallow Reason = "shallow clone"
	// ReasonPartial: the clone is partial (a promisor remote, for example
	// git clone --filter=blob:none) and the object was filtered out.
	ReasonPartial Reason = "partial clone"
	// ReasonNotFound: the object is not in the repository for another
	// reason: another repository's commit, a force push, a typo.
	ReasonNotFound Reason = "not found"
)

// MissingObjectError reports an object that the repository does not hold.
// Its message says why and how to fetch it.
type MissingObjectError struct {
	Hash   Hash
	Kind   string // "commit", "tree" or "blob"
	Reason Reason
	// History is set when more history is needed, not one object: an
	// ancestry question ran into the end of a shallow clone at the absent
	// commit Hash.
	History bool
	// Remote is the remote named in the suggested commands.
	Remote string
}

// Error says what is missing, why, and how to fix it.
func (e *MissingObjectError) Error() string {
	if e.History {
		return fmt.Sprintf("%s %s and the history before it are missing (%s): %s", e.Kind, e.Hash, e.Reason, e.Fix())
	}
	return fmt.Sprintf("%s %s is missing (%s): %s", e.Kind, e.Hash, e.Reason, e.Fix())
}

// Fix returns the command or setting that makes the object available.
func (e *MissingObjectError) Fix() string {
	remote := e.Remote
	if remote == "" {
		remote = "origin"
	}
	const ci = "actions/checkout: fetch-depth: 0; GitLab CI: GIT_DEPTH: 0"
	switch {
	case e.Reason == ReasonShallow && e.History:
		return fmt.Sprintf("the clone is shallow; fetch more history with `git fetch --deepen=1000 %s` or `git fetch --unshallow %s`, or check out the whole history (%s)", remote, remote, ci)
	case e.Reason == ReasonShallow:
		return fmt.Sprintf("the clone is shallow; fetch the commit with `git fetch --depth=1 %s %s`, or check out the whole history (%s)", remote, e.Hash, ci)
	case e.Reason == ReasonPartial:
		return fmt.Sprintf("the clone is partial (remote %s is a promisor; filtered objects are fetched on demand); run `git cat-file -e %s` to let git fetch it, or clone without --filter (actions/checkout: leave filter unset)", remote, e.Hash)
	default:
		return fmt.Sprintf("it may belong to another repository or have been dropped by a force push; `git fetch %s %s` fetches it if the remote still has it", remote, e.Hash)
	}
}

// Unwrap lets errors.Is match go-git's plumbing.ErrObjectNotFound.
func (e *MissingObjectError) Unwrap() error { return plumbing.ErrObjectNotFound }

// missing builds the error for object h of the given kind that the storage
// does not hold.
func (r *Repo) missing(h Hash, kind string) *MissingObjectError {
	e := &MissingObjectError{Hash: h, Kind: kind, Reason: ReasonNotFound, Remote: r.remote}
	switch {
	case kind == "commit" && len(r.shallow) > 0:
		e.Reason = ReasonShallow
	case kind != "commit" && len(r.promisors) > 0:
		e.Reason = ReasonPartial
		e.Remote = r.promisors[0]
	}
	return e
}

// readObject returns the type and content of object h. kind names what the
// caller expects, for the error when h is missing. An object larger than
// limit is an error (no limit when limit < 0). r.mu must be held.
func (r *Repo) readObject(h Hash, kind string, limit int64) (plumbing.ObjectType, []byte, error) {
	if r.closed {
		return plumbing.InvalidObject, nil, fmt.Errorf("read %s %s: repository is closed", kind, h)
	}
	if t, data, err := r.fast.read(h, limit); !errors.Is(err, errNotHere) {
		if err != nil && !errors.Is(err, safefile.ErrTooLarge) {
			err = fmt.Errorf("read %s %s: %w", kind, h, err)
		}
		return t, data, err
	}
	obj, err := r.st.EncodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return plumbing.InvalidObject, nil, r.missing(h, kind)
	}
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("read %s %s: %w", kind, h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("read %s %s: %w", kind, h, err)
	}
	defer rd.Close()
	if limit >= 0 && obj.Size() > limit {
		// The caller names the file; the object's name would be noise.
		return plumbing.InvalidObject, nil, safefile.TooLarge(obj.Size(), limit)
	}
	data := make([]byte, obj.Size())
	if _, err := io.ReadFull(rd, data); err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("read %s %s: %w", kind, h, err)
	}
	return obj.Type(), data, nil
}

// read returns the content of object h, which must be of type want.
func (r *Repo) read(h Hash, want plumbing.ObjectType) ([]byte, error) {
	return r.readMax(h, want, -1)
}

// readMax is read for an object of at most limit bytes.
func (r *Repo) readMax(h Hash, want plumbing.ObjectType, limit int64) ([]byte, error) {
	kind := want.String()
	t, data, err := r.readObject(h, kind, limit)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("read %s %s: object is a %s", kind, h, t)
	}
	return data, nil
}

// ReadBlob returns the content of blob h: a file of Diff, Files or Staged.
func (r *Repo) ReadBlob(h Hash) ([]byte, error) {
	return r.ReadBlobMax(h, -1)
}

// ReadBlobMax is ReadBlob for a blob of at most limit bytes (no limit when
// limit < 0): a larger blob is an error that satisfies
// errors.Is(err, safefile.ErrTooLarge), found from the object's header
// before its content is read.
func (r *Repo) ReadBlobMax(h Hash, limit int64) ([]byte, error) {
	if data, ok := r.takePrefetched(h, limit); ok {
		return data, nil
	}
	// The mapped packs need no lock of the Repo: blobs are read in
	// parallel.
	switch t, data, err := r.fast.read(h, limit); {
	case errors.Is(err, errNotHere):
	case errors.Is(err, safefile.ErrTooLarge):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	case t != plumbing.BlobObject:
		return nil, fmt.Errorf("read blob %s: object is a %s", h, t)
	default:
		return data, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readMax(h, plumbing.BlobObject, limit)
}

// commit is the part of a commit object port-gitops needs.
type commit struct {
	hash    Hash
	tree    Hash
	parents []Hash
}

// loadCommit reads and parses commit h. r.mu must be held.
func (r *Repo) loadCommit(h Hash) (commit, error) {
	data, err := r.read(h, plumbing.CommitObject)
	if err != nil {
		return commit{}, err
	}
	c, err := parseCommit(data)
	if err != nil {
		return commit{}, fmt.Errorf("parse commit %s: %w", h, err)
	}
	c.hash = h
	return c, nil
}

// parseCommit reads the tree and parent headers of a commit object.
func parseCommit(data []byte) (commit, error) {
	var c commit
	seenTree := false
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		if len(line) == 0 {
			break // end of headers
		}
		key, val, _ := bytes.Cut(line, []byte(" "))
		switch string(key) {
		case "tree":
			h, err := ParseHash(string(val))
			if err != nil {
				return c, err
			}
			c.tree, seenTree = h, true
		case "parent":
			h, err := ParseHash(string(val))
			if err != nil {
				return c, err
			}
			c.parents = append(c.parents, h)
		}
	}
	if !seenTree {
		return c, errors.New("no tree header")
	}
	return c, nil
}

// peel follows annotated tags from object h to a commit and returns the
// commit's hash. r.mu must be held.
func (r *Repo) peel(h Hash, name string) (Hash, error) {
	for range 16 {
		t, data, err := r.readObject(h, "commit", -1)
		if err != nil {
			return ZeroHash, err
		}
		switch t {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			target, err := tagTarget(data)
			if err != nil {
				return ZeroHash, fmt.Errorf("parse tag %s: %w", h, err)
			}
			h = target
		default:
			return ZeroHash, fmt.Errorf("%s names a %s, not a commit", name, t)
		}
	}
	return ZeroHash, fmt.Errorf("%s: too many nested tags", name)
}

// tagTarget returns the object an annotated tag points to.
func tagTarget(data []byte) (Hash, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	val, ok := strings.CutPrefix(string(line), "object ")
	if !ok {
		return ZeroHash, errors.New("no object header")
	}
	return ParseHash(val)
}

// Tree entry modes, by their type bits.
const (
	modeTypeMask = 0o170000
	modeTree     = 0o040000
	modeFile     = 0o100000 // regular or executable file
)

// treeEntry is one entry of a tree object; name points into the object's
// content.
type treeEntry struct {
	name []byte
	mode uint32
	hash Hash
}

func (e *treeEntry) isTree() bool { return e.mode&modeTypeMask == modeTree }
func (e *treeEntry) isFile() bool { return e.mode&modeTypeMask == modeFile }

// fileHash is the entry's blob for a content diff: its hash when it is a
// regular or executable file, ZeroHash for symbolic links and submodules.
func (e *treeEntry) fileHash() Hash {
	if e.isFile() {
		return e.hash
	}
	return ZeroHash
}

// loadTree reads and parses tree h; the zero hash is the empty tree.
// r.mu must be held.
func (r *Repo) loadTree(h Hash) ([]treeEntry, error) {
	if h.IsZero() {
		return nil, nil
	}
	data, err := r.read(h, plumbing.TreeObject)
	if err != nil {
		return nil, err
	}
	entries, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse tree %s: %w", h, err)
	}
	return entries, nil
}

// parseTree splits a tree object into entries: "<octal mode> <name>\0"
// followed by the 20-byte hash, repeated.
func parseTree(data []byte) ([]treeEntry, error) {
	entries := make([]treeEntry, 0, bytes.Count(data, []byte{0}))
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 {
			return nil, errors.New("malformed entry mode")
		}
		var mode uint32
		for _, c := range data[:sp] {
			if c < '0' || c > '7' {
				return nil, fmt.Errorf("malformed entry mode %q", data[:sp])
			}
			mode = mode<<3 | uint32(c-'0')
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul <= 0 || len(data) < nul+1+len(Hash{}) {
			return nil, errors.New("truncated entry")
		}
		e := treeEntry{name: data[:nul:nul], mode: mode}
		copy(e.hash[:], data[nul+1:])
		entries = append(entries, e)
		data = data[nul+1+len(Hash{}):]
	}
	return entries, nil
}

// compareEntries orders tree entries as git does: by name, with a tree's
// name compared as if it ended in '/'. This is also the byte order of the
// full paths below them, which keeps Diff and Files output sorted.
func compareEntries(a, b *treeEntry) int {
	n := min(len(a.name), len(b.name))
	if c := bytes.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	ca, cb := a.nextByte(n), b.nextByte(n)
	switch {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return 0
}

func (e *treeEntry) nextByte(n int) byte {
	if n < len(e.name) {
		return e.name[n]
	}
	if e.isTree() {
		return '/'
	}
	return 0
}
