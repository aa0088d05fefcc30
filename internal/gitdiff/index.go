package gitdiff

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Staged returns the files the next commit would contain, read from the
// repository's index (.git/index, or the linked worktree's own): path and
// blob of every entry that satisfies match (nil selects all), sorted by
// path. Content is what was staged, not what is in the working tree; read
// it with ReadBlob (git add writes the blobs before the hook runs).
//
// Left out: entries with a merge conflict (stages 1 to 3; git refuses to
// commit while they exist), intent-to-add entries (git add -N: no content
// staged yet), symbolic links and submodules. A file whose deletion is
// staged is not in the index, so it is not listed. Entries outside a
// sparse checkout (skip-worktree) are listed: they are part of the commit.
//
// Staged reads the index directly and never compares it with the working
// tree, so its cost follows the size of the index only.
func (r *Repo) Staged(match func(path string) bool) ([]File, error) {
	return r.StagedIn("", match)
}

// StagedIn is Staged for the index file at indexFile. git gives hooks the
// index a commit is being built in through GIT_INDEX_FILE (git commit -a,
// git commit <paths> use a temporary one); a caller that reads that
// variable passes its value here. A relative path is relative to Root,
// where git runs hooks; "" is the repository's own index. A missing file
// is an empty index.
func (r *Repo) StagedIn(indexFile string, match func(path string) bool) ([]File, error) {
	idx, err := r.readIndex(indexFile, match)
	if err != nil {
		return nil, err
	}
	return idx.files, nil
}

// readIndex reads the index file at indexFile ("" for the repository's
// own) and keeps the files that satisfy match.
func (r *Repo) readIndex(indexFile string, match func(path string) bool) (*index, error) {
	if indexFile == "" {
		if r.root == "" {
			return nil, errors.New("read index: a bare repository has no index")
		}
		indexFile = filepath.Join(r.gitDir, "index")
	} else if !filepath.IsAbs(indexFile) && r.root != "" {
		indexFile = filepath.Join(r.root, indexFile)
	}
	f, err := os.Open(indexFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &index{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read index %s: not a regular file", indexFile)
	}
	// Mapped, not read: parseIndex copies what it keeps.
	data, unmap, err := mapFile(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer unmap()
	idx, err := parseIndex(data, match)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", indexFile, err)
	}
	idx.mtime = fi.ModTime()
	return idx, nil
}

// index is what port-gitops needs of an index file: the files (stage 0,
// regular or executable, not intent-to-add) that satisfy a match, sorted
// by path, and the cached tree of the TREE extension, if any.
type index struct {
	files []File
	stats []entryStat // the stat data of files, in the same order
	tree  *cacheTree
	// mtime is the index file's own modification time: an entry whose
	// file changed in the same second may still look clean by its stat
	// data (git's "racy" entries), so its content must be read.
	mtime time.Time
}

// entryStat is what the index records of a file's stat data, as git
// compares it to tell a changed file from a clean one without reading it.
type entryStat struct {
	mtimeSec, mtimeNsec, size uint32
}

// cacheTree is one directory of the index's TREE extension: the tree
// object git would write for it, when still valid (git invalidates a
// directory and its parents when an entry below it changes).
type cacheTree struct {
	valid    bool
	hash     Hash
	children map[string]*cacheTree
}

// Index entry flags.
const (
	flagNameMask    = 0x0fff
	flagStageMask   = 0x3000
	flagExtended    = 0x4000
	flagIntentToAdd = 0x2000 // in the extended flags
	entryFixedLen   = 62     // stat data (40), hash (20), flags (2)
)

var errIndexTruncated = errors.New("the index is truncated")

// parseIndex walks the entries of an index file (versions 2, 3 and 4)
// without decoding them into structures: only the mode, hash, flags and
// path of each are looked at, and only entries that satisfy match are
// kept. Of the extensions, TREE is read and the other optional ones
// skipped; a required one it does not know (a split index's link, a
// sparse index's sdir) is ErrUnsupportedRepository.
//
// The trailing checksum is not verified, as git itself does not verify it
// when it reads the index (only git fsck does): hashing a 7 MB index costs
// more than the rest of the read. The structure is checked: a truncated or
// malformed index is an error, never a panic.
func parseIndex(data []byte, match func(string) bool) (*index, error) {
	const hashLen = len(Hash{})
	if len(data) < 12+hashLen || string(data[:4]) != "DIRC" {
		return nil, errors.New("not an index file (no DIRC signature)")
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("%w: index version is %d, not 2, 3 or 4", ErrUnsupportedRepository, version)
	}
	count := binary.BigEndian.Uint32(data[8:12])
	end := len(data) - hashLen // the checksum follows the extensions
	pos := 12
	idx := &index{}
	var prev, v4 []byte // version 4: the previous entry's path, and its buffer
	sorted := true
	// The kept paths are copied into one buffer and become substrings of
	// one string at the end: one allocation, not one per entry.
	var arena []byte
	type span struct{ start, end int }
	var spans []span
	if match == nil {
		n := min(int(count), len(data)/entryFixedLen)
		spans = make([]span, 0, n)
		idx.files = make([]File, 0, n)
		idx.stats = make([]entryStat, 0, n)
		arena = make([]byte, 0, len(data)-n*entryFixedLen)
	}
	for range count {
		if end-pos < entryFixedLen {
			return nil, errIndexTruncated
		}
		e := data[pos:]
		mode := binary.BigEndian.Uint32(e[24:28])
		var h Hash
		copy(h[:], e[40:60])
		flags := binary.BigEndian.Uint16(e[60:62])
		off := entryFixedLen
		var ext uint16
		if flags&flagExtended != 0 {
			if version < 3 {
				return nil, errors.New("malformed index: extended flags in a version 2 index")
			}
			if end-pos < off+2 {
				return nil, errIndexTruncated
			}
			ext = binary.BigEndian.Uint16(e[off : off+2])
			off += 2
		}
		var name []byte
		if version == 4 {
			strip, n := indexVarint(data[pos+off : end])
			if n <= 0 || strip > uint64(len(prev)) {
				return nil, errors.New("malformed index: bad path prefix in a version 4 entry")
			}
			off += n
			nul := bytes.IndexByte(data[pos+off:end], 0)
			if nul < 0 {
				return nil, errIndexTruncated
			}
			// The path is built in one buffer, reused: what is kept is
			// copied into arena below.
			v4 = append(v4[:uint64(len(prev))-strip], data[pos+off:pos+off+nul]...)
			name = v4
			pos += off + nul + 1
		} else {
			n := int(flags & flagNameMask)
			if n == flagNameMask { // 0xfff or longer: look for the NUL
				if end-pos < off+n {
					return nil, errIndexTruncated
				}
				nul := bytes.IndexByte(data[pos+off+n:end], 0)
				if nul < 0 {
					return nil, errIndexTruncated
				}
				n += nul
			}
			if end-pos < off+n+1 {
				return nil, errIndexTruncated
			}
			name = e[off : off+n]
			// Entries are padded with 1 to 8 NULs to a multiple of 8.
			size := (off + n + 8) &^ 7
			if end-pos < size {
				return nil, errIndexTruncated
			}
			pos += size
		}
		prev = name
		if flags&flagStageMask != 0 || ext&flagIntentToAdd != 0 || mode&modeTypeMask != modeFile {
			continue
		}
		if match != nil && !match(string(name)) {
			continue
		}
		if n := len(spans); n > 0 && string(arena[spans[n-1].start:spans[n-1].end]) >= string(name) {
			sorted = false
		}
		spans = append(spans, span{len(arena), len(arena) + len(name)})
		arena = append(arena, name...)
		idx.files = append(idx.files, File{Hash: h})
		idx.stats = append(idx.stats, entryStat{
			mtimeSec:  binary.BigEndian.Uint32(e[8:12]),
			mtimeNsec: binary.BigEndian.Uint32(e[12:16]),
			size:      binary.BigEndian.Uint32(e[36:40]),
		})
	}
	all := string(arena)
	for i, sp := range spans {
		idx.files[i].Path = all[sp.start:sp.end]
	}
	for end-pos >= 8 {
		sig := data[pos : pos+4]
		size := binary.BigEndian.Uint32(data[pos+4 : pos+8])
		pos += 8
		if uint64(end-pos) < uint64(size) {
			return nil, errIndexTruncated
		}
		body := data[pos : pos+int(size)]
		pos += int(size)
		switch {
		case string(sig) == "TREE":
			t, err := parseCacheTree(body)
			if err != nil {
				return nil, fmt.Errorf("malformed index: TREE extension: %w", err)
			}
			idx.tree = t
		case sig[0] >= 'A' && sig[0] <= 'Z':
			// Optional: skip it.
		default:
			return nil, fmt.Errorf("%w: the index is a split index or a sparse index, which port-gitops cannot read; "+
				"convert it with `git update-index --no-split-index` or `git sparse-checkout reapply --no-sparse-index`", ErrUnsupportedRepository)
		}
	}
	if pos != end {
		return nil, errIndexTruncated
	}
	if !sorted {
		order := make([]int, len(idx.files))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(idx.files[a].Path, idx.files[b].Path) })
		files, stats := make([]File, len(order)), make([]entryStat, len(order))
		for i, j := range order {
			files[i], stats[i] = idx.files[j], idx.stats[j]
		}
		idx.files, idx.stats = files, stats
	}
	return idx, nil
}

// indexVarint decodes the offset encoding of version 4 path prefixes. It
// returns the value and the number of bytes read (0 when b ends first or
// the value overflows).
func indexVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	val := uint64(c & 0x7f)
	n := 1
	for c&0x80 != 0 {
		if n >= len(b) || val >= 1<<56 {
			return 0, 0
		}
		val++
		c = b[n]
		n++
		val = val<<7 | uint64(c&0x7f)
	}
	return val, n
}

// parseCacheTree decodes the TREE extension: for each directory, depth
// first, "<name>\0<entry count> <subtree count>\n" and, when the entry
// count is not -1 (invalidated), the tree's hash.
func parseCacheTree(b []byte) (*cacheTree, error) {
	t, rest, err := parseCacheTreeNode(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return t, nil
}

func parseCacheTreeNode(b []byte, depth int) (*cacheTree, []byte, error) {
	if depth > 4096 {
		return nil, nil, errors.New("too deep")
	}
	nul := bytes.IndexByte(b, 0)
	if nul < 0 {
		return nil, nil, errors.New("truncated")
	}
	b = b[nul+1:]
	sp := bytes.IndexByte(b, ' ')
	nl := bytes.IndexByte(b, '\n')
	if sp < 0 || nl < sp {
		return nil, nil, errors.New("malformed counts")
	}
	entries, err1 := strconv.Atoi(string(b[:sp]))
	subtrees, err2 := strconv.Atoi(string(b[sp+1 : nl]))
	if err1 != nil || err2 != nil || subtrees < 0 || entries < -1 {
		return nil, nil, errors.New("malformed counts")
	}
	b = b[nl+1:]
	t := &cacheTree{valid: entries >= 0}
	if t.valid {
		if len(b) < len(Hash{}) {
			return nil, nil, errors.New("truncated")
		}
		copy(t.hash[:], b)
		b = b[len(Hash{}):]
	}
	if subtrees > 0 {
		if subtrees > len(b) {
			return nil, nil, errors.New("truncated")
		}
		t.children = make(map[string]*cacheTree, subtrees)
		for range subtrees {
			nul := bytes.IndexByte(b, 0)
			if nul < 0 {
				return nil, nil, errors.New("truncated")
			}
			name := string(b[:nul])
			c, rest, err := parseCacheTreeNode(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			t.children[name] = c
			b = rest
		}
	}
	return t, b, nil
}

// StagedChanges compares the index (indexFile as for StagedIn; "" is the
// repository's own) with HEAD. It returns the files the next commit adds
// or changes that satisfy match, as Changes from HEAD's blob (ZeroHash for
// an addition) to the staged one, and a function that lists the staged
// files that satisfy match and that the commit leaves as HEAD has them.
// A file is changed when HEAD's tree holds no regular or executable file
// at its path, or another blob; a change of the executable bit alone is no
// change, as in Diff. When HEAD names no commit yet (an unborn branch),
// every staged file is an addition. Both lists are sorted by path.
//
// Only the trees on the way to changed files are read, and none below a
// directory whose tree the index's cache (the TREE extension git keeps up
// to date) says is HEAD's; match is called for the files found changed,
// and for the others only when unchanged is called. After `git add` of one
// file in a large repository, a few trees are read.
func (r *Repo) StagedChanges(indexFile string, match func(path string) bool) (changed []Change, unchanged func() []File, err error) {
	idx, err := r.readIndex(indexFile, nil)
	if err != nil {
		return nil, nil, err
	}
	return r.stagedChanges(idx, match)
}

// stagedChanges is StagedChanges for an index already read (with no match,
// so that its cached trees cover every file).
func (r *Repo) stagedChanges(idx *index, match func(path string) bool) (changed []Change, unchanged func() []File, err error) {
	same := make([]File, 0, len(idx.files))
	unchanged = func() []File {
		if match == nil {
			return same
		}
		var out []File
		for _, f := range same {
			if match(f.Path) {
				out = append(out, f)
			}
		}
		return out
	}
	add := func(f File, from Hash) {
		if match == nil || match(f.Path) {
			changed = append(changed, Change{Path: f.Path, From: from, To: f.Hash})
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	head, err := r.resolve("HEAD")
	if errors.Is(err, ErrUnknownRevision) {
		for _, f := range idx.files {
			add(f, ZeroHash)
		}
		return changed, unchanged, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("compare the index with HEAD: %w", err)
	}
	tree, err := r.commitTree(head)
	if err != nil {
		return nil, nil, fmt.Errorf("compare the index with HEAD: %w", err)
	}
	var walk func(prefix string, files []File, tree Hash, ct *cacheTree) error
	walk = func(prefix string, files []File, tree Hash, ct *cacheTree) error {
		if ct != nil && ct.valid && !tree.IsZero() && ct.hash == tree {
			same = append(same, files...)
			return nil
		}
		entries, err := r.loadTree(tree)
		if err != nil {
			return err
		}
		for i := 0; i < len(files); {
			rest := files[i].Path[len(prefix):]
			slash := strings.IndexByte(rest, '/')
			if slash < 0 {
				from := ZeroHash
				if e := findEntry(entries, rest, false); e != nil {
					from = e.hash
				}
				if from == files[i].Hash {
					same = append(same, files[i])
				} else {
					add(files[i], from)
				}
				i++
				continue
			}
			// The files below one directory are contiguous in path order.
			dir := rest[:slash+1]
			j := i + 1
			for j < len(files) && strings.HasPrefix(files[j].Path[len(prefix):], dir) {
				j++
			}
			sub := ZeroHash
			if e := findEntry(entries, dir[:slash], true); e != nil {
				sub = e.hash
			}
			var child *cacheTree
			if ct != nil {
				child = ct.children[dir[:slash]]
			}
			if err := walk(prefix+dir, files[i:j], sub, child); err != nil {
				return err
			}
			i = j
		}
		return nil
	}
	if err := walk("", idx.files, tree, idx.tree); err != nil {
		return nil, nil, fmt.Errorf("compare the index with HEAD: %w", err)
	}
	return changed, unchanged, nil
}

// findEntry returns the entry of a tree (sorted in git's order) named name:
// a subtree when dir is set, else a regular or executable file; nil when
// there is none.
func findEntry(entries []treeEntry, name string, dir bool) *treeEntry {
	key := treeEntry{name: []byte(name), mode: modeFile}
	if dir {
		key.mode = modeTree
	}
	i, found := slices.BinarySearchFunc(entries, &key, func(e treeEntry, k *treeEntry) int { return compareEntries(&e, k) })
	if !found {
		return nil
	}
	e := &entries[i]
	if dir && !e.isTree() || !dir && !e.isFile() {
		return nil
	}
	return e
}
