// Package gctune sets the garbage collector for a short command-line run.
//
// Most port-gitops runs allocate a few tens of megabytes and end within a
// second; at Go's default (GOGC=100) a 500-file sync dry run still collects
// three times, about a tenth of its time. Start lets the heap grow to five
// times what is live (GOGC=400) while that is small, and goes back to the
// default for good once a collection finds more than liveLimit live, so a
// large run (a catalog of 80,000 entities in one file) keeps the default's
// memory. GOGC or GOMEMLIMIT set in the environment are the user's choice
// and are left alone.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// liveLimit is the live heap above which the default comes back.
const liveLimit = 32 << 20

// percent is GOGC while the live heap stays under liveLimit.
const percent = 400

// Start tunes the collector for this process; getenv reads the environment.
func Start(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(percent)
	arm()
}

// sentinel is an object nothing refers to: its finalizer runs after each
// collection, which is when the live heap is known.
type sentinel struct {
	_ [16]byte
	_ *int // a pointer, so it is never a tiny allocation
}

func arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if live() > liveLimit {
			debug.SetGCPercent(100)
			return
		}
		arm()
	})
}

// live returns the heap bytes the last collection found live (0 before
// the first).
func live() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
