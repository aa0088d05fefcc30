package gitdiff

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaged(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, "svc/partly.json", "line 1\nline 2\n")
	writeFile(t, dir, "svc/unchanged.json", `{"same":true}`)
	writeFile(t, dir, "svc/deleted.json", `{}`)
	writeFile(t, dir, "svc/conflict.json", "base\n")
	writeFile(t, dir, "gone-from-disk.json", `{"still":"staged"}`)
	commitAll(t, dir, "base")

	// A merge conflict on conflict.json: stages 1 to 3, no stage 0.
	git(t, dir, "checkout", "-q", "-b", "other")
	writeFile(t, dir, "svc/conflict.json", "theirs\n")
	commitAll(t, dir, "theirs")
	git(t, dir, "checkout", "-q", "main")
	writeFile(t, dir, "svc/conflict.json", "ours\n")
	commitAll(t, dir, "ours")
	if _, err := gitIn(dir, nil, "merge", "-q", "other"); err == nil {
		t.Fatal("merge did not conflict")
	}

	// Partly staged: the index holds the first edit, the work tree a second.
	writeFile(t, dir, "svc/partly.json", "line 1 staged\nline 2\n")
	git(t, dir, "add", "svc/partly.json")
	writeFile(t, dir, "svc/partly.json", "line 1 staged\nline 2 not staged\n")
	// Added, executable, intent-to-add, deleted, unstaged, symlink.
	writeFile(t, dir, "svc/new.json", `{"new":1}`)
	writeFile(t, dir, "bin/run.json", `{"x":1}`)
	if err := os.Chmod(filepath.Join(dir, "bin", "run.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "svc/later.json", `{"later":1}`)
	writeFile(t, dir, "svc/untracked.json", `{}`)
	if err := os.Symlink("new.json", filepath.Join(dir, "svc", "link.json")); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "svc/new.json", "bin/run.json", "svc/link.json")
	git(t, dir, "add", "-N", "svc/later.json")
	git(t, dir, "rm", "-q", "--cached", "svc/deleted.json")
	if err := os.Remove(filepath.Join(dir, "gone-from-disk.json")); err != nil {
		t.Fatal(err)
	}

	r := openRepo(t, filepath.Join(dir, "svc"))
	files, err := r.Staged(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{"bin/run.json", blob(`{"x":1}`)},
		{"gone-from-disk.json", blob(`{"still":"staged"}`)},
		{"svc/new.json", blob(`{"new":1}`)},
		{"svc/partly.json", blob("line 1 staged\nline 2\n")},
		{"svc/unchanged.json", blob(`{"same":true}`)},
	}
	if !equalFiles(files, want) {
		t.Errorf("Staged():\n got %v\nwant %v", files, want)
	}
	// Staged content comes from the index, not the work tree.
	for _, f := range files {
		data, err := r.ReadBlob(f.Hash)
		if err != nil {
			t.Fatalf("ReadBlob(%s): %v", f.Path, err)
		}
		if f.Path == "svc/partly.json" && string(data) != "line 1 staged\nline 2\n" {
			t.Errorf("staged content of partly.json = %q", data)
		}
	}
	// git's own view: stage-0 regular files, less the intent-to-add entry.
	var oracle []File
	for _, rec := range strings.Split(git(t, dir, "ls-files", "--stage", "-z"), "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[2] != "0" || !strings.HasPrefix(f[0], "100") || path == "svc/later.json" {
			continue
		}
		h, err := ParseHash(f[1])
		if err != nil {
			t.Fatal(err)
		}
		oracle = append(oracle, File{path, h})
	}
	if !equalFiles(files, oracle) {
		t.Errorf("Staged():\n got %v\n git %v", files, oracle)
	}

	only, err := r.Staged(func(p string) bool { return strings.HasPrefix(p, "svc/") })
	if err != nil {
		t.Fatal(err)
	}
	if len(only) != 3 {
		t.Errorf("Staged(svc/) = %v", only)
	}
}

func TestStagedIn(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, "a.json", `{"v":1}`)
	commitAll(t, dir, "one")
	writeFile(t, dir, "a.json", `{"v":2}`)
	writeFile(t, dir, "b.json", `{"b":1}`)

	// What git commit -a hands a hook: a temporary index in GIT_INDEX_FILE.
	tmpIndex := filepath.Join(dir, ".git", "next-index-test.lock")
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmpIndex, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := gitInWith(dir, []string{"GIT_INDEX_FILE=" + tmpIndex}, nil, "add", "a.json", "b.json"); err != nil {
		t.Fatal(err)
	}

	r := openRepo(t, dir)
	regular, err := r.Staged(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []File{{"a.json", blob(`{"v":1}`)}}; !equalFiles(regular, want) {
		t.Errorf("Staged() = %v, want %v", regular, want)
	}
	for _, p := range []string{tmpIndex, filepath.Join(".git", "next-index-test.lock")} {
		next, err := r.StagedIn(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := []File{{"a.json", blob(`{"v":2}`)}, {"b.json", blob(`{"b":1}`)}}; !equalFiles(next, want) {
			t.Errorf("StagedIn(%s) = %v, want %v", p, next, want)
		}
	}
	if files, err := r.StagedIn(filepath.Join(dir, "no-such-index"), nil); err != nil || len(files) != 0 {
		t.Errorf("StagedIn(missing file) = %v, %v", files, err)
	}
}

func TestStagedIndexFormats(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, "a.json", `{"v":1}`)
	writeFile(t, dir, "d/b.json", `{"v":2}`)
	writeFile(t, dir, "e/c.json", `{"v":3}`)
	commitAll(t, dir, "one")
	want := []File{{"a.json", blob(`{"v":1}`)}, {"d/b.json", blob(`{"v":2}`)}, {"e/c.json", blob(`{"v":3}`)}}
	indexPath := filepath.Join(dir, ".git", "index")

	t.Run("version 4", func(t *testing.T) {
		git(t, dir, "update-index", "--index-version", "4")
		files, err := openRepo(t, dir).Staged(nil)
		if err != nil || !equalFiles(files, want) {
			t.Errorf("Staged() = %v, %v", files, err)
		}
		git(t, dir, "update-index", "--index-version", "2")
	})

	t.Run("no checksum", func(t *testing.T) {
		// git 2.40+ with index.skipHash writes zeros instead of the
		// trailing checksum.
		data, err := os.ReadFile(indexPath)
		if err != nil {
			t.Fatal(err)
		}
		zeroed := append([]byte(nil), data...)
		clear(zeroed[len(zeroed)-20:])
		alt := filepath.Join(t.TempDir(), "index")
		if err := os.WriteFile(alt, zeroed, 0o644); err != nil {
			t.Fatal(err)
		}
		files, err := openRepo(t, dir).StagedIn(alt, nil)
		if err != nil || !equalFiles(files, want) {
			t.Errorf("StagedIn(zero checksum) = %v, %v", files, err)
		}
		// Like git, which verifies the checksum only in git fsck, a wrong
		// one is not looked at; a truncated index is an error.
		broken := append([]byte(nil), data...)
		broken[len(broken)-1] ^= 0xff
		if err := os.WriteFile(alt, broken, 0o644); err != nil {
			t.Fatal(err)
		}
		if files, err := openRepo(t, dir).StagedIn(alt, nil); err != nil || !equalFiles(files, want) {
			t.Errorf("StagedIn(wrong checksum) = %v, %v", files, err)
		}
		if err := os.WriteFile(alt, data[:len(data)-30], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := openRepo(t, dir).StagedIn(alt, nil); err == nil {
			t.Error("StagedIn(truncated): no error")
		}
	})

	t.Run("split index", func(t *testing.T) {
		git(t, dir, "update-index", "--split-index")
		_, err := openRepo(t, dir).Staged(nil)
		if !errors.Is(err, ErrUnsupportedRepository) || !strings.Contains(err.Error(), "git update-index --no-split-index") {
			t.Errorf("Staged() on a split index: %v", err)
		}
		git(t, dir, "update-index", "--no-split-index")
		files, err := openRepo(t, dir).Staged(nil)
		if err != nil || !equalFiles(files, want) {
			t.Errorf("Staged() after the fix = %v, %v", files, err)
		}
	})

	t.Run("sparse index", func(t *testing.T) {
		git(t, dir, "sparse-checkout", "set", "--cone", "--sparse-index", "d")
		_, err := openRepo(t, dir).Staged(nil)
		if !errors.Is(err, ErrUnsupportedRepository) || !strings.Contains(err.Error(), "git sparse-checkout reapply --no-sparse-index") {
			t.Errorf("Staged() on a sparse index: %v", err)
		}
		git(t, dir, "sparse-checkout", "reapply", "--no-sparse-index")
		files, err := openRepo(t, dir).Staged(nil)
		if err != nil || !equalFiles(files, want) {
			t.Errorf("Staged() after the fix = %v, %v", files, err)
		}
	})
}
