package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// catalogBlueprints are the blueprints of the export and drift tests.
var catalogBlueprints = []string{
	`{"identifier": "service", "title": "Service",
	  "schema": {"properties": {"tier": {"type": "string", "enum": ["critical", "standard"]}, "port": {"type": "number"}, "url": {"type": "string", "format": "url"}}},
	  "relations": {"system": {"target": "system", "required": false, "many": false}, "deps": {"target": "service", "required": false, "many": true}}}`,
	`{"identifier": "system", "title": "System", "schema": {"properties": {"owner": {"type": "string"}}}, "relations": {}}`,
}

// catalog is a local Port holding an existing catalog, and a repository
// (a git work tree) to export it into.
type catalog struct {
	t   *testing.T
	srv *porttest.Server
	dir string
	env map[string]string // more environment for run
}

func newCatalog(t *testing.T) *catalog {
	t.Helper()
	srv := porttest.NewT(t)
	for _, bp := range catalogBlueprints {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	c := &catalog{t: t, srv: srv, dir: t.TempDir()}
	c.put("system", `{"identifier": "shop", "title": "Shop", "properties": {"owner": "payments"}}`)
	c.put("service", `{"identifier": "payments", "title": "Payments", "team": ["payments-team"], "icon": "Go",
	  "properties": {"tier": "critical", "port": 8080, "url": null}, "relations": {"system": "shop", "deps": ["search"]}}`)
	c.put("service", `{"identifier": "search", "title": "Search", "team": [], "properties": {"tier": "standard", "port": null, "url": "https://search.example.com"}, "relations": {"system": null, "deps": []}}`)
	c.put("service", `{"identifier": "legacy/billing", "title": null, "properties": {"tier": "standard"}, "relations": {}}`)
	return c
}

func (c *catalog) put(bp, raw string) {
	c.t.Helper()
	if err := c.srv.PutEntity(bp, json.RawMessage(raw)); err != nil {
		c.t.Fatal(err)
	}
}

// run runs port-gitops in the repository with the local Port's credentials.
func (c *catalog) run(args ...string) (int, string, string) {
	c.t.Helper()
	env := map[string]string{}
	for _, kv := range c.srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range c.env {
		env[k] = v
	}
	var out, errOut bytes.Buffer
	io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: c.dir, Getenv: func(k string) string { return env[k] }}
	code := runWith(context.Background(), io, append([]string{"port-gitops"}, args...))
	if strings.Contains(out.String()+errOut.String(), c.srv.ClientSecret) {
		c.t.Fatalf("the client secret is in the output of %v", args)
	}
	return code, out.String(), errOut.String()
}

func (c *catalog) read(rel string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(rel)))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

func (c *catalog) write(rel, data string) {
	c.t.Helper()
	p := filepath.Join(c.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *catalog) git(args ...string) {
	c.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+c.dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: " + err.Error())
	}
}

// upserts counts the entity writes the local Port received, but sync's
// own state.
func (c *catalog) upserts() []string {
	var out []string
	for _, r := range c.srv.Requests() {
		if r.Method == "POST" && strings.Contains(r.Path, "/entities") && !strings.HasSuffix(r.Path, "/search") &&
			!strings.Contains(r.Path, "port_gitops_sync_state") {
			out = append(out, r.Path)
		}
	}
	return out
}

// Export, then validate finds nothing, and a sync of the commit sends
// nothing: the files are what Port holds.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	needGit(t)
	c := newCatalog(t)
	c.git("init", "-q", "-b", "main")
	code, out, errOut := c.run("export", "service", "system")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	want := `{
  "identifier": "payments",
  "title": "Payments",
  "blueprint": "service",
  "icon": "Go",
  "team": [
    "payments-team"
  ],
  "properties": {
    "port": 8080,
    "tier": "critical"
  },
  "relations": {
    "deps": [
      "search"
    ],
    "system": "shop"
  }
}
`
	if got := c.read("service/payments/entity.json"); got != want {
		t.Errorf("service/payments/entity.json:\n%s\nwant:\n%s", got, want)
	}
	// An identifier with a / is one directory; nulls and empty lists are gone.
	if got := c.read("service/legacy_billing/entity.json"); got != "{\n  \"identifier\": \"legacy/billing\",\n  \"blueprint\": \"service\",\n  \"properties\": {\n    \"tier\": \"standard\"\n  }\n}\n" {
		t.Errorf("legacy/billing:\n%s", got)
	}
	if got := c.read("service/search/entity.json"); strings.Contains(got, "null") || strings.Contains(got, "[]") || strings.Contains(got, "team") {
		t.Errorf("unset values written:\n%s", got)
	}
	// No configuration: the default rule matches, with no blueprint, so
	// each file names its own and no configuration is written.
	if _, err := os.Stat(filepath.Join(c.dir, ".port", "gitops.yaml")); err == nil {
		t.Errorf("a configuration was written though the default rule matches:\n%s", c.read(".port/gitops.yaml"))
	}
	if !strings.Contains(c.read("system/shop/entity.json"), `"blueprint": "system"`) {
		t.Errorf("system/shop/entity.json has no blueprint key though its rule gives none:\n%s", c.read("system/shop/entity.json"))
	}
	// The blueprints were pulled into the cache.
	for _, bp := range []string{"service", "system"} {
		if _, err := os.Stat(filepath.Join(c.dir, ".port", "blueprints", bp+".json")); err != nil {
			t.Errorf("blueprint %s not pulled: %v\n%s", bp, err, out)
		}
	}
	if code, out, errOut := c.run("validate"); code != 0 {
		t.Fatalf("validate after export: exit %d\n%s%s", code, out, errOut)
	}
	c.git("add", "-A")
	c.git("commit", "-qm", "export")
	c.srv.ResetRequests()
	if code, out, errOut := c.run("sync", "--full", "--state", "none"); code != 0 || len(c.upserts()) > 0 {
		t.Fatalf("sync after export: exit %d, sent %v\n%s%s", code, c.upserts(), out, errOut)
	}
}

// What Port itself holds invalid is exported as it is, and validate shows it.
func TestExportKeepsWhatPortHoldsInvalid(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	c.put("service", `{"identifier": "odd", "properties": {"tier": "gold"}}`)
	if code, out, errOut := c.run("export", "service", "system"); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := c.run("validate", "--format", "json")
	var res struct {
		Findings []struct{ File, Rule string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err, out)
	}
	if code != 1 || len(res.Findings) != 1 || res.Findings[0].File != "service/odd/entity.json" || res.Findings[0].Rule != "enum" {
		t.Errorf("validate: exit %d, findings %+v; want the one enum finding of service/odd", code, res.Findings)
	}
}

func TestExportYAMLAndBlueprintLayout(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	c.write(".port/gitops.yaml", "# mine\nblueprints: .port/blueprints\nentities:\n    - files: \"**/entity.json\"\n      blueprint: service\n")
	c.write(".port/blueprints/.keep", "")
	before := c.read(".port/gitops.yaml")
	code, out, errOut := c.run("export", "service", "--format", "yaml", "--layout", "blueprint", "--dir", "catalog")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	data := c.read("catalog/service.yml")
	root, diags, err := entity.ParseYAML([]byte(data))
	if err != nil || len(diags) > 0 {
		t.Fatalf("catalog/service.yml does not read back: %v %v\n%s", err, diags, data)
	}
	list, _ := root.Interface().([]any)
	if len(list) != 3 {
		t.Fatalf("want 3 entities in the list:\n%s", data)
	}
	if !strings.HasPrefix(data, "- identifier: legacy/billing\n") || !strings.Contains(data, "  title: Payments\n  icon: Go\n  team:\n    - payments-team\n  properties:\n") {
		t.Errorf("not port.yml as people write it:\n%s", data)
	}
	// The user's configuration is kept byte for byte; the rule comes after,
	// at the list's own indentation.
	cfg := c.read(".port/gitops.yaml")
	if !strings.HasPrefix(cfg, before) || !strings.Contains(cfg, "\n    - files: \"catalog/service.yml\"\n      blueprint: \"service\"\n") {
		t.Errorf("configuration:\n%s", cfg)
	}
	if strings.Contains(data, "blueprint:") {
		t.Errorf("the rule gives the blueprint, the file should not:\n%s", data)
	}
	// JSON lists validate.
	code, out, errOut = c.run("export", "system", "--layout", "blueprint", "--dir", "catalog")
	if code != 0 || !strings.Contains(c.read("catalog/system.json"), "[\n  {\n    \"identifier\": \"shop\"") {
		t.Fatalf("export system: exit %d\n%s%s%s", code, out, errOut, c.read("catalog/system.json"))
	}
	if code, out, errOut := c.run("validate", "catalog/system.json"); code != 0 {
		t.Errorf("validate catalog/system.json: exit %d\n%s%s", code, out, errOut)
	}
}

func TestExportSubsetByQuery(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	code, out, errOut := c.run("export", "service", "--query", `{"combinator": "and", "rules": [{"property": "tier", "operator": "=", "value": "standard"}]}`)
	if code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "service", "payments")); err == nil {
		t.Error("payments (tier critical) was exported")
	}
	c.read("service/search/entity.json")
	c.read("service/legacy_billing/entity.json")
	if code, _, errOut := c.run("export", "service", "--query", "[1"); code != 2 || !strings.Contains(errOut, "--query") {
		t.Errorf("a bad --query: exit %d, %s", code, errOut)
	}
}

// An existing file is never overwritten: listed, exit 1, the rest written.
func TestExportSkipsExistingFiles(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	c.write("service/search/entity.json", "mine\n")
	code, out, errOut := c.run("export", "service")
	if code != 1 || !strings.Contains(out, "skipped service/search/entity.json: the file exists") {
		t.Fatalf("exit %d, want 1 and the skipped file named\n%s%s", code, out, errOut)
	}
	if c.read("service/search/entity.json") != "mine\n" {
		t.Error("the existing file was overwritten")
	}
	c.read("service/payments/entity.json")
	// Again: everything is skipped, nothing changes, no temporary file is left.
	code, out, _ = c.run("export", "service")
	if code != 1 || !strings.Contains(out, "0 files written, 3 skipped") {
		t.Errorf("second export: exit %d\n%s", code, out)
	}
	filepath.WalkDir(c.dir, func(p string, d os.DirEntry, err error) error {
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// Identifiers whose safe names collide get -2 and are reported.
func TestExportCollisions(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	c.put("service", `{"identifier": "legacy_billing", "properties": {"tier": "critical"}}`)
	code, out, errOut := c.run("export", "service")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	a, b := c.read("service/legacy_billing/entity.json"), c.read("service/legacy_billing-2/entity.json")
	if !strings.Contains(a+b, `"legacy/billing"`) || !strings.Contains(a+b, `"legacy_billing"`) {
		t.Errorf("both entities should be written:\n%s\n%s", a, b)
	}
	if !strings.Contains(out, "written as legacy_billing-2") {
		t.Errorf("the collision is not reported:\n%s", out)
	}
}

// A configuration whose entities list is not last is left alone; the rule
// to add is printed, exit 1.
func TestExportConfigNotAppendable(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	c.write(".port/gitops.yaml", "entities: [{files: \"x/*.json\"}]\nprune: false\n")
	before := c.read(".port/gitops.yaml")
	code, out, errOut := c.run("export", "system")
	if code != 1 || !strings.Contains(errOut, `- files: "system/*/entity.json"`) {
		t.Fatalf("exit %d, want 1 with the rule printed\n%s%s", code, out, errOut)
	}
	if c.read(".port/gitops.yaml") != before {
		t.Error("the configuration was changed")
	}
}

func TestExportUsage(t *testing.T) {
	t.Parallel()
	c := newCatalog(t)
	for _, args := range [][]string{
		{"export"},
		{"export", "service", "--all"},
		{"export", "service", "--format", "toml"},
		{"export", "service", "--layout", "tree"},
		{"export", "service", "--dir", "../elsewhere"},
		{"export", "service", "--dir", ".port/x"},
		{"export", "nosuch"},
	} {
		if code, out, errOut := c.run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errOut)
		}
	}
}

// No configuration and no rule for port.yml: one is written that keeps
// the default rule first, and the files need no blueprint key.
func TestExportYAMLWritesConfiguration(t *testing.T) {
	t.Parallel()
	// Without a configuration, the default **/port.yml rule takes port.yml
	// files: each names its blueprint, and no configuration is written.
	c := newCatalog(t)
	code, out, errOut := c.run("export", "service", "--format", "yaml")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(c.dir, ".port", "gitops.yaml")); err == nil {
		t.Errorf("a configuration was written although the default rules match:\n%s", c.read(".port/gitops.yaml"))
	}
	data := c.read("service/payments/port.yml")
	if !strings.HasPrefix(data, "identifier: payments\ntitle: Payments\nblueprint: service\nicon: Go\n") {
		t.Errorf("service/payments/port.yml:\n%s", data)
	}
	if _, _, err := entity.ParseYAML([]byte(data)); err != nil {
		t.Error(err)
	}
	// One file per blueprint (service.yml) is no default rule's: a rule is
	// written, after both default rules.
	c = newCatalog(t)
	if code, out, errOut := c.run("export", "service", "--format", "yaml", "--layout", "blueprint"); code != 0 {
		t.Fatalf("export --layout blueprint: exit %d\n%s%s", code, out, errOut)
	}
	cfg := c.read(".port/gitops.yaml")
	first, second, third := strings.Index(cfg, `- files: "**/entity.json"`), strings.Index(cfg, `- files: "**/port.yml"`), strings.Index(cfg, "blueprint: \"service\"")
	if first < 0 || second < first || third < second {
		t.Errorf("configuration:\n%s", cfg)
	}
	if code, out, _ := c.run("validate"); code != 0 {
		t.Errorf("validate after export: exit %d\n%s", code, out)
	}
}
