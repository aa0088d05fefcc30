package gitdiff

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gogit "github.com/go-git/go-git/v5"
)

// twoCommits makes a repository with a.json changed and sub/b.json added in
// the second commit, and returns it with both commits.
func twoCommits(t *testing.T) (dir string, c1, c2 Hash) {
	t.Helper()
	dir = initRepo(t)
	writeFile(t, dir, "a.json", `{"v":1}`)
	c1 = commitAll(t, dir, "one")
	writeFile(t, dir, "a.json", `{"v":2}`)
	writeFile(t, dir, "sub/deeper/b.json", `{"b":1}`)
	c2 = commitAll(t, dir, "two")
	return dir, c1, c2
}

func wantTwoCommitsDiff(t *testing.T, r *Repo, c1, c2 Hash) {
	t.Helper()
	got, err := r.Diff(c1, c2, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"a.json", blob(`{"v":1}`), blob(`{"v":2}`)}, {"sub/deeper/b.json", ZeroHash, blob(`{"b":1}`)}}
	if !sameChanges(got, want) {
		t.Errorf("Diff:\n%swant:\n%s", formatChanges(got), formatChanges(want))
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	needGit(t)

	t.Run("subdirectory", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		r := openRepo(t, filepath.Join(dir, "sub", "deeper"))
		if r.Root() != dir {
			t.Errorf("Root() = %q, want %q", r.Root(), dir)
		}
		wantTwoCommitsDiff(t, r, c1, c2)
		if b := r.HeadBranch(); b != "main" {
			t.Errorf("HeadBranch() = %q, want main", b)
		}
		if u := r.RemoteURL("origin"); u != "" {
			t.Errorf("RemoteURL(origin) = %q without remotes", u)
		}
	})

	t.Run("detached HEAD and remotes", func(t *testing.T) {
		dir, c1, _ := twoCommits(t)
		git(t, dir, "checkout", "-q", "--detach", c1.String())
		git(t, dir, "remote", "add", "upstream", "https://git.example.invalid/org/catalog.git")
		git(t, dir, "config", "--add", "remote.upstream.url", "https://second.example.invalid/org/catalog.git")
		r := openRepo(t, dir)
		if b := r.HeadBranch(); b != "" {
			t.Errorf("HeadBranch() = %q on a detached HEAD", b)
		}
		if u := r.RemoteURL("upstream"); u != "https://git.example.invalid/org/catalog.git" {
			t.Errorf("RemoteURL(upstream) = %q", u)
		}
		if u := r.RemoteURL("origin"); u != "" {
			t.Errorf("RemoteURL(origin) = %q", u)
		}
	})

	t.Run("file path", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		r := openRepo(t, filepath.Join(dir, "sub", "deeper", "b.json"))
		if r.Root() != dir {
			t.Errorf("Root() = %q, want %q", r.Root(), dir)
		}
		wantTwoCommitsDiff(t, r, c1, c2)
	})

	t.Run("linked worktree", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		wt := filepath.Join(t.TempDir(), "wt")
		git(t, dir, "worktree", "add", "-q", "-b", "feature", wt, c1.String())
		writeFile(t, wt, "a.json", `{"v":3}`)
		writeFile(t, wt, "staged-here.json", `{}`)
		git(t, wt, "add", "-A")
		r := openRepo(t, wt)
		if r.Root() != wt {
			t.Errorf("Root() = %q, want %q", r.Root(), wt)
		}
		// HEAD and the index are the worktree's, objects and refs shared.
		if h, err := r.Resolve("HEAD"); err != nil || h != c1 {
			t.Errorf("Resolve(HEAD) = %s, %v; want the worktree's %s", h, err, c1)
		}
		if h, err := r.Resolve("main"); err != nil || h != c2 {
			t.Errorf("Resolve(main) = %s, %v; want %s", h, err, c2)
		}
		if b := r.HeadBranch(); b != "feature" {
			t.Errorf("HeadBranch() = %q, want the worktree's feature", b)
		}
		wantTwoCommitsDiff(t, r, c1, c2)
		files, err := r.Staged(nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []File{{"a.json", blob(`{"v":3}`)}, {"staged-here.json", blob(`{}`)}}
		if !equalFiles(files, want) {
			t.Errorf("Staged() = %v, want %v", files, want)
		}
	})

	t.Run("git file", func(t *testing.T) {
		base := t.TempDir()
		dir := filepath.Join(base, "work")
		git(t, "", "init", "-q", "-b", "main", "--separate-git-dir", filepath.Join(base, "gitdir"), dir)
		writeFile(t, dir, "a.json", `{"v":1}`)
		c1 := commitAll(t, dir, "one")
		writeFile(t, dir, "a.json", `{"v":2}`)
		writeFile(t, dir, "sub/deeper/b.json", `{"b":1}`)
		c2 := commitAll(t, dir, "two")
		if fi, err := os.Stat(filepath.Join(dir, ".git")); err != nil || !fi.Mode().IsRegular() {
			t.Fatalf(".git is not a file: %v", err)
		}
		r := openRepo(t, filepath.Join(dir, "sub"))
		if r.Root() != dir {
			t.Errorf("Root() = %q, want %q", r.Root(), dir)
		}
		wantTwoCommitsDiff(t, r, c1, c2)
		// Submodules write a relative path, resolved from the .git file.
		if err := os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: ../gitdir\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantTwoCommitsDiff(t, openRepo(t, filepath.Join(dir, "sub", "deeper")), c1, c2)
	})

	t.Run("bare", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		bare := filepath.Join(t.TempDir(), "bare.git")
		git(t, "", "clone", "-q", "--bare", dir, bare)
		for _, d := range []string{bare, filepath.Join(bare, "refs", "heads")} {
			r := openRepo(t, d)
			if r.Root() != "" {
				t.Errorf("Root() = %q, want \"\" for a bare repository", r.Root())
			}
			if h, err := r.Resolve("HEAD"); err != nil || h != c2 {
				t.Errorf("Resolve(HEAD) = %s, %v", h, err)
			}
			wantTwoCommitsDiff(t, r, c1, c2)
			if _, err := r.Staged(nil); err == nil || !strings.Contains(err.Error(), "bare") {
				t.Errorf("Staged in a bare repository: %v", err)
			}
		}
	})

	t.Run("worktreeConfig", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		git(t, dir, "config", "core.repositoryformatversion", "1")
		git(t, dir, "config", "extensions.worktreeConfig", "true")
		git(t, dir, "config", "--worktree", "core.sparseCheckout", "false")
		if _, err := gogit.PlainOpen(dir); err != nil {
			t.Logf("go-git's own opener refuses this repository: %v", err)
		}
		r := openRepo(t, dir)
		wantTwoCommitsDiff(t, r, c1, c2)
		if files, err := r.Staged(nil); err != nil || len(files) != 2 {
			t.Errorf("Staged() = %v, %v", files, err)
		}
	})

	t.Run("sparse-checkout sets worktreeConfig", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		git(t, dir, "sparse-checkout", "set", "sub")
		if v := strings.TrimSpace(git(t, dir, "config", "extensions.worktreeConfig")); v != "true" {
			t.Fatalf("git sparse-checkout did not set extensions.worktreeConfig (%q)", v)
		}
		r := openRepo(t, dir)
		wantTwoCommitsDiff(t, r, c1, c2)
		// a.json is outside the sparse checkout but still in the index.
		files, err := r.Staged(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 || files[0].Path != "a.json" {
			t.Errorf("Staged() = %v, want a.json and sub/deeper/b.json", files)
		}
	})

	t.Run("alternates", func(t *testing.T) {
		dir, c1, c2 := twoCommits(t)
		shared := filepath.Join(t.TempDir(), "shared")
		git(t, "", "clone", "-q", "--shared", dir, shared)
		if _, err := os.Stat(filepath.Join(shared, ".git", "objects", "info", "alternates")); err != nil {
			t.Fatal(err)
		}
		wantTwoCommitsDiff(t, openRepo(t, shared), c1, c2)
	})

	t.Run("not a repository", func(t *testing.T) {
		_, err := Open(t.TempDir())
		if !errors.Is(err, ErrNotRepository) {
			t.Errorf("Open(empty dir) error = %v, want ErrNotRepository", err)
		}
	})

	t.Run("unsupported formats", func(t *testing.T) {
		dir, _, _ := twoCommits(t)
		cfg := filepath.Join(dir, ".git", "config")
		for _, tc := range []struct{ key, value, text string }{
			{"extensions.objectFormat", "sha256", "SHA-1 repositories only"},
			{"extensions.refStorage", "reftable", "git refs migrate"},
			{"extensions.somethingNew", "true", "extensions.somethingNew is not supported"},
		} {
			git(t, dir, "config", "-f", cfg, "core.repositoryformatversion", "1")
			git(t, dir, "config", "-f", cfg, tc.key, tc.value)
			_, err := Open(dir)
			if !errors.Is(err, ErrUnsupportedRepository) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("%s=%s: error = %v, want ErrUnsupportedRepository mentioning %q", tc.key, tc.value, err, tc.text)
			}
			git(t, dir, "config", "-f", cfg, "--unset", tc.key)
		}
		// Version 0 repositories ignore extensions, as git does.
		git(t, dir, "config", "-f", cfg, "core.repositoryformatversion", "0")
		git(t, dir, "config", "-f", cfg, "extensions.somethingNew", "true")
		openRepo(t, dir)
	})

	t.Run("close twice", func(t *testing.T) {
		dir, _, c2 := twoCommits(t)
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := r.Diff(ZeroHash, c2, nil); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Diff after Close: %v", err)
		}
	})
}

func TestConcurrentReadBlob(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	tree := map[string]entry{}
	for i := range 200 {
		tree[filepath.ToSlash(filepath.Join("d", string(rune('a'+i%26)), strings.Repeat("x", i%7+1)+string(rune('A'+i/26))+".json"))] = file(strings.Repeat("content ", i))
	}
	c := buildCommits(t, dir, []commitSpec{{tree: tree}})
	git(t, dir, "repack", "-adq")
	r := openRepo(t, dir)
	files, err := r.Files(c[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := r.ReadBlob(f.Hash)
			if err == nil && blob(string(data)) != f.Hash {
				err = errors.New("wrong content for " + f.Path)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
