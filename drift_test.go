package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exported is a repository holding what export wrote of the catalog,
// committed.
func exported(t *testing.T, config string) *catalog {
	t.Helper()
	needGit(t)
	c := newCatalog(t)
	c.git("init", "-q", "-b", "main")
	if code, out, errOut := c.run("export", "service", "system"); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	if config != "" {
		c.write(".port/gitops.yaml", config)
	}
	c.git("add", "-A")
	c.git("commit", "-qm", "export")
	return c
}

func (c *catalog) drift(want int, args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(append([]string{"drift"}, args...)...)
	if code != want {
		c.t.Fatalf("drift %v: exit %d, want %d\n%s%s", args, code, want, out, errOut)
	}
	return out
}

func (c *catalog) syncFull(args ...string) {
	c.t.Helper()
	if code, out, errOut := c.run(append([]string{"sync", "--full", "--state", "none"}, args...)...); code != 0 {
		c.t.Fatalf("sync --full %v: exit %d\n%s%s", args, code, out, errOut)
	}
}

// An entity edited in Port: drift exits 1 naming the field, sync --full
// repairs it, drift exits 0.
func TestDriftEditedInPort(t *testing.T) {
	t.Parallel()
	c := exported(t, "")
	if out := c.drift(0); !strings.Contains(out, "no drift: the 4 entities defined at") {
		t.Errorf("drift right after export:\n%s", out)
	}
	c.put("service", `{"identifier": "payments", "title": "Payments", "team": ["payments-team"], "icon": "Go",
	  "properties": {"tier": "standard", "port": 8080}, "relations": {"system": "shop", "deps": ["search"]}}`)
	out := c.drift(1)
	for _, s := range []string{
		"service/payments/entity.json:1:1: service/payments changed in Port (updated by porttest at ",
		`    properties.tier: "critical" (git) → "standard" (Port)`,
		"drift: 1 changed in Port, 0 missing from Port",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("drift output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "deps") || strings.Contains(out, "title") {
		t.Errorf("fields that did not change are reported:\n%s", out)
	}
	c.syncFull()
	c.drift(0)
}

// An entity deleted in Port is missing; sync --full puts it back.
func TestDriftDeletedInPort(t *testing.T) {
	t.Parallel()
	c := exported(t, "")
	if !c.srv.RemoveEntity("service", "search") {
		t.Fatal("no search entity")
	}
	out := c.drift(1, "--format", "json")
	var res struct {
		Drift   bool
		Missing []struct{ Blueprint, Identifier, File string }
		Changed []any
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err, out)
	}
	if !res.Drift || len(res.Missing) != 1 || res.Missing[0].Identifier != "search" || res.Missing[0].File != "service/search/entity.json" || len(res.Changed) != 0 {
		t.Errorf("drift --format json: %s", out)
	}
	c.syncFull()
	c.drift(0)
}

// In an owned blueprint, an entity Port has and no file defines is
// reported, deleted only by sync --full --prune, and never when a file
// that does not parse may define it.
func TestDriftOwnedBlueprintExtra(t *testing.T) {
	t.Parallel()
	c := exported(t, "owns: [service]\n")
	c.put("service", `{"identifier": "ghost", "properties": {"tier": "standard"}}`)
	c.put("system", `{"identifier": "not-owned"}`) // system is not owned: never an extra
	code, out, errOut := c.run("drift")
	if code != 1 || !strings.Contains(out, "service/ghost is in Port but no file defines it (the repository owns service) (updated by porttest") || strings.Contains(out, "not-owned") {
		t.Fatalf("drift: exit %d\n%s%s", code, out, errOut)
	}
	c.syncFull()
	if _, ok := c.srv.Entity("service", "ghost"); !ok {
		t.Fatal("sync --full without --prune deleted the extra")
	}
	// A file that does not parse and names ghost holds it back.
	c.write("service/broken/entity.json", `{"identifier": "ghost", "blueprint": "service",`)
	c.git("add", "-A")
	c.git("commit", "-qm", "broken")
	if code, out, _ := c.run("drift"); code != 1 || strings.Contains(out, "service/ghost is in Port") || !strings.Contains(out, "service/broken/entity.json:1:") {
		t.Errorf("with a broken file naming ghost: exit %d\n%s", code, out)
	}
	if code, out, _ := c.run("sync", "--full", "--state", "none", "--prune", "--format", "json"); code != 1 || !strings.Contains(out, `"service/ghost"`) {
		t.Errorf("sync --full --prune with a broken file: exit %d, want 1 and ghost held\n%s", code, out)
	}
	if _, ok := c.srv.Entity("service", "ghost"); !ok {
		t.Fatal("sync --full --prune deleted an entity a broken file may define")
	}
	// So does a file that parses but defines ghost invalidly.
	c.git("rm", "-q", "service/broken/entity.json")
	c.write("service/ghost/entity.json", `{"identifier": "ghost", "blueprint": "service", "properties": {"tier": "gold"}}`)
	c.git("add", "-A")
	c.git("commit", "-qm", "invalid")
	if code, _, _ := c.run("sync", "--full", "--state", "none", "--prune"); code != 1 {
		t.Errorf("sync --full --prune with an invalid ghost: exit %d, want 1", code)
	}
	if _, ok := c.srv.Entity("service", "ghost"); !ok {
		t.Fatal("sync --full --prune deleted an entity an invalid file defines")
	}
	c.git("rm", "-q", "service/ghost/entity.json")
	c.git("commit", "-qm", "fixed")
	c.syncFull("--prune")
	if _, ok := c.srv.Entity("service", "ghost"); ok {
		t.Fatal("sync --full --prune left the extra of an owned blueprint")
	}
	if _, ok := c.srv.Entity("system", "not-owned"); !ok {
		t.Fatal("sync --full --prune deleted an entity of a blueprint the repository does not own")
	}
	c.drift(0)
}

func TestDriftMarkdown(t *testing.T) {
	t.Parallel()
	c := exported(t, "owns: [service]\n")
	c.put("service", `{"identifier": "payments", "title": "Pay | ments", "team": ["payments-team"], "icon": "Go",
	  "properties": {"tier": "critical", "port": 9090}, "relations": {"system": "shop", "deps": ["search"]}}`)
	c.srv.RemoveEntity("service", "search")
	c.put("service", `{"identifier": "ghost"}`)
	out := c.drift(1, "--format", "markdown")
	golden := filepath.Join("testdata", "drift.md")
	got := regexpTimes.ReplaceAllString(out, "<time>")
	got = strings.ReplaceAll(got, c.headShort(), "<head>")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("drift --format markdown:\n%s\nwant (%s; UPDATE_GOLDEN=1 rewrites it):\n%s", got, golden, want)
	}
	// A scheduled job's text run also writes the Markdown to the job summary.
	summary := filepath.Join(t.TempDir(), "summary.md")
	c.env = map[string]string{"GITHUB_STEP_SUMMARY": summary}
	c.drift(1)
	if b, err := os.ReadFile(summary); err != nil || string(b) != out {
		t.Errorf("GITHUB_STEP_SUMMARY: %v\n%s", err, b)
	}
}

var regexpTimes = regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+Z`)

func (c *catalog) headShort() string {
	c.t.Helper()
	out, err := exec.Command("git", "-C", c.dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// A file:// value stands for its target's content at HEAD, as sync sends
// it: an entity whose value comes from a file is no drift.
func TestDriftReadsFileReferences(t *testing.T) {
	t.Parallel()
	c := exported(t, "")
	data := c.read("service/payments/entity.json")
	if !strings.Contains(data, `"tier": "critical"`) {
		t.Fatalf("exported payments:\n%s", data)
	}
	c.write("service/payments/entity.json", strings.Replace(data, `"tier": "critical"`, `"tier": "file://./tier.txt"`, 1))
	c.write("service/payments/tier.txt", "critical")
	c.git("add", "-A")
	c.git("commit", "-qm", "tier from a file")
	if out := c.drift(0); !strings.Contains(out, "no drift") {
		t.Errorf("drift:\n%s", out)
	}
	c.write("service/payments/tier.txt", "standard")
	c.git("add", "-A")
	c.git("commit", "-qm", "tier changed in its file")
	if out := c.drift(1); !strings.Contains(out, `properties.tier: "standard" (git) → "critical" (Port)`) {
		t.Errorf("drift after the file changed:\n%s", out)
	}
}
