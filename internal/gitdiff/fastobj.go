package gitdiff

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/klauspost/compress/zlib"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// objectReader reads objects straight from the repository's own pack
// files, which it maps into memory, and from its loose objects: it
// binary-searches each pack index's fanout, inflates from the mapping and
// caches delta bases by offset. Every read tries it first. An object it
// does not find (one in an alternate's store, or one that is missing) is
// left to go-git, which reads alternates and says why an object is
// missing; so is an object in a pack it could not map.
//
// Reads may run at once; close waits for them.
type objectReader struct {
	mu     sync.RWMutex // shared by reads, held whole by close
	closed bool
	objDir string
	packs  []*pack

	cacheMu    sync.Mutex
	cache      map[baseKey][]byte
	cacheBytes int
}

// maxBaseCache bounds the memory of cached delta bases.
const maxBaseCache = 32 << 20

type baseKey struct {
	p   *pack
	off uint64
}

// pack is one mapped pack and its version 2 index.
type pack struct {
	data   []byte // the .pack
	fanout []byte // 256 big-endian counts
	names  []byte // n sorted hashes
	offs   []byte // n 4-byte offsets
	large  []byte // 8-byte offsets
	n      int
	unmap  []func() error
}

// errNotHere means the object is in none of the reader's packs and not
// loose: go-git is asked next.
var errNotHere = errors.New("object not in the mapped packs")

// openObjectReader maps the packs of objDir. A pack it cannot map or whose
// index it does not understand is left out (go-git reads it).
func openObjectReader(objDir string) *objectReader {
	o := &objectReader{objDir: objDir, cache: map[baseKey][]byte{}}
	idxs, _ := filepath.Glob(filepath.Join(objDir, "pack", "pack-*.idx"))
	for _, idx := range idxs {
		if p, err := openPack(idx); err == nil {
			o.packs = append(o.packs, p)
		}
	}
	return o
}

func openPack(idxPath string) (*pack, error) {
	p := &pack{}
	ok := false
	defer func() {
		if !ok {
			p.close()
		}
	}()
	mapped := func(path string) ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", path)
		}
		data, unmap, err := mapFile(f, fi.Size(), false)
		if err != nil {
			return nil, err
		}
		p.unmap = append(p.unmap, unmap)
		return data, nil
	}
	idx, err := mapped(idxPath)
	if err != nil {
		return nil, err
	}
	const hashLen = len(Hash{})
	if len(idx) < 8+256*4+2*hashLen || string(idx[:4]) != "\xfftOc" || binary.BigEndian.Uint32(idx[4:8]) != 2 {
		return nil, errors.New("not a version 2 pack index")
	}
	p.fanout = idx[8 : 8+256*4]
	prev := uint32(0)
	for i := range 256 {
		v := binary.BigEndian.Uint32(p.fanout[i*4:])
		if v < prev {
			return nil, errors.New("malformed pack index fanout")
		}
		prev = v
	}
	n := int(prev)
	rest := idx[8+256*4:]
	if uint64(len(rest)) < uint64(n)*uint64(hashLen+8)+uint64(2*hashLen) {
		return nil, errors.New("truncated pack index")
	}
	p.n = n
	p.names = rest[:n*hashLen]
	p.offs = rest[n*(hashLen+4) : n*(hashLen+8)]
	p.large = rest[n*(hashLen+8) : len(rest)-2*hashLen]
	if p.data, err = mapped(idxPath[:len(idxPath)-len(".idx")] + ".pack"); err != nil {
		return nil, err
	}
	if len(p.data) < 12+hashLen || string(p.data[:4]) != "PACK" {
		return nil, errors.New("not a pack file")
	}
	ok = true
	return p, nil
}

func (p *pack) close() error {
	var errs []error
	for _, u := range p.unmap {
		errs = append(errs, u())
	}
	return errors.Join(errs...)
}

// find returns the offset of object h in the pack.
func (p *pack) find(h Hash) (uint64, bool) {
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(p.fanout[(int(h[0])-1)*4:]))
	}
	hi := int(binary.BigEndian.Uint32(p.fanout[int(h[0])*4:]))
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(p.names[m*len(h):(m+1)*len(h)], h[:]); {
		case c == 0:
			v := binary.BigEndian.Uint32(p.offs[m*4:])
			if v&0x80000000 == 0 {
				return uint64(v), true
			}
			j := int(v & 0x7fffffff)
			if j*8+8 > len(p.large) {
				return 0, false
			}
			return binary.BigEndian.Uint64(p.large[j*8:]), true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

func (o *objectReader) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	var errs []error
	for _, p := range o.packs {
		errs = append(errs, p.close())
	}
	o.packs = nil
	return errors.Join(errs...)
}

// read returns the type and content of object h; an object larger than
// limit (when limit >= 0) is an error satisfying safefile.ErrTooLarge,
// found before it is inflated. errNotHere means go-git should be asked.
func (o *objectReader) read(h Hash, limit int64) (plumbing.ObjectType, []byte, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.closed {
		return plumbing.InvalidObject, nil, errNotHere
	}
	return o.readHash(h, limit, 0)
}

func (o *objectReader) readHash(h Hash, limit int64, depth int) (plumbing.ObjectType, []byte, error) {
	for _, p := range o.packs {
		if off, ok := p.find(h); ok {
			// An object already inflated as a delta base (sync reads a
			// file's base side, a delta of its HEAD side, first) is
			// copied from the cache.
			o.cacheMu.Lock()
			entry, hit := o.cache[baseKey{p, off}]
			o.cacheMu.Unlock()
			if hit {
				if limit >= 0 && int64(len(entry)-1) > limit {
					return plumbing.InvalidObject, nil, safefile.TooLarge(int64(len(entry)-1), limit)
				}
				return plumbing.ObjectType(entry[0]), bytes.Clone(entry[1:]), nil
			}
			return o.readPacked(p, off, limit, depth)
		}
	}
	return o.readLoose(h, limit)
}

// maxDeltaDepth bounds delta chains (git's deepest is 4,095).
const maxDeltaDepth = 10000

// readPacked reads the object at off in p, applying deltas.
func (o *objectReader) readPacked(p *pack, off uint64, limit int64, depth int) (plumbing.ObjectType, []byte, error) {
	if depth > maxDeltaDepth {
		return plumbing.InvalidObject, nil, errors.New("delta chain too deep")
	}
	bad := func(what string) error { return fmt.Errorf("malformed pack entry at offset %d: %s", off, what) }
	if off < 12 || off >= uint64(len(p.data)) {
		return plumbing.InvalidObject, nil, bad("offset outside the pack")
	}
	b := p.data[off:]
	c := b[0]
	typ := plumbing.ObjectType((c >> 4) & 7)
	size := uint64(c & 15)
	i, shift := 1, uint(4)
	for c&0x80 != 0 {
		if i >= len(b) || shift > 60 {
			return plumbing.InvalidObject, nil, bad("header")
		}
		c = b[i]
		i++
		size |= uint64(c&0x7f) << shift
		shift += 7
	}
	switch typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
		if limit >= 0 && size > uint64(limit) {
			return plumbing.InvalidObject, nil, safefile.TooLarge(int64(min(size, 1<<62)), limit)
		}
		data, err := inflate(b[i:], size)
		if err != nil {
			return plumbing.InvalidObject, nil, bad(err.Error())
		}
		return typ, data, nil
	case plumbing.OFSDeltaObject, plumbing.REFDeltaObject:
	default:
		return plumbing.InvalidObject, nil, bad("unknown type")
	}
	var (
		baseType plumbing.ObjectType
		base     []byte
		err      error
	)
	if typ == plumbing.OFSDeltaObject {
		if i >= len(b) {
			return plumbing.InvalidObject, nil, bad("delta offset")
		}
		c = b[i]
		i++
		rel := uint64(c & 0x7f)
		for c&0x80 != 0 {
			if i >= len(b) || rel >= 1<<56 {
				return plumbing.InvalidObject, nil, bad("delta offset")
			}
			c = b[i]
			i++
			rel = (rel+1)<<7 | uint64(c&0x7f)
		}
		if rel == 0 || rel > off {
			return plumbing.InvalidObject, nil, bad("delta base outside the pack")
		}
		baseType, base, err = o.base(p, off-rel, depth)
	} else {
		if len(b) < i+len(Hash{}) {
			return plumbing.InvalidObject, nil, bad("delta base")
		}
		var bh Hash
		copy(bh[:], b[i:])
		i += len(bh)
		baseType, base, err = o.readHash(bh, -1, depth+1)
	}
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	delta, err := inflate(b[i:], size)
	if err != nil {
		return plumbing.InvalidObject, nil, bad(err.Error())
	}
	data, err := applyDelta(base, delta, limit)
	if err != nil {
		if errors.Is(err, safefile.ErrTooLarge) {
			return plumbing.InvalidObject, nil, err
		}
		return plumbing.InvalidObject, nil, bad(err.Error())
	}
	return baseType, data, nil
}

// base returns the delta base at off in p, from the cache when it is
// there. Cached bases are shared: callers only read them.
func (o *objectReader) base(p *pack, off uint64, depth int) (plumbing.ObjectType, []byte, error) {
	k := baseKey{p, off}
	o.cacheMu.Lock()
	data, ok := o.cache[k]
	o.cacheMu.Unlock()
	if ok {
		// A cached entry is the type's byte, then the content.
		return plumbing.ObjectType(data[0]), data[1:], nil
	}
	t, data, err := o.readPacked(p, off, -1, depth+1)
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	if len(data) < maxBaseCache/8 {
		entry := make([]byte, 1+len(data))
		entry[0] = byte(t)
		copy(entry[1:], data)
		o.cacheMu.Lock()
		if o.cacheBytes+len(entry) > maxBaseCache {
			clear(o.cache)
			o.cacheBytes = 0
		}
		o.cache[k] = entry
		o.cacheBytes += len(entry)
		o.cacheMu.Unlock()
	}
	return t, data, nil
}

// readLoose reads a loose object, objects/xx/yyyy...
func (o *objectReader) readLoose(h Hash, limit int64) (plumbing.ObjectType, []byte, error) {
	hex := h.String()
	f, err := os.Open(filepath.Join(o.objDir, hex[:2], hex[2:]))
	if errors.Is(err, fs.ErrNotExist) {
		return plumbing.InvalidObject, nil, errNotHere
	}
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	defer f.Close()
	zr, err := zlib.NewReader(bufio.NewReaderSize(f, 4096))
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 512)
	hdr, err := br.ReadSlice(0)
	if err != nil || len(hdr) > 64 {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: malformed header", h)
	}
	name, sizeText, _ := bytes.Cut(hdr[:len(hdr)-1], []byte(" "))
	typ, err := plumbing.ParseObjectType(string(name))
	size, serr := strconv.ParseUint(string(sizeText), 10, 63)
	if err != nil || serr != nil || typ < plumbing.CommitObject || typ > plumbing.TagObject {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: malformed header", h)
	}
	if limit >= 0 && size > uint64(limit) {
		return plumbing.InvalidObject, nil, safefile.TooLarge(int64(size), limit)
	}
	data, err := readExactly(br, size)
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	return typ, data, nil
}

var zlibReaders sync.Pool

// inflate decompresses exactly size bytes from the zlib stream at the
// start of src. Memory grows with what the stream really holds, not with
// the size it claims.
func inflate(src []byte, size uint64) ([]byte, error) {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := zlibReaders.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(br); err != nil {
			return nil, err
		}
	}
	defer zlibReaders.Put(zr)
	return readExactly(zr, size)
}

func readExactly(r io.Reader, size uint64) ([]byte, error) {
	if size <= 1<<20 {
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("inflate: %w", err)
		}
		return data, nil
	}
	var buf bytes.Buffer
	buf.Grow(1 << 20)
	n, err := io.CopyN(&buf, r, int64(min(size, 1<<62)))
	if err != nil || uint64(n) != size {
		return nil, fmt.Errorf("inflate: %d of %d bytes: %v", n, size, err)
	}
	return buf.Bytes(), nil
}

// applyDelta builds an object from its base and a git delta: the base's
// and the result's sizes, then copy (from the base) and insert
// instructions. A result larger than limit (limit >= 0) is refused before
// it is built.
func applyDelta(base, delta []byte, limit int64) ([]byte, error) {
	varint := func() (uint64, bool) {
		var v uint64
		for shift := uint(0); len(delta) > 0 && shift < 64; shift += 7 {
			c := delta[0]
			delta = delta[1:]
			v |= uint64(c&0x7f) << shift
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	srcSize, ok1 := varint()
	dstSize, ok2 := varint()
	if !ok1 || !ok2 || srcSize != uint64(len(base)) {
		return nil, errors.New("delta header does not match its base")
	}
	if limit >= 0 && dstSize > uint64(limit) {
		return nil, safefile.TooLarge(int64(min(dstSize, 1<<62)), limit)
	}
	// Every instruction byte yields at most 0x10000 (copy) or 127
	// (insert) bytes: a claim beyond that is malformed, not allocated.
	if dstSize > uint64(len(delta))*0x10000 {
		return nil, errors.New("delta result size out of range")
	}
	out := make([]byte, 0, dstSize)
	for len(delta) > 0 {
		c := delta[0]
		delta = delta[1:]
		switch {
		case c&0x80 != 0:
			var off, n uint64
			for k := range 4 {
				if c&(1<<k) != 0 {
					if len(delta) == 0 {
						return nil, errors.New("truncated delta")
					}
					off |= uint64(delta[0]) << (8 * k)
					delta = delta[1:]
				}
			}
			for k := range 3 {
				if c&(0x10<<k) != 0 {
					if len(delta) == 0 {
						return nil, errors.New("truncated delta")
					}
					n |= uint64(delta[0]) << (8 * k)
					delta = delta[1:]
				}
			}
			if n == 0 {
				n = 0x10000
			}
			if off+n > uint64(len(base)) || uint64(len(out))+n > dstSize {
				return nil, errors.New("delta copy out of range")
			}
			out = append(out, base[off:off+n]...)
		case c != 0:
			n := int(c)
			if n > len(delta) || uint64(len(out)+n) > dstSize {
				return nil, errors.New("delta insert out of range")
			}
			out = append(out, delta[:n]...)
			delta = delta[n:]
		default:
			return nil, errors.New("reserved delta instruction")
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, errors.New("delta result has the wrong size")
	}
	return out, nil
}
