package sync

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// portGitops builds the real binary once per test binary.
func portGitops(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		t.Skip("the go tool is not available to build the binary: " + err.Error())
	}
	binaryOnce.Do(func() {
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
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

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
	bin := portGitops(t)
	// One repository for every kill point: C1 (300 services) on main, C2
	// on the branch next (280 changed, 20 removed, 40 new).
	tmpl := newFixture(t)
	c1 := map[string]string{}
	for i := range 300 {
		id := fmt.Sprintf("s%03d", i)
		c1["services/"+id+"/entity.json"] = svc(id, "standard")
	}
	tmpl.write(c1)
	tmpl.commit("c1")
	tmpl.git("checkout", "-qb", "next")
	c2 := map[string]string{}
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
	tmpl.write(c2)
	tmpl.commit("c2")
	tmpl.git("checkout", "-q", "main")
	// Bulk requests of the run: 16 upsert batches, then one bulk delete.
	for _, killAt := range []int{1, 9, 17} {
		t.Run(fmt.Sprintf("killed at bulk request %d", killAt), func(t *testing.T) {
			f := newFixture(t)
			f.dir = filepath.Join(t.TempDir(), "repo")
			if out, err := exec.Command("cp", "-a", tmpl.dir, f.dir).CombinedOutput(); err != nil {
				t.Fatalf("copy the repository: %v\n%s", err, out)
			}
			if r := f.sync(nil); r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.out)
			}
			f.git("merge", "-q", "--ff-only", "next")

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

			// C3 reverts part of C2: half the changed entities, half the
			// new ones, half the removed ones go back to C1.
			c3 := map[string]string{}
			for i := range 140 {
				c3[fmt.Sprintf("services/s%03d/entity.json", i)] = c1[fmt.Sprintf("services/s%03d/entity.json", i)]
			}
			for i := range 20 {
				c3[fmt.Sprintf("services/n%03d/entity.json", i)] = ""
			}
			for i := 280; i < 290; i++ {
				name := fmt.Sprintf("services/s%03d/entity.json", i)
				c3[name] = c1[name]
			}
			f.write(c3)
			f.commit("c3: revert part of c2")

			// The killed run's lease would end within a minute; end it now.
			expireLock(t, f)
			if r := f.sync(func(o *Options) { o.Prune = true; o.lockPoll = 10 * time.Millisecond }); r.err != nil {
				t.Fatalf("after the kill: %v\n%s%s", r.err, r.out, r.errOut)
			}
			f.settled()
		})
	}
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
