package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

var (
	binaryOnce gosync.Once
	binaryPath string
	binaryErr  error
)

// buildBinary builds the real binary once per test binary.
func buildBinary() (string, error) {
	binaryOnce.Do(func() {
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			binaryErr = errSkip{"the go tool is not available to build the binary: " + err.Error()}
			return
		}
		dir, err := os.MkdirTemp("", "port-gitops-sync-test")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "port-gitops")
		cmd := exec.Command(goTool, "build", "-o", binaryPath, "github.com/port-gitops/port-gitops")
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binaryPath, binaryErr
}

type errSkip struct{ why string }

func (e errSkip) Error() string { return e.why }

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// A sync killed with SIGKILL at several points of a 340-entity run, then a
// commit that reverts part of what it was writing: the next run leaves
// Port exactly as HEAD defines it.
func TestKilledRunThenPartialRevert(t *testing.T) {
	t.Parallel()
	built := make(chan struct{})
	go func() { _, _ = buildBinary(); close(built) }() // while the repository is made
	// One repository for every kill point: C1 (300 services), C2 (280
	// changed, 20 removed, 40 new), C3 (part of C2 reverted).
	tmpl := newFixture(t)
	c1, c2, c3 := map[string]string{}, map[string]string{}, map[string]string{}
	for i := range 300 {
		id := fmt.Sprintf("s%03d", i)
		c1["services/"+id+"/entity.json"] = svc(id, "standard")
	}
	for i := range 280 {
		id := fmt.Sprintf("s%03d", i)
		c2["services/"+id+"/entity.json"] = svc(id, "critical")
	}
	for i := 280; i < 300; i++ {
		c2[fmt.Sprintf("services/s%03d/entity.json", i)] = "" // removed
	}
	for i := range 40 {
		id := fmt.Sprintf("n%03d", i)
		c2["services/"+id+"/entity.json"] = svc(id, "critical")
	}
	for i := range 140 {
		name := fmt.Sprintf("services/s%03d/entity.json", i)
		c3[name] = c1[name]
	}
	for i := range 20 {
		c3[fmt.Sprintf("services/n%03d/entity.json", i)] = ""
	}
	for i := 280; i < 290; i++ {
		name := fmt.Sprintf("services/s%03d/entity.json", i)
		c3[name] = c1[name]
	}
	// One git process writes the three commits (the machine is shared).
	tmpl.fastImport([]map[string]string{c1, c2, c3}, []string{"c1", "c2", "c3: revert part of c2"})
	tmpl.env["GITHUB_REF_NAME"] = "main" // the checkouts below are detached, as in CI
	<-built
	bin, err := buildBinary()
	var skip errSkip
	if errors.As(err, &skip) {
		t.Skip(skip.why)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Bulk requests of the run: 16 upsert batches, then one bulk delete.
	for _, killAt := range []int{1, 9, 17} {
		t.Run(fmt.Sprintf("killed at bulk request %d", killAt), func(t *testing.T) {
			f := withServer(t, tmpl)
			f.git("checkout", "-q", "-f", "--detach", "main~2")
			if r := f.sync(nil); r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.out)
			}
			f.git("checkout", "-q", "--detach", "main~1")

			var bulks atomic.Int32
			var proc atomic.Pointer[os.Process]
			f.srv.OnRequest(func(r porttest.Request) {
				if r.Method != "POST" || !(strings.HasSuffix(r.Path, "/service/entities/bulk") || strings.HasSuffix(r.Path, "/service/bulk/entities/delete")) {
					return
				}
				if int(bulks.Add(1)) == killAt {
					if p := proc.Load(); p != nil {
						_ = p.Kill()
						_, _ = p.Wait()
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
			cmd := exec.Command(bin, "sync", "--prune", "--color", "never")
			cmd.Dir = f.dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			for k, v := range f.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			proc.Store(cmd.Process)
			err := cmd.Wait()
			if err == nil || bulks.Load() < int32(killAt) {
				t.Fatalf("the run was not killed at bulk request %d (%d seen): %v\n%s", killAt, bulks.Load(), err, out.String())
			}
			f.srv.OnRequest(func(porttest.Request) {})
			if st, _ := f.stateEntity(); len(st.Pending.Entities) == 0 {
				t.Fatalf("the killed run recorded nothing pending")
			}

			f.git("checkout", "-q", "--detach", "main")

			// The killed run's lease would end within a minute; end it now.
			expireLock(t, f)
			if r := f.sync(func(o *Options) { o.Prune = true; o.lockPoll = 10 * time.Millisecond }); r.err != nil {
				t.Fatalf("after the kill: %v\n%s%s", r.err, r.out, r.errOut)
			}
			f.settled()
		})
	}
}

// fastImport commits each change set on top of main with git fast-import
// ("" deletes a file).
func (f *fixture) fastImport(sets []map[string]string, msgs []string) {
	f.t.Helper()
	var b strings.Builder
	for i, set := range sets {
		fmt.Fprintf(&b, "commit refs/heads/main\ncommitter t <t@example.com> %d +0000\ndata %d\n%s\n", 1700000000+i, len(msgs[i]), msgs[i])
		if i == 0 {
			b.WriteString("from refs/heads/main^0\n")
		}
		names := make([]string, 0, len(set))
		for name := range set {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if set[name] == "" {
				fmt.Fprintf(&b, "D %s\n", name)
				continue
			}
			fmt.Fprintf(&b, "M 100644 inline %s\ndata %d\n%s\n", name, len(set[name]), set[name])
		}
		b.WriteString("\n")
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = f.dir
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("git fast-import: %v\n%s", err, out)
	}
}

// withServer returns a fixture on f's repository with an emulator of its
// own, knowing the blueprints.
func withServer(t *testing.T, f *fixture) *fixture {
	t.Helper()
	g := *f
	g.t = t
	g.srv = porttest.NewT(t)
	for _, bp := range []string{svcBP, systemBP} {
		if err := g.srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	g.env = map[string]string{}
	for k, v := range f.env {
		g.env[k] = v
	}
	g.env["PORT_BASE_URL"] = g.srv.URL
	return &g
}

// expireLock moves the lease of a lock left by a killed run into the past.
func expireLock(t *testing.T, f *fixture) {
	t.Helper()
	for id, raw := range f.srv.Entities(StateBlueprint) {
		if !strings.HasSuffix(id, ".lock") {
			continue
		}
		s := string(raw)
		i := strings.Index(s, `"leaseUntil":"`)
		if i < 0 {
			t.Fatalf("lock without a lease: %s", s)
		}
		j := i + len(`"leaseUntil":"`)
		k := strings.Index(s[j:], `"`)
		s = s[:j] + time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano) + s[j+k:]
		if err := f.srv.PutEntity(StateBlueprint, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
}
