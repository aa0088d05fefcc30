package validate

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// TestStagedChecksWhatTheCommitChanges: validate --staged without FILEs
// checks the entity files the commit adds or changes, so errors already
// committed do not block an unrelated commit; --all checks the whole
// index; an identifier the commit defines that an unchanged staged file
// defines too is a duplicate reported at the changed file only.
func TestStagedChecksWhatTheCommitChanges(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json": svcBlueprint,
		"bad/entity.json":           `{"identifier": "bad", "blueprint": "svc", "properties": {"url": "nope"}}`,
		"b/entity.json":             `{"identifier": "b", "blueprint": "svc"}`,
		// Defines "esc" with an escape: read whatever it seems to hold.
		"esc/entity.json": `{"identifier": "\u0065sc", "blueprint": "svc"}`,
		// Holds "c" only inside longer words: never read for "c".
		"words/entity.json": `{"identifier": "c-words", "blueprint": "svc", "title": "a.c"}`,
		"README.md":         "hello\n",
	})
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "--no-verify", "-m", "base")

	// An unrelated commit passes, although bad/entity.json is wrong.
	write(t, root, map[string]string{"README.md": "changed\n"})
	git(t, root, "add", "README.md")
	if r := runIn(t, root, Options{Staged: true}); r.err != nil || !strings.Contains(r.out, "0 files, 0 entities") {
		t.Fatalf("README only: err=%v out=%s", r.err, r.out)
	}
	// --all is the whole index, as before.
	if r := runIn(t, root, Options{Staged: true, All: true}); !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "bad/entity.json:1:") {
		t.Fatalf("--all: err=%v out=%s", r.err, r.out)
	}

	// A new good entity: checked, and nothing else reported.
	write(t, root, map[string]string{"c/entity.json": `{"identifier": "c", "blueprint": "svc"}`})
	git(t, root, "add", "c/entity.json")
	r := runIn(t, root, Options{Staged: true})
	if r.err != nil || !strings.Contains(r.out, "1 file, 1 entity") || strings.Contains(r.out, "bad/") {
		t.Fatalf("new entity: err=%v out=%s", r.err, r.out)
	}

	// A new entity that an unchanged file already defines, and one that
	// the escaped file defines: duplicates, at the new files only.
	write(t, root, map[string]string{
		"d/entity.json": `{"identifier": "b", "blueprint": "svc"}`,
		"e/entity.json": `{"identifier": "esc", "blueprint": "svc"}`,
	})
	git(t, root, "add", "d/entity.json", "e/entity.json")
	r = runIn(t, root, Options{Staged: true})
	if !errors.Is(r.err, cmdutil.ErrFindings) ||
		!strings.Contains(r.out, `d/entity.json:1:1: error: entity "b" of blueprint "svc" is also defined at b/entity.json:1:1`) ||
		!strings.Contains(r.out, `e/entity.json:1:1: error: entity "esc" of blueprint "svc" is also defined at esc/entity.json:1:1`) ||
		strings.Contains(r.out, "b/entity.json:1:1: error") || strings.Contains(r.out, "esc/entity.json:1:1: error") ||
		strings.Contains(r.out, "bad/") || !strings.Contains(r.out, "3 files, 3 entities") {
		t.Fatalf("duplicates: err=%v out=%s", r.err, r.out)
	}

	// An edit that makes a committed file define an identifier another
	// file has is a duplicate too.
	git(t, root, "rm", "-q", "--cached", "d/entity.json", "e/entity.json")
	write(t, root, map[string]string{"words/entity.json": `{"identifier": "b", "blueprint": "svc"}`})
	git(t, root, "add", "words/entity.json")
	if r := runIn(t, root, Options{Staged: true}); !errors.Is(r.err, cmdutil.ErrFindings) ||
		!strings.Contains(r.out, `words/entity.json:1:1: error: entity "b" of blueprint "svc" is also defined at b/entity.json:1:1`) {
		t.Fatalf("edited into a duplicate: err=%v out=%s", r.err, r.out)
	}
	git(t, root, "reset", "-q", "words/entity.json")

	// Changing the bad file makes it the commit's: its errors count.
	write(t, root, map[string]string{"bad/entity.json": `{"identifier": "bad", "blueprint": "svc", "properties": {"url": "still nope"}}`})
	git(t, root, "add", "bad/entity.json")
	if r := runIn(t, root, Options{Staged: true}); !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, "bad/entity.json:1:") {
		t.Fatalf("changed bad file: err=%v out=%s", r.err, r.out)
	}
	if r := runIn(t, root, Options{All: true}); r.err == nil || !strings.Contains(r.err.Error(), "--all goes with --staged") {
		t.Fatalf("--all without --staged: err=%v", r.err)
	}
}

func TestMayDefine(t *testing.T) {
	ids := map[string]bool{"svc-a": true, "a.b": true}
	cases := []struct {
		data string
		want bool
	}{
		{`{"identifier": "svc-a"}`, true},
		{`{"identifier": "svc-ab"}`, false},
		{`{"identifier": "x", "title": "my svc-a"}`, true}, // read, then parsed: a superset is fine
		{`{"identifier": "a.bc", "t": "za.b"}`, false},
		{`{"identifier": "\u0061.b"}`, true},
		{"identifier: a.b\n", true},
		{"identifier: 'a.b'\n", true},
		{"", false},
	}
	for _, c := range cases {
		if got := mayDefine([]byte(c.data), ids); got != c.want {
			t.Errorf("mayDefine(%q) = %v, want %v", c.data, got, c.want)
		}
	}
}

// TestStagedKnownDuplicateIsNotNews: an edit of a file that already
// defined an identifier at HEAD, which another committed file defines
// too, does not block the commit (that duplicate is not this commit's);
// a new blueprint for it, from the same file, is a new entity and does.
func TestStagedKnownDuplicateIsNotNews(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: cannot build a repository to test --staged")
	}
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, root, map[string]string{
		".port/blueprints/svc.json":   svcBlueprint,
		".port/blueprints/other.json": strings.Replace(svcBlueprint, `"svc"`, `"other"`, 1),
		"a/entity.json":               `{"identifier": "x", "blueprint": "svc"}`,
		"b/entity.json":               `{"identifier": "x", "blueprint": "svc", "title": "first"}`,
		"c/entity.json":               `{"identifier": "x", "blueprint": "other"}`,
	})
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "--no-verify", "-m", "base with a duplicate")

	write(t, root, map[string]string{"b/entity.json": `{"identifier": "x", "blueprint": "svc", "title": "second"}`})
	git(t, root, "add", "b/entity.json")
	if r := runIn(t, root, Options{Staged: true}); r.err != nil || strings.Contains(r.out, "also defined") {
		t.Fatalf("edit of a known duplicate: err=%v out=%s", r.err, r.out)
	}
	write(t, root, map[string]string{"b/entity.json": `{"identifier": "x", "blueprint": "other", "title": "second"}`})
	git(t, root, "add", "b/entity.json")
	if r := runIn(t, root, Options{Staged: true}); !errors.Is(r.err, cmdutil.ErrFindings) || !strings.Contains(r.out, `entity "x" of blueprint "other" is also defined at c/entity.json`) {
		t.Fatalf("a new blueprint for the identifier: err=%v out=%s", r.err, r.out)
	}
}
