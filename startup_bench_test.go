package main

import (
	"context"
	"io"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// BenchmarkValidateOneFileInProcess is what a one-file validate costs after
// package init: building the app, parsing flags, loading the configuration
// and the blueprint, and checking the file. scripts/bench.sh times the whole
// process.
func BenchmarkValidateOneFileInProcess(b *testing.B) {
	dir := "examples"
	args := []string{"port-gitops", "validate", "--color", "never", "services/payments/entity.json"}
	b.ReportAllocs()
	for b.Loop() {
		iop := &cmdutil.IO{Out: io.Discard, Err: io.Discard, Dir: dir, Getenv: func(string) string { return "" }}
		if code := runWith(context.Background(), iop, args); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
