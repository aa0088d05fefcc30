// Package parallel runs the body of a loop over indexes on a few
// goroutines: how port-gitops reads, parses and checks many files at once.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For calls body(i) for every i in [0, n) on min(workers, n) goroutines,
// each taking the next index as it frees up, so a slow item holds up only
// its own goroutine. With one worker or one item, body runs on the
// caller's goroutine (no goroutine to start for a pre-commit hook's single
// file). For returns when every call has returned. body must be safe to
// call from several goroutines at once; results go into slots indexed by i.
func For(n, workers int, body func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			body(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				body(int(i))
			}
		}()
	}
	wg.Wait()
}
