package blueprints

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// library exists in Port but nothing in the repository names it: a
// suggestion of it can only come from the organisation's list.
const library = `{"identifier": "library", "title": "Library", "schema": {"properties": {}}}`

func (p *pullEnv) write(rel, content string) {
	p.t.Helper()
	path := filepath.Join(p.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *pullEnv) add(bp string) {
	p.t.Helper()
	if err := p.srv.AddBlueprint(json.RawMessage(bp)); err != nil {
		p.t.Fatal(err)
	}
}

// A typo in an entity file and one in the configuration: pull writes every
// blueprint that exists, reports each unknown one where it is written, with
// a "did you mean" from the organisation's blueprints, and exits 1.
func TestPullUnknownBlueprintReportedWhereNamed(t *testing.T) {
	p := setup(t)
	p.add(library)
	p.write(".port/gitops.yaml", "entities:\n  - files: \"**/entity.json\"\n  - files: \"catalog/*.json\"\n    blueprint: servce\n")
	p.write("lib/entity.json", "[\n  {\"identifier\": \"x\", \"blueprint\": \"service\"},\n  {\"identifier\": \"y\",\n   \"blueprint\": \"libary\"}\n]\n")
	out, errOut, err := p.pull(nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Fatalf("got %v (exit %d), want exit 1\n%s%s", err, cmdutil.ExitCode(err), out, errOut)
	}
	for _, want := range []string{
		`lib/entity.json:4:17: error: blueprint "libary" does not exist in Port (did you mean "library"?) [unknown-blueprint]`,
		`.port/gitops.yaml:4:16: error: blueprint "servce" does not exist in Port (did you mean "service"?) [unknown-blueprint]`,
		"2 blueprints do not exist in Port: libary, servce\n",
		"wrote .port/blueprints/service.json",
		"wrote .port/blueprints/system.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if p.cached("service") == "" || p.cached("system") == "" {
		t.Fatalf("the blueprints that exist were not written:\n%s", out)
	}
	if p.cached("libary") != "" || p.cached("servce") != "" || p.cached("library") != "" {
		t.Fatalf("wrote a blueprint nothing asked for:\n%s", out)
	}
}

// The same typo in many files: the first few places in file order, then a
// count, whatever order the walk found them in.
func TestPullUnknownBlueprintManyPlaces(t *testing.T) {
	p := setup(t)
	for i := range 8 {
		p.write(fmt.Sprintf("s%d/entity.json", i), `{"identifier": "e", "blueprint": "sytem"}`)
	}
	out, _, err := p.pull(nil)
	if !errors.Is(err, cmdutil.ErrFindings) {
		t.Fatalf("got %v, want findings\n%s", err, out)
	}
	var places []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `blueprint "sytem" does not exist in Port (did you mean "system"?)`) {
			places = append(places, strings.SplitN(l, ":", 2)[0])
		}
	}
	if want := []string{"s0/entity.json", "s1/entity.json", "s2/entity.json", "s3/entity.json", "s4/entity.json"}; strings.Join(places, " ") != strings.Join(want, " ") {
		t.Fatalf("reported at %v, want %v:\n%s", places, want, out)
	}
	if !strings.Contains(out, `  ... and 3 more places naming blueprint "sytem"`) {
		t.Fatalf("no count of the other places:\n%s", out)
	}
	if p.cached("service") == "" || p.cached("system") == "" {
		t.Fatal("the blueprints that exist were not written")
	}
}

// An identifier on the command line that Port does not know has no file:
// it is reported alone, and the others are still written.
func TestPullUnknownIDOnCommandLine(t *testing.T) {
	p := setup(t)
	out, _, err := p.pull(func(o *Options) { o.IDs = []string{"service", "othr"} })
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Fatalf("got %v (exit %d), want exit 1\n%s", err, cmdutil.ExitCode(err), out)
	}
	if !strings.Contains(out, "\nerror: blueprint \"othr\" does not exist in Port (did you mean \"other\"?) [unknown-blueprint]\n") {
		t.Fatalf("no report of the unknown identifier:\n%s", out)
	}
	if p.cached("service") == "" || p.cached("other") != "" {
		t.Fatalf("wrong blueprints written:\n%s", out)
	}
}

// A relation of a blueprint that targets a blueprint Port lacks is reported
// at that relation's target in the blueprint's cache file.
func TestPullUnknownRelationTarget(t *testing.T) {
	p := setup(t)
	p.add(`{"identifier": "service", "title": "Service", "schema": {"properties": {}},
 "relations": {"owner": {"target": "teem", "many": false}, "system": {"target": "system", "many": false}}}`)
	p.add(`{"identifier": "team", "title": "Team", "schema": {"properties": {}}}`)
	out, _, err := p.pull(nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Fatalf("got %v (exit %d), want exit 1\n%s", err, cmdutil.ExitCode(err), out)
	}
	cached := p.cached("service")
	line, col := 0, 0
	for i, l := range strings.Split(cached, "\n") {
		if j := strings.Index(l, `"teem"`); j >= 0 {
			line, col = i+1, j+1
		}
	}
	want := fmt.Sprintf(`.port/blueprints/service.json:%d:%d: error: relation "owner" of blueprint "service" targets blueprint "teem", which does not exist in Port (did you mean "team"?) [unknown-blueprint]`, line, col)
	if line == 0 || !strings.Contains(out, want) {
		t.Fatalf("output lacks %q:\n%s\ncache file:\n%s", want, out, cached)
	}
	if p.cached("system") == "" {
		t.Fatal("the other target was not written")
	}
}

// --check reports unknown blueprints the same way, writes nothing, exits 1
// even when the cache is otherwise current.
func TestPullCheckReportsUnknown(t *testing.T) {
	p := setup(t)
	if out, _, err := p.pull(nil); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p.write("lib/entity.json", `{"identifier": "y", "blueprint": "libary"}`)
	p.add(library)
	out, _, err := p.pull(func(o *Options) { o.Check = true })
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Fatalf("got %v (exit %d), want exit 1\n%s", err, cmdutil.ExitCode(err), out)
	}
	for _, want := range []string{
		`lib/entity.json:1:34: error: blueprint "libary" does not exist in Port (did you mean "library"?) [unknown-blueprint]`,
		"current   service",
		"1 blueprint does not exist in Port: libary\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if p.cached("library") != "" || p.cached("libary") != "" {
		t.Fatal("--check wrote the cache")
	}
}

// When the organisation's list cannot be had, the suggestion comes from
// the blueprints fetched and those in the cache.
func TestPullUnknownSuggestsFromCacheWithoutList(t *testing.T) {
	p := setup(t)
	p.write(".port/blueprints/cluster.json", `{"identifier": "cluster"}`)
	p.write("a/entity.json", `{"identifier": "y", "blueprint": "servic"}`)
	p.write("b/entity.json", `{"identifier": "z", "blueprint": "clustr"}`)
	p.srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/v1/blueprints", Status: 403, Times: 10})
	out, _, err := p.pull(nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Fatalf("got %v (exit %d), want exit 1\n%s", err, cmdutil.ExitCode(err), out)
	}
	for _, want := range []string{`"servic" does not exist in Port (did you mean "service"?)`, `"clustr" does not exist in Port (did you mean "cluster"?)`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// An unknown blueprint does not hide a failure: a server error on another
// blueprint is still exit 3 with nothing written.
func TestPullUnknownAndServerErrorWritesNothing(t *testing.T) {
	p := setup(t)
	p.write("lib/entity.json", `{"identifier": "y", "blueprint": "libary"}`)
	p.srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/v1/blueprints/system", Status: 500, Times: 10})
	out, errOut, err := p.pull(nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitRun {
		t.Fatalf("got %v (exit %d), want exit 3\n%s%s", err, cmdutil.ExitCode(err), out, errOut)
	}
	if p.cached("service") != "" || p.cached("system") != "" {
		t.Fatal("a failed pull wrote the cache")
	}
}

// A blueprint name that cannot be an identifier is unknown without asking
// Port for a path it would misroute.
func TestPullBlueprintNameNotAnIdentifier(t *testing.T) {
	p := setup(t)
	p.write("dot/entity.json", `{"identifier": "y", "blueprint": ".."}`)
	out, _, err := p.pull(nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitFindings || !strings.Contains(out, `dot/entity.json:1:34: error: blueprint ".." does not exist in Port`) {
		t.Fatalf("got %v (exit %d)\n%s", err, cmdutil.ExitCode(err), out)
	}
	for _, r := range p.srv.Requests() {
		if strings.Contains(r.Path, "..") {
			t.Fatalf("asked Port for %s", r.Path)
		}
	}
}

// pull --all leaves sync's own state blueprint out of the cache.
func TestPullAllSkipsSyncState(t *testing.T) {
	p := setup(t)
	p.add(`{"identifier": "` + portapi.SyncStateBlueprint + `", "title": "port-gitops sync state", "schema": {"properties": {"commit": {"type": "string"}}}}`)
	out, _, err := p.pull(func(o *Options) { o.All = true })
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if p.cached(portapi.SyncStateBlueprint) != "" {
		t.Fatalf("wrote sync's state blueprint:\n%s", out)
	}
	if p.cached("other") == "" || !strings.Contains(out, "skipped   port_gitops_sync_state") {
		t.Fatalf("output:\n%s", out)
	}
	out, _, err = p.pull(func(o *Options) { o.All = true; o.Check = true })
	if err != nil || !strings.Contains(out, "the blueprint cache is current (3 blueprints)") {
		t.Fatalf("--check --all: %v\n%s", err, out)
	}
}

// Many different unknown names cost one request for the first and one for
// the organisation's list, not one each.
func TestPullManyUnknownNamesFewRequests(t *testing.T) {
	p := setup(t)
	for i := range 40 {
		p.write(fmt.Sprintf("t%02d/entity.json", i), fmt.Sprintf(`{"identifier": "e", "blueprint": "typo%02d"}`, i))
	}
	p.srv.ResetRequests()
	out, _, err := p.pull(nil)
	if !errors.Is(err, cmdutil.ErrFindings) || !strings.Contains(out, "40 blueprints do not exist in Port: typo00, typo01, typo02, typo03, typo04, typo05, typo06, typo07, typo08, typo09 and 30 more\n") {
		t.Fatalf("got %v\n%s", err, out)
	}
	gets := 0
	for _, r := range p.srv.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/v1/blueprints/typo") {
			gets++
		}
	}
	if gets != 1 {
		t.Fatalf("asked Port for %d unknown blueprints one by one, want 1", gets)
	}
	if p.cached("service") == "" || p.cached("system") == "" {
		t.Fatal("the blueprints that exist were not written")
	}
}
