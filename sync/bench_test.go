package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// BenchmarkSync1000 syncs 1,000 changed entities against a local Port that
// takes 20 ms per request: requests sent and wall time per sync. The same
// entities sent one request each take 1,001 requests (see
// internal/portapi BenchmarkUpsertLoop1000).
func BenchmarkSync1000(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	dir := b.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	run("init", "-q")
	write(".port/gitops.yaml", "entities:\n  - files: \"services/**/entity.json\"\n    blueprint: service\n")
	write(".port/blueprints/service.json", svcBP)
	write(".port/blueprints/system.json", systemBP)
	for i := range 1000 {
		write(fmt.Sprintf("services/s%04d/entity.json", i), svc(fmt.Sprintf("s%04d", i), "standard"))
	}
	run("add", "-A")
	run("commit", "-qm", "1000 services")

	srv := porttest.New(porttest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	for _, bp := range []string{svcBP, systemBP} {
		_ = srv.AddBlueprint(json.RawMessage(bp))
	}
	env := map[string]string{"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": srv.ClientSecret}
	for b.Loop() {
		srv.ResetRequests()
		var out bytes.Buffer
		err := Run(context.Background(), Options{
			IO:   &cmdutil.IO{Out: &out, Err: &out, Dir: dir, Getenv: func(k string) string { return env[k] }},
			Full: true, State: "none", Format: "text", Color: "never", Version: "bench",
			// Every entity is sent each time: Port already holds them
			// after the first loop, which a comparing full sync would see.
			noCompare: true,
		})
		if err != nil {
			b.Fatalf("%v\n%s", err, out.String())
		}
		bulk := 0
		for _, r := range srv.Requests() {
			if strings.HasSuffix(r.Path, "/entities/bulk") {
				bulk++
			}
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
		b.ReportMetric(float64(bulk), "bulk-requests/op")
	}
}
