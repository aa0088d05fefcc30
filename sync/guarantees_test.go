package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

func prune(o *Options) { o.Prune = true }

// A typo at HEAD (a trailing comma, an array file cut mid-way, a value the
// schema refuses) never deletes what the file defined; the revert brings
// everything back in order.
func TestBrokenFilesAtHeadNeverDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
		"services/c/entity.json": svc("c", "standard"),
		"catalog/systems.json":   `[{"identifier": "shop", "blueprint": "system"}, {"identifier": "pay", "blueprint": "system"}, {"identifier": "ship", "blueprint": "system"}]`,
	})
	f.commit("add")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	good := f.stateCommit()
	systems := `[{"identifier": "shop", "blueprint": "system"}, {"identifier": "pay", "blueprint": "system"}, {"identifier": "ship", "blueprint": "system"}]`
	f.write(map[string]string{
		"services/a/entity.json": `{"identifier": "a", "title": "a", "properties": {"tier": "critical"},}`,
		"services/b/entity.json": svc("b", "gold"),
		"catalog/systems.json":   systems[:len(systems)/2],
	})
	f.commit("typos")
	r := f.sync(prune)
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1, got %v\n%s", r.err, r.out)
	}
	for _, want := range []string{"services/a/entity.json:1:", "services/b/entity.json:1:", "catalog/systems.json:1:", "held", "service/a", "system/ship"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if f.bulkDeletes() != 0 {
		t.Fatalf("a broken file at HEAD sent a delete:\n%s", r.out)
	}
	if got := serviceIDs(f); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("services in Port: %v", got)
	}
	if got := ids(f.catalog("system")); len(got) != 3 {
		t.Fatalf("systems in Port: %v", got)
	}
	if f.stateCommit() != good {
		t.Fatal("the state moved past broken files")
	}
	f.git("revert", "--no-edit", "HEAD")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("after the revert: %v\n%s", r.err, r.out)
	}
	f.settled()
}

// One sed breaks every entity file: nothing is deleted; its revert leaves
// Port as HEAD defines it.
func TestMassBreakageThenRevert(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := map[string]string{}
	for i := range 50 {
		id := fmt.Sprintf("s%02d", i)
		files["services/"+id+"/entity.json"] = svc(id, "standard")
	}
	f.write(files)
	f.commit("fifty")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	for name, body := range files {
		files[name] = strings.Replace(body, `"tier"`, `"tier",`, 1)
	}
	f.write(files)
	f.commit("a sed gone wrong")
	r := f.sync(prune)
	if !errors.Is(r.err, cmdutil.ErrFindings) || f.bulkDeletes() != 0 || len(f.srv.Entities("service")) != 50 {
		t.Fatalf("want exit 1 and nothing deleted, got %v, %d deletes, %d services\n%s", r.err, f.bulkDeletes(), len(f.srv.Entities("service")), r.out)
	}
	f.git("revert", "--no-edit", "HEAD")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.settled()
}

// C2 changes a and breaks b: a is written, the run fails. C3 puts a back
// and fixes b: the diff from the recorded state says a did not change, but
// the run that wrote it did not finish, so a is sent again.
func TestHalfDoneRunThenRevert(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
	})
	f.commit("c1")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "standard"),
		"services/b/entity.json": `{"identifier": "b", "properties": {"tier": "standard"}`,
	})
	f.commit("c2")
	if r := f.sync(nil); !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1, got %v\n%s", r.err, r.out)
	}
	if f.catalog("service")["a"] != `{"tier":"standard"}` {
		t.Fatalf("C2's a was not written: %v", f.catalog("service"))
	}
	if st, _ := f.stateEntity(); len(st.Pending.Entities) == 0 {
		t.Fatal("the failed run wrote a but recorded nothing pending")
	}
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
	})
	f.commit("c3")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if st, _ := f.stateEntity(); !st.Pending.empty() {
		t.Fatalf("pending not cleared when the state advanced: %+v", st.Pending)
	}
	f.settled()
}

// An entity someone deleted in Port by hand, whose file git then removes,
// is deleted as far as sync is concerned: the prune succeeds.
func TestEntityAlreadyGoneFromPort(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
		"services/c/entity.json": svc("c", "standard"),
	})
	f.commit("abc")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if !f.srv.RemoveEntity("service", "b") {
		t.Fatal("b was not in Port")
	}
	f.write(map[string]string{"services/b/entity.json": "", "services/c/entity.json": ""})
	head := f.commit("drop b and c")
	r := f.sync(prune)
	if r.err != nil {
		t.Fatalf("prune of an entity already gone: %v\n%s", r.err, r.out)
	}
	if f.stateCommit() != head {
		t.Fatal("the state did not advance")
	}
	f.settled()
}

// The post-merge hook after a local merge that is not pushed: nothing
// reaches Port, the shared state stays, one line says why.
func TestPostMergeSkipsUnpushedMerge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	gitIn(t, f.dir, "init", "-q", "--bare", remote)
	f.git("remote", "add", "origin", remote)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	f.git("push", "-q", "-u", "origin", "main")
	if r := f.sync(func(o *Options) { o.PostMerge = true }); r.err != nil || f.stateCommit() == "" {
		t.Fatalf("post-merge on a pushed HEAD should sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	before := f.stateCommit()
	f.git("checkout", "-qb", "feature")
	f.write(map[string]string{"services/b/entity.json": svc("b", "standard")})
	f.commit("b")
	f.git("checkout", "-q", "main")
	f.git("merge", "-q", "--no-ff", "-m", "merge feature locally", "feature")
	f.srv.ResetRequests()
	r := f.sync(func(o *Options) { o.PostMerge = true })
	if r.err != nil {
		t.Fatalf("a skipped hook must exit 0: %v", r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "sync skipped") || !strings.Contains(lines[0], "origin/main") {
		t.Fatalf("want one line saying why it skipped, got %q", r.errOut)
	}
	if f.stateCommit() != before || len(f.srv.Requests()) != 0 {
		t.Fatalf("the skipped hook talked to Port (%d requests) or moved the state", len(f.srv.Requests()))
	}
	if _, ok := f.srv.Entity("service", "b"); ok {
		t.Fatal("the unpushed merge reached Port")
	}
	// Once pushed, the hook syncs it.
	f.git("push", "-q", "origin", "main")
	if r := f.sync(func(o *Options) { o.PostMerge = true }); r.err != nil {
		t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
	}
	f.settled()
}

// Two syncs of different commits of one branch started within 100 ms of
// each other, in both orders: one waits for the other, and Port ends as the
// newer commit defines it.
func TestTwoRunsAtOnce(t *testing.T) {
	t.Parallel()
	for _, newerFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("newerFirst=%v", newerFirst), func(t *testing.T) {
			f := newFixture(t)
			f.env["GITHUB_REPOSITORY"] = "shop/catalog"
			f.env["GITHUB_REF_NAME"] = "main"
			f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
			f.commit("c1")
			if r := f.sync(nil); r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.out)
			}
			f.write(map[string]string{"services/a/entity.json": svc("a", "standard"), "services/b/entity.json": svc("b", "standard")})
			c2 := f.commit("c2")
			f.write(map[string]string{"services/a/entity.json": svc("a", "critical"), "services/b/entity.json": svc("b", "critical")})
			c3 := f.commit("c3")
			older, newer := filepath.Join(t.TempDir(), "older"), filepath.Join(t.TempDir(), "newer")
			f.git("worktree", "add", "-q", "--detach", older, c2)
			f.git("worktree", "add", "-q", "--detach", newer, c3)
			run := func(dir string, delay time.Duration, out *syncRun, wg *gosync.WaitGroup) {
				defer wg.Done()
				time.Sleep(delay)
				g := *f
				g.dir = dir
				*out = g.sync(func(o *Options) {
					o.lockPoll = 10 * time.Millisecond
					// Each holds the lock a while before writing, so the
					// other surely arrives while it is held.
					o.beforeWrite = func() { time.Sleep(150 * time.Millisecond) }
				})
			}
			var ro, rn syncRun
			var wg gosync.WaitGroup
			wg.Add(2)
			if newerFirst {
				go run(newer, 0, &rn, &wg)
				go run(older, 50*time.Millisecond, &ro, &wg)
			} else {
				go run(older, 0, &ro, &wg)
				go run(newer, 50*time.Millisecond, &rn, &wg)
			}
			wg.Wait()
			if ro.err != nil || rn.err != nil {
				t.Fatalf("older: %v\n%s%s\nnewer: %v\n%s%s", ro.err, ro.out, ro.errOut, rn.err, rn.out, rn.errOut)
			}
			second := rn
			if newerFirst {
				second = ro
			}
			if !strings.Contains(second.errOut, "another sync of github.com/shop/catalog@main is running") {
				t.Fatalf("the second run did not wait for the first: %q", second.errOut)
			}
			if f.stateCommit() != c3 {
				t.Fatalf("state at %s, want the newer commit %s", f.stateCommit(), c3)
			}
			g := *f
			g.dir = newer
			if r := g.sync(nil); r.err != nil {
				t.Fatalf("re-run of the newer: %v\n%s", r.err, r.out)
			}
			g.settled()
			if len(f.srv.Entities(StateBlueprint)) != 1 {
				t.Fatalf("lock entities left behind: %v", ids(f.catalog(StateBlueprint)))
			}
		})
	}
}

// A run killed while holding the lock blocks the next only until its lease
// ends; a live lease makes the next run wait, bounded, then exit 3.
func TestLockLeaseWaitAndTakeover(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env["GITHUB_REPOSITORY"] = "shop/catalog"
	f.env["GITHUB_REF_NAME"] = "main"
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	lockID := "github.com/shop/catalog@main.lock"
	putLock := func(owner string, until time.Time) {
		t.Helper()
		raw, _ := json.Marshal(map[string]any{"identifier": lockID, "properties": map[string]any{
			"commit": "0123456789abcdef0123456789abcdef01234567", "owner": owner, "leaseUntil": until.UTC().Format(time.RFC3339Nano)}})
		if err := f.srv.PutEntity(StateBlueprint, raw); err != nil {
			t.Fatal(err)
		}
	}
	f.write(map[string]string{"services/a/entity.json": svc("a", "standard")})
	f.commit("change a")
	// A live holder: wait, bounded, then exit 3 with nothing written.
	putLock("alive", time.Now().Add(time.Hour))
	r := f.sync(func(o *Options) { o.LockWait = 100 * time.Millisecond; o.lockPoll = 20 * time.Millisecond })
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun || !strings.Contains(r.err.Error(), "still running") {
		t.Fatalf("want exit 3 after waiting, got %v", r.err)
	}
	if n := strings.Count(r.errOut, "waiting"); n != 1 {
		t.Fatalf("want one waiting line, got %q", r.errOut)
	}
	if f.catalog("service")["a"] != `{"tier":"critical"}` {
		t.Fatal("a run that never got the lock wrote entities")
	}
	// A killed holder: its lease runs out, the waiter takes over.
	putLock("dead", time.Now().Add(300*time.Millisecond))
	start := time.Now()
	r = f.sync(func(o *Options) { o.lockPoll = 20 * time.Millisecond })
	if r.err != nil || !strings.Contains(r.errOut, "another sync of") {
		t.Fatalf("takeover: %v\n%s%s", r.err, r.out, r.errOut)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("took over a live lease (after %v)", d)
	}
	if got := ids(f.catalog(StateBlueprint)); len(got) != 1 {
		t.Fatalf("lock or takeover marker left behind: %v", got)
	}
	f.settled()
}

// A run that loses its lock (its lease taken over while it was stalled)
// stops before writing, exit 3, state untouched, pending kept.
func TestLostLockStopsTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	c1 := f.commit("a")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{"services/a/entity.json": svc("a", "standard")})
	f.commit("change a")
	id := f.stateID() + ".lock"
	r := f.sync(func(o *Options) {
		o.lockLease, o.lockRenew = time.Second, 10*time.Millisecond
		o.beforeWrite = func() {
			raw, _ := json.Marshal(map[string]any{"identifier": id, "properties": map[string]any{"commit": c1, "owner": "thief", "leaseUntil": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)}})
			lockGets := func() int {
				n := 0
				for _, req := range f.srv.Requests() {
					if req.Method == "GET" && strings.HasSuffix(req.Path, "/entities/"+id) {
						n++
					}
				}
				return n
			}
			before := lockGets()
			if err := f.srv.PutEntity(StateBlueprint, raw); err != nil {
				t.Error(err)
			}
			// Wait for a heartbeat to read the stolen lock (however loaded
			// the machine), then for it to mark the lock lost.
			for deadline := time.Now().Add(10 * time.Second); lockGets() < before+2 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun || !strings.Contains(r.err.Error(), "lost the sync lock") {
		t.Fatalf("want exit 3 for a lost lock, got %v\n%s", r.err, r.out)
	}
	if f.catalog("service")["a"] != `{"tier":"critical"}` {
		t.Fatal("wrote after losing the lock")
	}
	st, _ := f.stateEntity()
	if st.Commit != c1 || len(st.Pending.Entities) == 0 {
		t.Fatalf("state %+v: want the old commit and the pending intent kept", st)
	}
	f.srv.RemoveEntity(StateBlueprint, id) // the thief finishes
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.settled()
}

// A state blueprint made by an older port-gitops lacks the pending and lock
// properties: sync adds them (the emulator, as Port, refuses undeclared
// properties).
func TestOldStateBlueprintIsUpgraded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("a")
	old := `{"identifier": "port_gitops_sync_state", "title": "port-gitops sync state", "schema": {"properties": {
	  "repository": {"type": "string"}, "branch": {"type": "string"}, "commit": {"type": "string"},
	  "syncedAt": {"type": "string", "format": "date-time"}, "version": {"type": "string"}}, "required": ["commit"]}, "relations": {}}`
	if err := f.srv.AddBlueprint(json.RawMessage(old)); err != nil {
		t.Fatal(err)
	}
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	raw, _ := f.srv.Blueprint(StateBlueprint)
	for _, p := range []string{"pending", "owner", "leaseUntil", "repository"} {
		if !strings.Contains(string(raw), `"`+p+`"`) {
			t.Fatalf("blueprint lacks %s: %s", p, raw)
		}
	}
	f.settled()
}

// An entity over Port's 1 MiB request limit is a finding and is not sent.
func TestEntityTooLarge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := strings.Repeat("x", 1<<20)
	f.write(map[string]string{
		"services/a/entity.json":   svc("a", "critical"),
		"services/big/entity.json": `{"identifier": "big", "title": "` + big + `", "properties": {"tier": "critical"}}`,
	})
	f.commit("big")
	r := f.sync(nil)
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "services/big/entity.json:1:1: error:") || !strings.Contains(r.out, "[entity-too-large]") {
		t.Fatalf("want an entity-too-large finding, got %v\n%s", r.err, r.out[:min(len(r.out), 2000)])
	}
	for _, req := range f.srv.Requests() {
		if len(req.Body) > 1<<20 {
			t.Fatalf("sent a %d-byte request", len(req.Body))
		}
	}
	if got := serviceIDs(f); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("services: %v", got)
	}
	f.write(map[string]string{"services/big/entity.json": svc("big", "critical")})
	f.commit("smaller")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.settled()
}

// Past its bounds the pending record says "everything", and the next run
// syncs every entity file at HEAD.
func TestPendingEverything(t *testing.T) {
	t.Parallel()
	var items []Item
	for i := range maxPendingKeys + 1 {
		items = append(items, Item{Key: Key{"service", fmt.Sprintf("s%05d", i)}})
	}
	if p := (pendingSet{}).union(items); !p.Everything || len(p.Entities) != 0 {
		t.Fatalf("%d keys did not become everything", len(items))
	}
	if p := (pendingSet{}).union(items[:10]); p.Everything || len(p.Entities) != 10 {
		t.Fatalf("10 keys: %+v", p)
	}
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical"), "services/b/entity.json": svc("b", "critical")})
	f.commit("ab")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	// As if a huge run was killed after writing b differently.
	_ = f.srv.PutEntity("service", json.RawMessage(svc("b", "standard")))
	raw, _ := f.srv.Entity(StateBlueprint, f.stateID())
	var e map[string]any
	_ = json.Unmarshal(raw, &e)
	e["properties"].(map[string]any)["pending"] = map[string]any{"everything": true}
	raw, _ = json.Marshal(e)
	if err := f.srv.PutEntity(StateBlueprint, raw); err != nil {
		t.Fatal(err)
	}
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.settled()
}

// An entity moved into a new file that does not parse is held, not
// deleted, although its old file parses and no longer defines it.
func TestEntityMovedIntoBrokenFileIsHeld(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"catalog/one.json": `[{"identifier": "x", "blueprint": "system"}, {"identifier": "y", "blueprint": "system"}]`})
	f.commit("x y")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{
		"catalog/one.json": `[{"identifier": "x", "blueprint": "system"}]`,
		"catalog/two.json": `[{"identifier": "y", "blueprint": "system"},]`,
	})
	f.commit("move y into a broken file")
	r := f.sync(prune)
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "system/y") || f.bulkDeletes() != 0 {
		t.Fatalf("want y held and nothing deleted, got %v, %d deletes\n%s", r.err, f.bulkDeletes(), r.out)
	}
	f.write(map[string]string{"catalog/two.json": `[{"identifier": "y", "blueprint": "system"}]`})
	f.commit("fix")
	if r := f.sync(prune); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.settled()
}

// Hand edits and deletions in Port are put back by one --full run.
func TestFullRepairsHandEditsAndDeletions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
	})
	f.commit("ab")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if !f.srv.RemoveEntity("service", "a") {
		t.Fatal("a was not in Port")
	}
	if err := f.srv.PutEntity("service", json.RawMessage(`{"identifier": "b", "title": "edited in the UI", "properties": {"tier": "critical"}}`)); err != nil {
		t.Fatal(err)
	}
	// An incremental run sees nothing changed in git.
	if r := f.sync(nil); r.err != nil || !strings.Contains(r.out, "already synced") {
		t.Fatalf("incremental run: %v\n%s", r.err, r.out)
	}
	if r := f.sync(func(o *Options) { o.Full = true }); r.err != nil {
		t.Fatalf("--full: %v\n%s%s", r.err, r.out, r.errOut)
	}
	f.settled()
}
