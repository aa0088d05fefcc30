package parallel

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		for _, workers := range []int{-1, 0, 1, 2, 8, 2000} {
			counts := make([]atomic.Int32, n)
			For(n, workers, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("n=%d workers=%d: index %d called %d times", n, workers, i, c)
				}
			}
		}
	}
}

func TestForRunsOneWorkerOnTheCaller(t *testing.T) {
	// One worker is the caller itself: the items come in order, and the
	// body may use the caller's state unguarded.
	var order []int
	For(100, 1, func(i int) { order = append(order, i) })
	for i, got := range order {
		if got != i {
			t.Fatalf("call %d was for item %d: not run in order on the caller", i, got)
		}
	}
	if len(order) != 100 {
		t.Fatalf("%d calls, want 100", len(order))
	}
}

func TestForRunsInParallel(t *testing.T) {
	// Two workers and two items: each waits for the other to start, which
	// only happens if both run at once.
	started := make(chan struct{}, 2)
	var alone atomic.Bool
	For(2, 2, func(int) {
		started <- struct{}{}
		deadline := time.Now().Add(5 * time.Second)
		for len(started) < 2 {
			if time.Now().After(deadline) {
				alone.Store(true)
				return
			}
		}
	})
	if alone.Load() {
		t.Fatal("the two items did not run at the same time")
	}
}
