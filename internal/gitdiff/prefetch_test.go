package gitdiff

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// prefetchRepo is a packed history with deltas and a last commit left as
// loose objects, and its commits.
func prefetchRepo(t *testing.T) (string, []Hash) {
	needGit(t)
	dir := initRepo(t)
	rng := rand.New(rand.NewPCG(7, 11))
	specs := generateHistory(rng, 10)
	big := strings.Repeat("a line of an entity file that changes a little\n", 300)
	for i := range specs {
		specs[i].tree["big.json"] = file(big + strconv.Itoa(i))
	}
	buildCommits(t, dir, specs[:8])
	git(t, dir, "repack", "-adfq", "--window=50", "--depth=50")
	return dir, buildCommits(t, dir, specs)
}

// Blobs read ahead are exactly what a read gives, taken once, within the
// reader's limit, and whatever was never taken is dropped at Close, the
// worker ended.
func TestPrefetchGivesWhatAReadGives(t *testing.T) {
	t.Parallel()
	dir, commits := prefetchRepo(t)
	r := openRepo(t, dir)
	var seen []Change
	changes, err := r.DiffEach(commits[0], commits[len(commits)-1], nil, func(ch Change) {
		seen = append(seen, ch)
		r.Prefetch(ch.From, -1)
		r.Prefetch(ch.To, -1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(changes) || len(changes) < 5 {
		t.Fatalf("DiffEach called each %d times for %d changes", len(seen), len(changes))
	}
	if got := oracleDiff(t, dir, commits[0], commits[len(commits)-1]); len(got) != len(changes) {
		t.Fatalf("DiffEach gave %d changes, git diff-tree %d", len(changes), len(got))
	}
	fresh := openRepo(t, dir) // no prefetch: the reference reads
	for _, ch := range changes {
		for _, h := range []Hash{ch.From, ch.To} {
			if h.IsZero() {
				continue
			}
			want, werr := fresh.ReadBlob(h)
			got, gerr := r.ReadBlob(h)
			if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("%s %s: read ahead %d bytes (%v), read %d bytes (%v)", ch.Path, h, len(got), gerr, len(want), werr)
			}
		}
	}
	r.pre.mu.Lock()
	left, held := len(r.pre.entries), r.pre.held
	r.pre.mu.Unlock()
	if left != 0 || held != 0 {
		t.Fatalf("after every blob was read, %d entries and %d bytes are still held", left, held)
	}

	// A blob read ahead without a limit still honours the reader's.
	var bigBlob Hash
	for _, ch := range changes {
		if ch.Path == "big.json" {
			bigBlob = ch.To
		}
	}
	if bigBlob.IsZero() {
		t.Fatal("big.json did not change")
	}
	r.Prefetch(bigBlob, -1)
	for {
		r.pre.mu.Lock()
		done := r.pre.entries[bigBlob] != nil && r.pre.entries[bigBlob].started
		r.pre.mu.Unlock()
		if done {
			break
		}
		runtime.Gosched()
	}
	if _, err := r.ReadBlobMax(bigBlob, 100); !errors.Is(err, safefile.ErrTooLarge) {
		t.Fatalf("ReadBlobMax(100) of a %d-byte blob read ahead: %v, want ErrTooLarge", len(readBlobT(t, fresh, bigBlob)), err)
	}

	// Close with a queue of blobs not yet read: it ends the worker and
	// drops the rest.
	for _, ch := range changes {
		r.Prefetch(ch.To, -1)
		r.Prefetch(ch.From, -1)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Prefetch(bigBlob, -1) // after Close: nothing
	r.pre.mu.Lock()
	defer r.pre.mu.Unlock()
	if len(r.pre.entries) != 0 || r.pre.running {
		t.Fatalf("after Close: %d entries, worker running %v", len(r.pre.entries), r.pre.running)
	}
}

func readBlobT(t *testing.T, r *Repo, h Hash) []byte {
	data, err := r.ReadBlob(h)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Prefetch keeps to its budget: past it, blobs are read when asked for,
// and a queue the readers have not caught up with is dropped.
func TestPrefetchBudget(t *testing.T) {
	t.Parallel()
	dir, commits := prefetchRepo(t)
	r := openRepo(t, dir)
	r.pre.mu.Lock()
	r.pre.held = prefetchBudget
	r.pre.mu.Unlock()
	files, err := r.Files(commits[len(commits)-1], nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r.Prefetch(f.Hash, -1)
	}
	r.pre.mu.Lock()
	n := len(r.pre.entries)
	r.pre.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d blobs queued beyond the budget", n)
	}
}

func TestPrefetchDropsTheQueueOverBudget(t *testing.T) {
	t.Parallel()
	dir, commits := prefetchRepo(t)
	r := openRepo(t, dir)
	files, err := r.Files(commits[len(commits)-1], nil)
	if err != nil {
		t.Fatal(err)
	}
	// Queue everything while the worker cannot start, then put the
	// budget over as if nobody had taken what was read.
	r.pre.mu.Lock()
	r.pre.running = true // no worker is started by Prefetch
	r.pre.mu.Unlock()
	for _, f := range files {
		r.Prefetch(f.Hash, -1)
	}
	r.pre.mu.Lock()
	queued := len(r.pre.queue)
	r.pre.held = prefetchBudget
	r.pre.wg.Add(1)
	r.pre.mu.Unlock()
	if queued < 5 {
		t.Fatalf("only %d blobs queued", queued)
	}
	r.prefetchWorker()
	r.pre.mu.Lock()
	left, running, held := len(r.pre.queue), r.pre.running, r.pre.held
	started := 0
	for _, e := range r.pre.entries {
		if e.started {
			started++
		}
	}
	r.pre.held = 0
	r.pre.mu.Unlock()
	if left != 0 || running || held != prefetchBudget || started != 0 {
		t.Fatalf("over budget the worker left %d queued (running %v) and read %d blobs (%d bytes over)", left, running, started, held-prefetchBudget)
	}
	// Every blob still reads, by the reader itself.
	fresh := openRepo(t, dir)
	for _, f := range files {
		got, err := r.ReadBlob(f.Hash)
		want, werr := fresh.ReadBlob(f.Hash)
		if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("%s: %v / %v", f.Path, err, werr)
		}
	}
}
