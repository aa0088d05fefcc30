package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// benchCatalog is a local Port holding 10,000 services.
func benchCatalog(b *testing.B) (*porttest.Server, func(dir string, args ...string) (int, string)) {
	srv := porttest.New()
	b.Cleanup(srv.Close)
	for _, bp := range catalogBlueprints {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 10_000 {
		raw := fmt.Sprintf(`{"identifier": "s%05d", "title": "Service %d", "team": ["team-%d"], "properties": {"tier": "standard", "port": %d}, "relations": {"deps": ["s%05d"]}}`, i, i, i%50, 8000+i%100, (i+1)%10_000)
		if err := srv.PutEntity("service", json.RawMessage(raw)); err != nil {
			b.Fatal(err)
		}
	}
	env := map[string]string{"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": srv.ClientSecret}
	run := func(dir string, args ...string) (int, string) {
		var out bytes.Buffer
		io := &cmdutil.IO{Out: &out, Err: &out, Dir: dir, Getenv: func(k string) string { return env[k] }}
		return runWith(context.Background(), io, append([]string{"port-gitops"}, args...)), out.String()
	}
	return srv, run
}

// BenchmarkExport10000 exports 10,000 entities, one file each, from a local
// Port that takes 20 ms per request: requests and wall time per export.
func BenchmarkExport10000(b *testing.B) {
	srv, run := benchCatalog(b)
	srv.SetLatency(20 * time.Millisecond)
	for b.Loop() {
		dir := b.TempDir()
		os.MkdirAll(dir+"/.port/blueprints", 0o755)
		os.WriteFile(dir+"/.port/blueprints/service.json", []byte(catalogBlueprints[0]), 0o644)
		srv.ResetRequests()
		if code, out := run(dir, "export", "service"); code != 0 {
			b.Fatalf("export: exit %d\n%s", code, out)
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
	}
}

// BenchmarkDrift10000 compares 10,000 entities at HEAD with a local Port
// that takes 20 ms per request.
func BenchmarkDrift10000(b *testing.B) {
	srv, run, dir := exportedCatalog(b)
	srv.SetLatency(20 * time.Millisecond)
	for b.Loop() {
		srv.ResetRequests()
		if code, out := run(dir, "drift"); code != 0 {
			b.Fatalf("drift: exit %d\n%s", code, out)
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
	}
}

// BenchmarkFirstSync10000Unchanged is the first sync of a repository whose
// 10,000 entities Port already holds as git defines them (just exported),
// with 20 ms latency per request: it sends none, and its requests are the
// search pages, the token and the sync state's bookkeeping (lock, state).
func BenchmarkFirstSync10000Unchanged(b *testing.B) {
	srv, run, dir := exportedCatalog(b)
	srv.SetLatency(20 * time.Millisecond)
	for b.Loop() {
		srv.ResetRequests()
		if code, out := run(dir, "sync", "--full", "--state", "none"); code != 0 {
			b.Fatalf("sync: exit %d\n%s", code, out)
		}
		search, upserts := countRequests(srv.Requests())
		if upserts != 0 {
			b.Fatalf("%d bulk upserts of unchanged entities", upserts)
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
		b.ReportMetric(float64(search), "search-pages/op")
	}
}

// countRequests counts the search pages and bulk upserts among reqs.
func countRequests(reqs []porttest.Request) (search, upserts int) {
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/entities/search") {
			search++
		} else if strings.HasSuffix(r.Path, "/entities/bulk") {
			upserts++
		}
	}
	return search, upserts
}

// exportedCatalog is benchCatalog's Port with its entities exported into a
// committed, packed repository (as in a clone), and that repository.
func exportedCatalog(b *testing.B) (*porttest.Server, func(dir string, args ...string) (int, string), string) {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	srv, run := benchCatalog(b)
	dir := b.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("config", "gc.auto", "0")
	if code, out := run(dir, "export", "service"); code != 0 {
		b.Fatalf("export: exit %d\n%s", code, out)
	}
	git("add", "-A")
	git("commit", "-qm", "export")
	git("-c", "gc.autoDetach=false", "gc", "-q")
	return srv, run, dir
}
