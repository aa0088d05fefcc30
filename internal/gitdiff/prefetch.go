package gitdiff

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// prefetchBudget bounds the bytes of blobs read ahead and not yet taken
// (give or take the one blob being read).
const prefetchBudget = 64 << 20

// prefetcher reads blobs ahead, on one goroutine, from the mapped packs and
// loose objects only (the fast reader): a blob it cannot read there, or
// any error, is left to ReadBlobMax's own read, which reports it. A blob is
// taken once: ReadBlobMax removes it.
type prefetcher struct {
	mu      sync.Mutex
	queue   []*prefetched
	entries map[Hash]*prefetched
	held    int64 // bytes read ahead, not yet taken
	running bool
	stopped bool
	wg      sync.WaitGroup
}

type prefetched struct {
	hash    Hash
	limit   int64
	started bool // a worker is reading it (or has): wait for done
	skip    bool // taken before a worker got to it: the worker passes it over
	done    chan struct{}
	data    []byte
	ok      bool
}

// Prefetch starts reading blob h (of at most limit bytes, as ReadBlobMax
// takes it) in the background, so that a ReadBlobMax of it later finds it
// read. It never blocks and never fails: the zero hash, a blob already
// asked for, a closed Repo or a full budget make it do nothing. Sync calls
// it as Diff finds changed entity files, so that the blobs inflate on the
// second core while the trees are still being compared.
func (r *Repo) Prefetch(h Hash, limit int64) {
	if h.IsZero() {
		return
	}
	p := &r.pre
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.held >= prefetchBudget || p.entries[h] != nil {
		return
	}
	if p.entries == nil {
		p.entries = map[Hash]*prefetched{}
	}
	e := &prefetched{hash: h, limit: limit, done: make(chan struct{})}
	p.entries[h] = e
	p.queue = append(p.queue, e)
	if !p.running {
		p.running = true
		p.wg.Add(1)
		go r.prefetchWorker()
	}
}

func (r *Repo) prefetchWorker() {
	p := &r.pre
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if len(p.queue) == 0 || p.stopped {
			p.running = false
			p.mu.Unlock()
			return
		}
		if p.held >= prefetchBudget {
			// Nobody has taken enough of what was read: the rest of the
			// queue is left to the readers (none waits for these).
			for _, q := range p.queue {
				close(q.done)
			}
			p.queue = nil
			p.running = false
			p.mu.Unlock()
			return
		}
		e := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if e.skip {
			p.mu.Unlock()
			close(e.done)
			continue
		}
		e.started = true
		p.mu.Unlock()
		t, data, err := r.fast.read(e.hash, e.limit)
		if err == nil && t == plumbing.BlobObject {
			e.data, e.ok = data, true
			p.mu.Lock()
			p.held += int64(len(data))
			p.mu.Unlock()
		}
		close(e.done)
	}
}

// takePrefetched returns blob h if it was read ahead within limit, and
// forgets it.
func (r *Repo) takePrefetched(h Hash, limit int64) ([]byte, bool) {
	p := &r.pre
	p.mu.Lock()
	e := p.entries[h]
	if e == nil {
		p.mu.Unlock()
		return nil, false
	}
	delete(p.entries, h)
	if !e.started {
		e.skip = true // read it here rather than wait for the queue
		p.mu.Unlock()
		return nil, false
	}
	p.mu.Unlock()
	<-e.done
	if !e.ok {
		return nil, false
	}
	p.mu.Lock()
	p.held -= int64(len(e.data))
	p.mu.Unlock()
	if limit >= 0 && int64(len(e.data)) > limit {
		return nil, false // ReadBlobMax's own read says it is too large
	}
	return e.data, true
}

// stopPrefetch stops reading ahead, waits for the worker to end (the fast
// reader's own lock already keeps a read from outliving the mapping) and
// drops what was read and not taken.
func (r *Repo) stopPrefetch() {
	p := &r.pre
	p.mu.Lock()
	p.stopped = true
	for _, e := range p.queue {
		e.skip = true
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	for _, e := range p.queue {
		close(e.done)
	}
	p.queue, p.entries, p.held = nil, nil, 0
	p.mu.Unlock()
}
