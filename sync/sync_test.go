package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
	"github.com/port-gitops/port-gitops/internal/report"
)

const svcBP = `{"identifier": "service", "title": "Service",
 "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}, "replicas": {"type": "number"}}, "required": ["tier"]},
 "relations": {"system": {"target": "system", "required": false, "many": false}, "dependsOn": {"target": "service", "required": false, "many": true}}}`

const systemBP = `{"identifier": "system", "title": "System", "schema": {"properties": {"owner": {"type": "string"}}}, "relations": {}}`

// fixture is a git repository with a port-gitops configuration, and an
// emulator that knows its blueprints.
type fixture struct {
	t   *testing.T
	dir string
	srv *porttest.Server
	env map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: sync tests build real repositories")
	}
	f := &fixture{t: t, dir: t.TempDir(), srv: porttest.NewT(t)}
	for _, bp := range []string{svcBP, systemBP} {
		if err := f.srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	f.env = map[string]string{
		"PORT_BASE_URL":      f.srv.URL,
		"PORT_CLIENT_ID":     f.srv.ClientID,
		"PORT_CLIENT_SECRET": f.srv.ClientSecret,
	}
	f.git("init", "-q", "-b", "main")
	f.write(map[string]string{
		".port/gitops.yaml":             "entities:\n  - files: \"services/**/entity.json\"\n    blueprint: service\n  - files: \"catalog/**/*.json\"\n",
		".port/blueprints/service.json": svcBP,
		".port/blueprints/system.json":  systemBP,
		"README.md":                     "a repository\n",
	})
	f.commit("init")
	return f
}

func (f *fixture) git(args ...string) string {
	f.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = f.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (f *fixture) write(files map[string]string) {
	f.t.Helper()
	for name, body := range files {
		p := filepath.Join(f.dir, filepath.FromSlash(name))
		if body == "" {
			if err := os.Remove(p); err != nil {
				f.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) commit(msg string) string {
	f.git("add", "-A")
	f.git("commit", "-qm", msg, "--allow-empty")
	return f.git("rev-parse", "HEAD")
}

type syncRun struct {
	out, errOut string
	err         error
}

func (f *fixture) sync(mod func(*Options)) syncRun {
	f.t.Helper()
	var out, errOut bytes.Buffer
	env := f.env
	opts := Options{
		IO:     &cmdutil.IO{Out: &out, Err: &errOut, Dir: f.dir, Getenv: func(k string) string { return env[k] }},
		Format: "text", Color: "never", Version: "test",
		Now: func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) },
	}
	// Retries wait a millisecond, not seconds.
	opts.retry = portapi.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 8}
	if mod != nil {
		mod(&opts)
	}
	err := Run(context.Background(), opts)
	return syncRun{out.String(), errOut.String(), err}
}

// catalog returns the emulator's entities of a blueprint as identifier →
// properties JSON, for comparison with the files.
func (f *fixture) catalog(bp string) map[string]string {
	got := map[string]string{}
	for id, raw := range f.srv.Entities(bp) {
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil {
			f.t.Fatal(err)
		}
		props, _ := json.Marshal(e["properties"])
		got[id] = string(props)
	}
	return got
}

func (f *fixture) upsertsSent() int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/entities/bulk") && !strings.Contains(r.Path, port_state_path) {
			n++
		}
	}
	return n
}

const port_state_path = "/" + StateBlueprint + "/"

func ids(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func svc(id, tier string) string {
	return `{"identifier": "` + id + `", "title": "` + id + `", "properties": {"tier": "` + tier + `"}}`
}

func TestFirstSyncThenIncremental(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
		"catalog/systems.json":   `[{"identifier": "shop", "blueprint": "system", "properties": {"owner": "team-a"}}]`,
	})
	f.commit("add")
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("first sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("services in Port: %v", got)
	}
	if got := ids(f.catalog("system")); !reflect.DeepEqual(got, []string{"shop"}) {
		t.Fatalf("systems in Port: %v", got)
	}
	// Running again sends no upsert: the state says HEAD is synced.
	f.srv.ResetRequests()
	if r := f.sync(nil); r.err != nil || f.upsertsSent() != 0 || !strings.Contains(r.out, "already synced") {
		t.Fatalf("second sync: err=%v upserts=%d\n%s", r.err, f.upsertsSent(), r.out)
	}
	// Modify one, formatting-only change to another, add a third.
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "standard"),
		"services/b/entity.json": "{\n  \"identifier\": \"b\",\n  \"title\": \"b\",\n  \"properties\": {\"tier\": \"standard\"}\n}\n",
		"services/c/entity.json": svc("c", "critical"),
	})
	f.commit("change")
	f.srv.ResetRequests()
	r = f.sync(nil)
	if r.err != nil {
		t.Fatalf("incremental: %v\n%s", r.err, r.out)
	}
	cat := f.catalog("service")
	if cat["a"] != `{"tier":"standard"}` || cat["c"] != `{"tier":"critical"}` {
		t.Fatalf("catalog after change: %v", cat)
	}
	var sent []string
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/service/entities/bulk") {
			var body struct{ Entities []struct{ Identifier string } }
			if err := json.Unmarshal(req.Body, &body); err != nil {
				t.Fatal(err)
			}
			for _, e := range body.Entities {
				sent = append(sent, e.Identifier)
			}
		}
	}
	sort.Strings(sent)
	if !reflect.DeepEqual(sent, []string{"a", "c"}) {
		t.Fatalf("sent %v, want a and c only (b changed formatting only)", sent)
	}
}

func TestDeleteRenameAndIdentifierChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "standard"),
		"services/c/entity.json": svc("c", "standard"),
	})
	f.commit("add")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	// Move a's file (same identifier), change b's identifier, delete c.
	f.git("mv", "services/a", "services/a2")
	f.write(map[string]string{
		"services/b/entity.json": svc("b2", "standard"),
		"services/c/entity.json": "",
	})
	f.commit("reshape")
	// Without --prune nothing is deleted, and it says so.
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b", "b2", "c"}) {
		t.Fatalf("without prune: %v", got)
	}
	if !strings.Contains(r.out, "not deleted") || !strings.Contains(r.out, "service/b") || !strings.Contains(r.out, "service/c") {
		t.Fatalf("without prune the output should list what was not deleted:\n%s", r.out)
	}
	// Nothing changed since, so a pruning run has no base diff: use --full.
	r = f.sync(func(o *Options) { o.Prune = true; o.Base = "HEAD~1" })
	if r.err != nil {
		t.Fatalf("prune: %v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b2"}) {
		t.Fatalf("after prune: %v\n%s", got, r.out)
	}
}

func TestEntityMovedBetweenFilesIsNotDeleted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"catalog/one.json": `[{"identifier": "x", "blueprint": "system"}, {"identifier": "y", "blueprint": "system"}]`,
		"catalog/two.json": `[{"identifier": "z", "blueprint": "system"}]`,
	})
	f.commit("add")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.write(map[string]string{
		"catalog/one.json": `[{"identifier": "x", "blueprint": "system"}]`,
		"catalog/two.json": `[{"identifier": "z", "blueprint": "system"}, {"identifier": "y", "blueprint": "system"}]`,
	})
	f.commit("move y")
	r := f.sync(func(o *Options) { o.Prune = true })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("system")); !reflect.DeepEqual(got, []string{"x", "y", "z"}) {
		t.Fatalf("after move: %v", got)
	}
}

func TestFailedRunLosesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("one")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	// Two commits in one push; the first run fails (Port down).
	f.write(map[string]string{"services/b/entity.json": svc("b", "standard")})
	f.commit("two")
	f.write(map[string]string{"services/c/entity.json": svc("c", "standard")})
	f.commit("three")
	f.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 503, Times: 100})
	r := f.sync(nil)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun {
		t.Fatalf("a sync against a Port that is down should exit 3, got %v\n%s", r.err, r.out)
	}
	f.srv.ClearFaults()
	// The next run picks up both commits.
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("after recovery: %v", got)
	}
}

func TestOldRerunDoesNotRegress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// CI checks out the job's commit detached and names the branch.
	f.env["GITHUB_REF_NAME"] = "main"
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	old := f.commit("one")
	f.write(map[string]string{"services/a/entity.json": svc("a", "standard")})
	f.commit("two")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	f.git("checkout", "-q", old)
	f.srv.ResetRequests()
	r := f.sync(nil)
	if r.err != nil || !strings.Contains(r.out, "older than the last synced commit") || f.upsertsSent() != 0 {
		t.Fatalf("old re-run: err=%v upserts=%d\n%s", r.err, f.upsertsSent(), r.out)
	}
	if f.catalog("service")["a"] != `{"tier":"standard"}` {
		t.Fatalf("old re-run regressed the catalog: %v", f.catalog("service"))
	}
}

func TestInvalidEntitiesAreNotSentAndStateStays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{
		"services/a/entity.json": svc("a", "critical"),
		"services/b/entity.json": svc("b", "gold"),
	})
	f.commit("add")
	r := f.sync(nil)
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("want exit 1, got %v\n%s", r.err, r.out)
	}
	if !strings.Contains(r.out, `services/b/entity.json:1:58: error: tier: "gold" is not one of`) {
		t.Fatalf("output lacks the finding:\n%s", r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("catalog: %v", got)
	}
	if c := f.stateCommit(); c != "" {
		t.Fatalf("the state moved to %s although an entity was invalid", c)
	}
	// Fixed in the next commit: the run after picks up both.
	f.write(map[string]string{"services/b/entity.json": svc("b", "standard")})
	f.commit("fix")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if got := ids(f.catalog("service")); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("catalog: %v", got)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("add")
	r := f.sync(func(o *Options) { o.DryRun = true })
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.out)
	}
	if len(f.srv.Entities("service")) != 0 {
		t.Fatal("dry run wrote entities")
	}
	if !strings.Contains(r.out, "dry run") || !strings.Contains(r.out, "to create") {
		t.Fatalf("output:\n%s", r.out)
	}
	// With credentials, Port was asked to check the upserts.
	checked := 0
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/entities/bulk") {
			if req.Query.Get("validation_only") != "true" {
				t.Fatalf("a dry run sent a real upsert: %v", req.Query)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("a dry run with credentials did not ask Port to validate")
	}
	// Without credentials it plans offline and says so.
	f.env = map[string]string{}
	if r := f.sync(func(o *Options) { o.DryRun = true }); r.err != nil || !strings.Contains(r.out, "to create") || !strings.Contains(r.out, "offline") {
		t.Fatalf("offline dry run: %v\n%s", r.err, r.out)
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env = map[string]string{"PORT_BASE_URL": f.srv.URL}
	r := f.sync(nil)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitRun || !strings.Contains(r.err.Error(), "PORT_CLIENT_ID") {
		t.Fatalf("got %v", r.err)
	}
	r = f.sync(func(o *Options) { o.PostMerge = true })
	if r.err != nil || !strings.Contains(r.errOut, "sync skipped") {
		t.Fatalf("post-merge without credentials: err=%v stderr=%s", r.err, r.errOut)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env["PORT_CLIENT_SECRET"] = "canary-secret-3f9a"
	for _, mod := range []func(*Options){nil, func(o *Options) { o.Verbose = true }, func(o *Options) { o.Format = "json" }} {
		r := f.sync(mod)
		all := r.out + r.errOut
		if r.err != nil {
			all += r.err.Error()
		}
		if strings.Contains(all, "canary-secret-3f9a") {
			t.Fatalf("secret leaked:\n%s", all)
		}
	}
}

// An entity copied from Port's API carries createdAt, createdBy, updatedAt
// and updatedBy: they are never sent, and adding them changes nothing.
func TestServerFieldsAreNeverSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(map[string]string{"services/a/entity.json": svc("a", "critical")})
	f.commit("add")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("first sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	f.write(map[string]string{"services/a/entity.json": `{"identifier": "a", "title": "a", "properties": {"tier": "standard"},
	  "createdAt": "2026-01-01T00:00:00.000Z", "createdBy": "dana", "updatedAt": "2026-01-02T00:00:00.000Z", "updatedBy": "ben"}`,
		"services/b/entity.json": svc("b", "critical")})
	f.commit("copied from Port")
	f.srv.ResetRequests()
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	sent := 0
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/entities/bulk") {
			sent++
			for _, k := range []string{"createdAt", "createdBy", "updatedAt", "updatedBy"} {
				if strings.Contains(string(req.Body), `"`+k+`"`) {
					t.Errorf("%s sent to Port: %s", k, req.Body)
				}
			}
		}
	}
	if sent == 0 {
		t.Fatal("nothing sent")
	}
	// Only server fields added: nothing to send.
	f.write(map[string]string{"services/b/entity.json": strings.Replace(svc("b", "critical"), `{`, `{"updatedAt": "2026-02-02T00:00:00Z", `, 1)})
	f.commit("server fields only")
	f.srv.ResetRequests()
	if r := f.sync(nil); r.err != nil || f.upsertsSent() != 0 {
		t.Fatalf("server fields only: err=%v, upserts %d\n%s", r.err, f.upsertsSent(), r.out)
	}
}

// The invalid column counts entities, not findings, and a file with a
// syntax error counts too.
func TestInvalidCountsEntitiesAndUnreadableFiles(t *testing.T) {
	t.Parallel()
	counts := map[string]*report.SyncCounts{}
	count := func(bp string) *report.SyncCounts {
		if counts[bp] == nil {
			counts[bp] = &report.SyncCounts{Blueprint: bp}
		}
		return counts[bp]
	}
	findings := []report.Finding{
		{File: "a.json", Blueprint: "service", Identifier: "a", Rule: "enum"},
		{File: "a.json", Blueprint: "service", Identifier: "a", Rule: "type"},
		{File: "a.json", Blueprint: "service", Identifier: "a", Rule: "format"},
		{File: "b.json", Blueprint: "service", Identifier: "b", Rule: "enum"},
		{File: "c.json", Rule: "json-syntax"},
		{File: "c.json", Rule: "json-syntax"},
		{File: "d.json", Rule: "json-syntax"},
	}
	countInvalid(findings, func(file string) string {
		if file == "c.json" {
			return "service"
		}
		return ""
	}, count)
	if got := counts["service"].Invalid; got != 3 {
		t.Errorf("service invalid %d, want 3 (a, b and the unreadable c.json)", got)
	}
	if c := counts["(unknown)"]; c == nil || c.Invalid != 1 {
		t.Errorf("unknown-blueprint file not counted: %+v", c)
	}
}
