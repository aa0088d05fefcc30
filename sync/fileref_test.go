package sync

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

const docBP = `{"identifier": "doc", "title": "Doc", "schema": {"properties": {
 "readme": {"type": "string", "format": "markdown"},
 "config": {"type": "object"}}}, "relations": {}}`

// A file:// value is sent as its target's content, read from the commit;
// a change of the target alone re-sends the entity; a removed target is a
// finding that holds the entity (not sent, not deleted).
func TestFileRefSentAndFollowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.srv.AddBlueprint(json.RawMessage(docBP)); err != nil {
		t.Fatal(err)
	}
	f.write(map[string]string{
		".port/blueprints/doc.json": docBP,
		"catalog/docs/doc.json":     `{"identifier": "pay", "blueprint": "doc", "properties": {"readme": "file://./README.md", "config": "file://conf/pay.yaml"}}`,
		"catalog/docs/README.md":    "# Payments v1\n",
		"conf/pay.yaml":             "port: 8080\n",
		"catalog/other.json":        `{"identifier": "other", "blueprint": "doc", "properties": {"readme": "plain"}}`,
	})
	f.commit("add")
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("first sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	want := `{"config":{"port":8080},"readme":"# Payments v1\n"}`
	if got := f.catalog("doc")["pay"]; got != want {
		t.Fatalf("pay in Port: %s, want %s", got, want)
	}

	// The entity file is reformatted, its targets unchanged: nothing is
	// sent (the base side is read with its targets too).
	f.write(map[string]string{"catalog/docs/doc.json": "{\"identifier\": \"pay\", \"blueprint\": \"doc\",\n \"properties\": {\"readme\": \"file://./README.md\", \"config\": \"file://conf/pay.yaml\"}}\n"})
	f.commit("reformat")
	f.srv.ResetRequests()
	if r := f.sync(nil); r.err != nil || f.upsertsSent() != 0 {
		t.Fatalf("reformat: err=%v, %d upserts, want none\n%s", r.err, f.upsertsSent(), r.out)
	}

	// The working tree is never read: an uncommitted edit is not sent.
	f.write(map[string]string{"catalog/docs/README.md": "# uncommitted\n"})
	f.git("stash", "-q")

	// Only the target changes: the entity is sent again, the other is not.
	f.write(map[string]string{"catalog/docs/README.md": "# Payments v2\n", "conf/pay.yaml": "port: 9090\n"})
	f.commit("docs only")
	f.srv.ResetRequests()
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("target change: %v\n%s", r.err, r.out)
	}
	want = `{"config":{"port":9090},"readme":"# Payments v2\n"}`
	if got := f.catalog("doc")["pay"]; got != want || f.upsertsSent() != 1 {
		t.Fatalf("pay in Port: %s (want %s), %d upserts (want 1)", got, want, f.upsertsSent())
	}

	// The target is removed: a finding, the entity held, Port unchanged.
	f.write(map[string]string{"catalog/docs/README.md": ""})
	f.commit("remove readme")
	f.srv.ResetRequests()
	r = f.sync(func(o *Options) { o.Prune = true })
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("removed target: err=%v\n%s", r.err, r.out)
	}
	for _, w := range []string{"│ doc       │       0 │       0 │       0 │         0 │           0 │       1 │", `catalog/docs/doc.json:2:27: error: property "readme": "file://./README.md": catalog/docs/README.md does not exist [file-reference]`, "held", "doc/pay"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("output lacks %q:\n%s", w, r.out)
		}
	}
	if got := f.catalog("doc")["pay"]; got != want || f.upsertsSent() != 0 {
		t.Fatalf("after a removed target: pay in Port %s, %d upserts; want it unchanged and none", got, f.upsertsSent())
	}
	for _, req := range f.srv.Requests() {
		if (req.Method == "DELETE" || strings.Contains(req.Path, "/delete")) && !strings.Contains(req.Path, port_state_path) {
			t.Fatalf("a delete was sent: %s %s", req.Method, req.Path)
		}
	}

	// Put back: the next run sends it.
	f.write(map[string]string{"catalog/docs/README.md": "# Payments v3\n"})
	f.commit("restore readme")
	if r := f.sync(nil); r.err != nil {
		t.Fatalf("restored: %v\n%s", r.err, r.out)
	}
	if got := f.catalog("doc")["pay"]; !strings.Contains(got, "v3") {
		t.Fatalf("pay in Port: %s", got)
	}
}

// A target committed as a symbolic link is never followed, whatever it
// points at: a finding, nothing sent.
func TestFileRefSymlinkInCommitIsNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.srv.AddBlueprint(json.RawMessage(docBP)); err != nil {
		t.Fatal(err)
	}
	f.write(map[string]string{
		".port/blueprints/doc.json": docBP,
		"catalog/doc.json":          `{"identifier": "pay", "blueprint": "doc", "properties": {"readme": "file://secret.md"}}`,
	})
	if err := os.Symlink("/etc/passwd", filepath.Join(f.dir, "secret.md")); err != nil {
		t.Fatal(err)
	}
	f.commit("link")
	r := f.sync(nil)
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, `"file://secret.md": secret.md cannot be read: not a regular file: a symbolic link (links in git are never followed) [file-reference]`) {
		t.Fatalf("err=%v\n%s", r.err, r.out)
	}
	if strings.Contains(r.out, "root:") || len(f.catalog("doc")) != 0 {
		t.Fatalf("the link was followed or the entity sent:\n%s", r.out)
	}
}
