package walk

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/port-gitops/port-gitops/internal/config"
)

// tree writes files (path → content; a path ending in / is a directory)
// under a new repository root and loads its configuration.
func tree(t *testing.T, gitopsYAML string, files map[string]string) *config.Config {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if gitopsYAML != "" {
		files[".port/gitops.yaml"] = gitopsYAML
	}
	for p, content := range files {
		abs := filepath.Join(root, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(abs, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(root, "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type found struct {
	rel, blueprint, content, err string
}

// collect walks with the given number of workers and reads every file in
// the callback, as validate does.
func collect(t *testing.T, cfg *config.Config, dir string, workers int) []found {
	t.Helper()
	var (
		mu  sync.Mutex
		out []found
	)
	err := Parallel(cfg, dir, workers, func(f *File) {
		if f.Abs != filepath.Join(cfg.Root, filepath.FromSlash(f.Rel)) {
			t.Errorf("%s: Abs is %s", f.Rel, f.Abs)
		}
		data, err := f.Read()
		r := found{rel: f.Rel, blueprint: f.Blueprint, content: string(data)}
		if err != nil {
			r.content, r.err = "", err.Error()
		}
		mu.Lock()
		out = append(out, r)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b found) int { return strings.Compare(a.rel, b.rel) })
	return out
}

func TestWalkFindsWhatTheRulesMatch(t *testing.T) {
	big := strings.Repeat("x", 100_000) // more than one read buffer
	cfg := tree(t, `
entities:
  - files: "services/**/entity.json"
    blueprint: service
  - files: "catalog/*.json"
`, map[string]string{
		"services/a/entity.json":          "a",
		"services/b/c/entity.json":        "bc",
		"services/b/c/other.json":         "not an entity file",
		"services/big/entity.json":        big,
		"services/empty/entity.json":      "",
		"services/dir/entity.json/":       "",
		"services/dir/entity.json/x.txt":  "a directory is never an entity file",
		"services/.git/entity.json":       "never read: .git is skipped",
		"catalog/x.json":                  "x",
		"catalog/deeper/y.json":           "no rule matches it",
		"docs/entity.json":                "outside every rule",
		".port/blueprints/service.json":   "{}",
		".port/blueprints/entity.json":    "the cache is skipped",
		"services/a/notes/README.md":      "",
		"services/many/0/1/2/entity.json": "deep",
	})
	want := []found{
		{rel: "catalog/x.json", content: "x"},
		{rel: "services/a/entity.json", blueprint: "service", content: "a"},
		{rel: "services/b/c/entity.json", blueprint: "service", content: "bc"},
		{rel: "services/big/entity.json", blueprint: "service", content: big},
		{rel: "services/empty/entity.json", blueprint: "service", content: ""},
		{rel: "services/many/0/1/2/entity.json", blueprint: "service", content: "deep"},
	}
	for _, workers := range []int{1, 2, 8} {
		if got := collect(t, cfg, cfg.Root, workers); !slices.Equal(got, want) {
			t.Errorf("%d workers:\n got %q\nwant %q", workers, got, want)
		}
	}
	// A subdirectory as the walk's root.
	sub := collect(t, cfg, filepath.Join(cfg.Root, "services", "b"), 2)
	if len(sub) != 1 || sub[0].rel != "services/b/c/entity.json" {
		t.Errorf("walk of services/b: %q", sub)
	}
}

func TestWalkWideAndDeep(t *testing.T) {
	files := map[string]string{}
	var want []string
	for i := range 300 {
		p := fmt.Sprintf("g%d/s%03d/entity.json", i%7, i)
		if i%10 == 0 {
			p = fmt.Sprintf("deep/%d/a/b/c/d/entity.json", i)
		}
		files[p] = p
		want = append(want, p)
	}
	slices.Sort(want)
	cfg := tree(t, "", files)
	for _, workers := range []int{1, 2, 3, 16} {
		got := collect(t, cfg, cfg.Root, workers)
		var rels []string
		for _, f := range got {
			if f.content != f.rel {
				t.Fatalf("%d workers: %s read as %q", workers, f.rel, f.content)
			}
			rels = append(rels, f.rel)
		}
		if !slices.Equal(rels, want) {
			t.Fatalf("%d workers: found %d files, want %d", workers, len(rels), len(want))
		}
	}
}

func TestWalkSymlinks(t *testing.T) {
	cfg := tree(t, "", map[string]string{"real/data.json": "linked", "real/sub/entity.json": "in a linked dir"})
	for link, target := range map[string]string{
		"a/entity.json": "../real/data.json", // a link to a file is read through
		"linkdir":       "real",              // a link to a directory is not followed
	} {
		p := filepath.Join(cfg.Root, link)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	got := collect(t, cfg, cfg.Root, 2)
	want := []found{{rel: "a/entity.json", content: "linked"}, {rel: "real/sub/entity.json", content: "in a linked dir"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestWalkUnreadableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions do not stop reading")
	}
	cfg := tree(t, "", map[string]string{"ok/entity.json": "ok", "locked/x/entity.json": "hidden"})
	locked := filepath.Join(cfg.Root, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	got := collect(t, cfg, cfg.Root, 2)
	if len(got) != 2 || got[0].rel != "locked" || !strings.Contains(got[0].err, "permission denied") {
		t.Errorf("an unreadable directory is handed to the caller, whose read reports it: %q", got)
	}
}

func TestWalkRootErrors(t *testing.T) {
	cfg := tree(t, "", map[string]string{})
	if err := Walk(cfg, filepath.Join(cfg.Root, "missing"), func(*File) {}); err == nil {
		t.Error("no error for a missing root")
	}
	if err := Walk(cfg, t.TempDir(), func(*File) {}); err == nil || !strings.Contains(err.Error(), "outside the repository root") {
		t.Errorf("a root outside the repository: %v", err)
	}
}

// After the callback the directory is closed: Read falls back to the path.
func TestReadAfterCallback(t *testing.T) {
	cfg := tree(t, "", map[string]string{"a/entity.json": "kept"})
	var kept *File
	if err := Walk(cfg, cfg.Root, func(f *File) { kept = f }); err != nil {
		t.Fatal(err)
	}
	data, err := kept.Read()
	if err != nil || !bytes.Equal(data, []byte("kept")) {
		t.Fatalf("Read after the walk: %q, %v", data, err)
	}
}

// files: "**" matches files only: no directory, nothing in .port, no link to
// a directory; a FIFO is handed to the caller, whose read refuses it at once.
func TestWalkStarStarFilesOnly(t *testing.T) {
	cfg := tree(t, "entities:\n  - files: \"**\"\n", map[string]string{
		"a/entity.json":           "a",
		"dir.json/x":              "x",
		".port/blueprints/s.json": "{}",
	})
	if err := os.Symlink("a", filepath.Join(cfg.Root, "linkdir")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(cfg.Root, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := collect(t, cfg, cfg.Root, 2)
	want := []found{
		{rel: "a/entity.json", content: "a"},
		{rel: "dir.json/x", content: "x"},
		{rel: "pipe", err: "not a regular file: a named pipe (FIFO)"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
