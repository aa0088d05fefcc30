package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixedClock() func() time.Time {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := 0
	return func() time.Time {
		calls++
		return t0.Add(time.Duration(calls-1) * 3 * time.Millisecond)
	}
}

type result struct {
	out, errOut string
	err         error
}

func runIn(t *testing.T, dir string, opts Options) result {
	t.Helper()
	var out, errOut bytes.Buffer
	opts.IO = &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(string) string { return "" }}
	if opts.Format == "" {
		opts.Format = "text"
	}
	if opts.Color == "" {
		opts.Color = "never"
	}
	if opts.Now == nil {
		opts.Now = fixedClock()
	}
	err := Run(context.Background(), opts)
	return result{out.String(), errOut.String(), err}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./validate -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// The example catalog shipped in the repository, in every format.
func TestExamplesGolden(t *testing.T) {
	examples, _ := filepath.Abs(filepath.Join("..", "examples"))
	for _, format := range []string{"text", "json", "github"} {
		t.Run(format, func(t *testing.T) {
			r := runIn(t, examples, Options{Format: format})
			if !errors.Is(r.err, cmdutil.ErrFindings) {
				t.Fatalf("err = %v, want findings; stderr: %s", r.err, r.errOut)
			}
			golden(t, "examples."+format, r.out)
		})
	}
}

func TestWorkerCountDoesNotChangeOutput(t *testing.T) {
	examples, _ := filepath.Abs(filepath.Join("..", "examples"))
	one := runIn(t, examples, Options{Workers: 1})
	many := runIn(t, examples, Options{Workers: 8})
	if one.out != many.out {
		t.Fatalf("1 worker and 8 workers differ:\n%s\n---\n%s", one.out, many.out)
	}
}

// repo writes files into a fresh directory that has a .git marker.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, files)
	return root
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const svcBlueprint = `{"identifier": "svc", "title": "Service",
 "schema": {"properties": {"url": {"type": "string", "format": "url"}}, "required": []},
 "relations": {}}`

func TestFilesArgumentsAndSkipping(t *testing.T) {
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"a/entity.json":             `{"identifier": "a", "blueprint": "svc", "properties": {"url": "nope"}}`,
		"b/entity.json":             `{"identifier": "b", "blueprint": "svc"}`,
		"package.json":              `{"name": "not an entity"`,
	})
	// A file that no rule matches is skipped silently.
	r := runIn(t, root, Options{Files: []string{"package.json", "b/entity.json"}})
	if r.err != nil || !strings.Contains(r.out, "1 file, 1 entity: 0 errors, 0 warnings") {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
	// Named files only; paths shown relative to the working directory.
	r = runIn(t, filepath.Join(root, "a"), Options{Files: []string{"entity.json"}})
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.HasPrefix(r.out, "entity.json:1:63: error: url: \"nope\" is not a valid url") {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
	// A missing file is a usage error.
	r = runIn(t, root, Options{Files: []string{"missing/entity.json"}})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "missing/entity.json: no such file") {
		t.Fatalf("err=%v", r.err)
	}
	// A directory is searched with the rules.
	r = runIn(t, root, Options{Files: []string{"b"}})
	if r.err != nil || !strings.Contains(r.out, "1 file, 1 entity") {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
}

func TestBlueprintFlagAndRuleDefault(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml":         "entities:\n  - files: \"svc/**/entity.json\"\n    blueprint: svc\n  - files: \"other/**/*.json\"\n",
		".port/blueprints/svc.json": svcBlueprint,
		"svc/a/entity.json":         `{"identifier": "a"}`,
		"other/b.json":              `{"identifier": "b"}`,
	})
	r := runIn(t, root, Options{Format: "json"})
	var doc struct {
		Errors   int
		Findings []struct{ File, Rule, Message string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if doc.Errors != 1 || doc.Findings[0].File != "other/b.json" || doc.Findings[0].Rule != "unknown-blueprint" || !strings.Contains(doc.Findings[0].Message, "names no blueprint") {
		t.Fatalf("got %+v", doc)
	}
	r = runIn(t, root, Options{Blueprint: "svc"})
	if r.err != nil {
		t.Fatalf("with --blueprint: err=%v out=%s", r.err, r.out)
	}
}

func TestConfigAndBlueprintErrorsExit2(t *testing.T) {
	root := repo(t, map[string]string{
		".port/gitops.yaml":         "entitys: []\n",
		".port/blueprints/svc.json": svcBlueprint,
	})
	r := runIn(t, root, Options{})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), `.port/gitops.yaml:1:1: unknown key "entitys"`) {
		t.Fatalf("err=%v", r.err)
	}
	root = repo(t, map[string]string{
		".port/blueprints/svc.json": `{"identifier": "svc", "schema": {"properties": {"p": {"type": 5}}}}`,
		"entity.json":               `{"identifier": "a", "blueprint": "svc"}`,
	})
	r = runIn(t, root, Options{})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.out, `.port/blueprints/svc.json:1:63: error: property "p": type 5 is not one of string, number, boolean, object, array [broken-blueprint]`) {
		t.Fatalf("err=%v\n%s", r.err, r.out)
	}
	r = runIn(t, root, Options{Format: "xml"})
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "valid: github, json, sarif, text") {
		t.Fatalf("err=%v", r.err)
	}
}

func TestBadFilesAreFindingsNotCrashes(t *testing.T) {
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"empty/entity.json":         "",
		"bom/entity.json":           "\ufeff{\"identifier\": \"a\", \"blueprint\": \"svc\"}",
		"utf8/entity.json":          "{\"identifier\": \"a\xff\", \"blueprint\": \"svc\"}",
	})
	if err := os.MkdirAll(filepath.Join(root, "dir", "entity.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, root, Options{})
	if !errors.Is(r.err, cmdutil.ErrFindings) {
		t.Fatalf("err=%v out=%s", r.err, r.out)
	}
	for _, want := range []string{"bom/entity.json:1:1: error:", "empty/entity.json", "utf8/entity.json:1:18: error:", "3 files"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	// A directory is never an entity file, whatever its name.
	if strings.Contains(r.out, "dir/entity.json") {
		t.Errorf("a directory reported as an entity file:\n%s", r.out)
	}
}

func TestDuplicateEntityAcrossFiles(t *testing.T) {
	root := repo(t, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"a/entity.json":             `{"identifier": "same", "blueprint": "svc"}`,
		"b/entity.json":             "[\n  {\"identifier\": \"other\", \"blueprint\": \"svc\"},\n  {\"identifier\": \"same\", \"blueprint\": \"svc\"}\n]",
	})
	r := runIn(t, root, Options{})
	want := "a/entity.json:1:1: error: entity \"same\" of blueprint \"svc\" is also defined at b/entity.json:3:3 [duplicate-entity]"
	if !strings.Contains(r.out, want) || !strings.Contains(r.out, "b/entity.json:3:3: error: entity \"same\" of blueprint \"svc\" is also defined at a/entity.json:1:1") {
		t.Fatalf("out:\n%s", r.out)
	}
}

func TestColorAuto(t *testing.T) {
	cases := []struct {
		env  map[string]string
		tty  bool
		want bool
	}{
		{nil, false, false},
		{nil, true, true},
		{map[string]string{"NO_COLOR": "1"}, true, false},
		{map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false, false},
	}
	for _, c := range cases {
		io := &cmdutil.IO{IsTerminal: c.tty, Getenv: func(k string) string { return c.env[k] }}
		got, err := cmdutil.UseColor("auto", io)
		if err != nil || got != c.want {
			t.Errorf("env=%v tty=%v: got %v, want %v", c.env, c.tty, got, c.want)
		}
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestStagedChecksTheIndexNotTheWorkTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"a/entity.json":             `{"identifier": "a", "blueprint": "svc", "properties": {"url": "bad"}}`,
		"b/entity.json":             `{"identifier": "b", "blueprint": "svc"}`,
	})
	git(t, root, "add", "a/entity.json", ".port")
	// Fix a/ in the work tree only: the staged version is still bad.
	write(t, root, map[string]string{"a/entity.json": `{"identifier": "a", "blueprint": "svc", "properties": {"url": "https://ok.example"}}`})
	r := runIn(t, root, Options{Staged: true})
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "a/entity.json:1:63: error: url: \"bad\"") || strings.Contains(r.out, "b/entity.json") {
		t.Fatalf("staged: err=%v out=%s", r.err, r.out)
	}
	// Without --staged the work tree is checked, and it is fine.
	if r := runIn(t, root, Options{}); r.err != nil {
		t.Fatalf("work tree: err=%v out=%s", r.err, r.out)
	}
	git(t, root, "add", "a/entity.json")
	if r := runIn(t, root, Options{Staged: true}); r.err != nil || !strings.Contains(r.out, "1 file, 1 entity") {
		t.Fatalf("after staging the fix: err=%v out=%s", r.err, r.out)
	}
}

// port.yml files are checked like entity.json ones: named, walked, staged.
func TestPortYMLNamedWalkedAndStaged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"a/port.yml":                "identifier: a\nblueprint: svc\nproperties:\n  url: bad\n",
		"b/port.yml":                "- {identifier: b, blueprint: svc}\n- identifier: c\n  blueprint: svc\n  properties: {url: no}\n",
		"tools/port.yml":            "schema: ./schema.graphql\n",
	})
	want := []string{
		`a/port.yml:4:8: error: url: "bad" is not a valid url`,
		`b/port.yml:4:21: error: url: YAML 1.1, which Port's Python-based integrations read, reads no as a boolean: quote the value ("no") [yaml-ambiguous-scalar]`,
		`tools/port.yml:1:1: error: not a Port entity file: no identifier`,
	}
	r := runIn(t, root, Options{})
	for _, w := range want {
		if !strings.Contains(r.out, w) {
			t.Errorf("walk: output lacks %q:\n%s", w, r.out)
		}
	}
	if !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "3 files, 3 entities") {
		t.Fatalf("walk: err=%v out=%s", r.err, r.out)
	}
	r = runIn(t, root, Options{Files: []string{"a/port.yml"}})
	if !strings.HasPrefix(r.out, want[0]) || !strings.Contains(r.out, "1 file, 1 entity") {
		t.Fatalf("named: err=%v out=%s", r.err, r.out)
	}
	git(t, root, "add", "b/port.yml", ".port")
	r = runIn(t, root, Options{Staged: true})
	if !strings.Contains(r.out, want[1]) || strings.Contains(r.out, "a/port.yml") || !strings.Contains(r.out, "1 file, 2 entities") {
		t.Fatalf("staged: err=%v out=%s", r.err, r.out)
	}
	// exclude takes the other tool's file out.
	write(t, root, map[string]string{".port/gitops.yaml": "entities:\n  - files: \"**/port.yml\"\n    exclude: [\"tools/**\"]\n"})
	if r := runIn(t, root, Options{}); strings.Contains(r.out, "tools/port.yml") || !strings.Contains(r.out, "2 files, 3 entities") {
		t.Fatalf("exclude: err=%v out=%s", r.err, r.out)
	}
}
