package gitdiff

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	needGit(t)
	sub := "1234567890abcdef1234567890abcdef12345678" // a submodule commit
	z := ZeroHash
	tests := []struct {
		name       string
		base, head map[string]entry
		zeroBase   bool // diff from the empty tree instead of base
		match      func(string) bool
		want       []Change
	}{
		{
			name: "add",
			base: map[string]entry{"a.json": file("a")},
			head: map[string]entry{"a.json": file("a"), "b.json": file("b")},
			want: []Change{{"b.json", z, blob("b")}},
		},
		{
			name: "modify",
			base: map[string]entry{"a.json": file("a1"), "b.json": file("b")},
			head: map[string]entry{"a.json": file("a2"), "b.json": file("b")},
			want: []Change{{"a.json", blob("a1"), blob("a2")}},
		},
		{
			name: "delete",
			base: map[string]entry{"a.json": file("a"), "b.json": file("b")},
			head: map[string]entry{"b.json": file("b")},
			want: []Change{{"a.json", blob("a"), z}},
		},
		{
			name: "rename is a delete and an add",
			base: map[string]entry{"old/svc.json": file("svc"), "keep.json": file("k")},
			head: map[string]entry{"new/svc.json": file("svc"), "keep.json": file("k")},
			want: []Change{{"new/svc.json", z, blob("svc")}, {"old/svc.json", blob("svc"), z}},
		},
		{
			name: "moved directory",
			base: map[string]entry{"a/x/1.json": file("1"), "a/x/2.json": file("2"), "b/3.json": file("3")},
			head: map[string]entry{"c/x/1.json": file("1"), "c/x/2.json": file("2"), "b/3.json": file("3")},
			want: []Change{
				{"a/x/1.json", blob("1"), z}, {"a/x/2.json", blob("2"), z},
				{"c/x/1.json", z, blob("1")}, {"c/x/2.json", z, blob("2")},
			},
		},
		{
			name: "executable bit alone is no change",
			base: map[string]entry{"run.sh": file("echo"), "x.json": file("x")},
			head: map[string]entry{"run.sh": exe("echo"), "x.json": file("x")},
			want: nil,
		},
		{
			name: "executable bit and content",
			base: map[string]entry{"run.sh": file("echo 1")},
			head: map[string]entry{"run.sh": exe("echo 2")},
			want: []Change{{"run.sh", blob("echo 1"), blob("echo 2")}},
		},
		{
			name: "file becomes directory",
			base: map[string]entry{"x": file("file"), "x.json": file("j"), "x-1": file("m")},
			head: map[string]entry{"x/y.json": file("inside"), "x.json": file("j"), "x-1": file("m2")},
			want: []Change{{"x", blob("file"), z}, {"x-1", blob("m"), blob("m2")}, {"x/y.json", z, blob("inside")}},
		},
		{
			name: "directory becomes file",
			base: map[string]entry{"x/y.json": file("inside"), "x/z/w.json": file("w"), "x.a": file("a")},
			head: map[string]entry{"x": file("file"), "x.a": file("a")},
			want: []Change{{"x", z, blob("file")}, {"x/y.json", blob("inside"), z}, {"x/z/w.json", blob("w"), z}},
		},
		{
			name: "nested directories, unchanged siblings",
			base: map[string]entry{
				"a/b/c/d/e.json": file("e1"), "a/b/c/f.json": file("f"), "a/g/h.json": file("h"), "z.json": file("z"),
			},
			head: map[string]entry{
				"a/b/c/d/e.json": file("e2"), "a/b/c/f.json": file("f"), "a/g/h.json": file("h"), "z.json": file("z"),
			},
			want: []Change{{"a/b/c/d/e.json", blob("e1"), blob("e2")}},
		},
		{
			name: "unicode paths and spaces",
			base: map[string]entry{"catálogo/服务 one.json": file("1"), "my services/a b.json": file("2")},
			head: map[string]entry{"catálogo/服务 one.json": file("1b"), "my services/a b.json": file("2"), "my services/ü.json": file("3")},
			want: []Change{{"catálogo/服务 one.json", blob("1"), blob("1b")}, {"my services/ü.json", z, blob("3")}},
		},
		{
			name: "symbolic links are ignored",
			base: map[string]entry{"link.json": symlink("a.json"), "a.json": file("a"), "gone.json": symlink("a.json")},
			head: map[string]entry{"link.json": symlink("b.json"), "a.json": file("a"), "new.json": symlink("a.json")},
			want: nil,
		},
		{
			name: "symbolic link becomes a file and back",
			base: map[string]entry{"l.json": symlink("a.json"), "f.json": file("f")},
			head: map[string]entry{"l.json": file("now a file"), "f.json": symlink("a.json")},
			want: []Change{{"f.json", blob("f"), z}, {"l.json", z, blob("now a file")}},
		},
		{
			name: "submodule entries are ignored",
			base: map[string]entry{"mod": gitlink(sub), "dir/a.json": file("a")},
			head: map[string]entry{"mod": gitlink(strings.Repeat("ab", 20)), "mod2": gitlink(sub), "dir/a.json": file("a")},
			want: nil,
		},
		{
			name: "submodule replaced by a directory",
			base: map[string]entry{"mod": gitlink(sub)},
			head: map[string]entry{"mod/a.json": file("a")},
			want: []Change{{"mod/a.json", z, blob("a")}},
		},
		{
			name:     "empty tree base lists every file",
			head:     map[string]entry{"a.json": file("a"), "d/b.json": exe("b"), "l": symlink("a.json")},
			zeroBase: true,
			want:     []Change{{"a.json", z, blob("a")}, {"d/b.json", z, blob("b")}},
		},
		{
			name:  "match selects paths",
			base:  map[string]entry{"a.json": file("1"), "a.yaml": file("1"), "d/c.json": file("1")},
			head:  map[string]entry{"a.json": file("2"), "a.yaml": file("2"), "d/c.json": file("2")},
			match: func(p string) bool { return strings.HasSuffix(p, ".json") },
			want:  []Change{{"a.json", blob("1"), blob("2")}, {"d/c.json", blob("1"), blob("2")}},
		},
		{
			name: "git order differs from name order",
			base: map[string]entry{"a/x": file("1"), "a.b": file("1"), "a-": file("1"), "a0": file("1")},
			head: map[string]entry{"a/x": file("2"), "a.b": file("2"), "a-": file("2"), "a0": file("2")},
			want: []Change{
				{"a-", blob("1"), blob("2")}, {"a.b", blob("1"), blob("2")},
				{"a/x", blob("1"), blob("2")}, {"a0", blob("1"), blob("2")},
			},
		},
		{
			name: "no change",
			base: map[string]entry{"a/b.json": file("b")},
			head: map[string]entry{"a/b.json": file("b")},
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := initRepo(t)
			specs := []commitSpec{{tree: tc.base}, {tree: tc.head}}
			commits := buildCommits(t, dir, specs)
			base, head := commits[0], commits[1]
			if tc.zeroBase {
				base = ZeroHash
			}
			r := openRepo(t, dir)
			got, err := r.Diff(base, head, tc.match)
			if err != nil {
				t.Fatal(err)
			}
			if !sameChanges(got, tc.want) {
				t.Errorf("Diff:\n%swant:\n%s", formatChanges(got), formatChanges(tc.want))
			}
			if tc.match == nil {
				if oracle := oracleDiff(t, dir, base, head); !sameChanges(got, oracle) {
					t.Errorf("Diff:\n%sgit diff-tree:\n%s", formatChanges(got), formatChanges(oracle))
				}
			}
			// The reverse diff swaps the sides.
			if !tc.zeroBase {
				back, err := r.Diff(head, base, tc.match)
				if err != nil {
					t.Fatal(err)
				}
				var want []Change
				for _, c := range tc.want {
					want = append(want, Change{c.Path, c.To, c.From})
				}
				if !sameChanges(back, want) {
					t.Errorf("reverse Diff:\n%swant:\n%s", formatChanges(back), formatChanges(want))
				}
			}
		})
	}
}

func TestDiffTreesAndFiles(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	tree := map[string]entry{
		"b.json": file("b"), "a/c.json": exe("c"), "a/l": symlink("c.json"), "m": gitlink(strings.Repeat("12", 20)),
		"a b/ü.json": file("u"),
	}
	commits := buildCommits(t, dir, []commitSpec{{tree: tree}})
	r := openRepo(t, dir)

	files, err := r.Files(commits[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{{"a b/ü.json", blob("u")}, {"a/c.json", blob("c")}, {"b.json", blob("b")}}
	if !equalFiles(files, want) {
		t.Errorf("Files = %v, want %v", files, want)
	}
	if oracle := oracleFiles(t, dir, commits[0]); !equalFiles(files, oracle) {
		t.Errorf("Files = %v, git ls-tree = %v", files, oracle)
	}
	only, err := r.Files(commits[0], func(p string) bool { return p == "b.json" })
	if err != nil {
		t.Fatal(err)
	}
	if !equalFiles(only, want[2:]) {
		t.Errorf("Files with match = %v", only)
	}
	for _, f := range files {
		data, err := r.ReadBlob(f.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if blob(string(data)) != f.Hash {
			t.Errorf("ReadBlob(%s) returned other content", f.Path)
		}
	}

	treeHash, err := ParseHash(strings.TrimSpace(git(t, dir, "rev-parse", commits[0].String()+"^{tree}")))
	if err != nil {
		t.Fatal(err)
	}
	changes, err := r.DiffTrees(ZeroHash, treeHash, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != len(want) {
		t.Errorf("DiffTrees from the empty tree = %v", changes)
	}
	if _, err := r.DiffTrees(ZeroHash, commits[0], nil); err == nil {
		t.Error("DiffTrees with a commit hash: no error")
	}
	if _, err := r.ReadBlob(treeHash); err == nil || !strings.Contains(err.Error(), "is a tree") {
		t.Errorf("ReadBlob(tree) error = %v", err)
	}
}

func equalFiles(a, b []File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHistory(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	//   0 - 1 ------- 3 (merge, main)
	//    \           /
	//     2 --------
	//   4: an unrelated root commit, kept by tag "other"
	t0 := map[string]entry{"a.json": file("a0"), "b.json": file("b0")}
	t1 := maps.Clone(t0)
	t1["a.json"] = file("a1")
	t2 := maps.Clone(t0)
	t2["side/s.json"] = file("s")
	t3 := maps.Clone(t1)
	t3["side/s.json"] = file("s")
	c := buildCommits(t, dir, []commitSpec{
		{tree: t0}, {tree: t1}, {tree: t2, parents: []int{0}}, {tree: t3, parents: []int{1, 2}},
		{tree: map[string]entry{"x.json": file("x")}, parents: []int{}},
	})
	git(t, dir, "tag", "other", c[4].String())
	git(t, dir, "update-ref", "refs/heads/main", c[3].String())
	git(t, dir, "update-ref", "refs/heads/side", c[2].String())
	git(t, dir, "tag", "-a", "-m", "release", "v1", c[1].String())
	git(t, dir, "tag", "light", c[2].String())
	git(t, dir, "update-ref", "ORIG_HEAD", c[1].String())
	git(t, dir, "update-ref", "refs/remotes/origin/main", c[0].String())
	if err := os.WriteFile(filepath.Join(dir, ".git", "FETCH_HEAD"), []byte(c[2].String()+"\t\tbranch 'side' of file:///x\n"+c[0].String()+"\tnot-for-merge\tbranch 'main' of file:///x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := openRepo(t, dir)

	t.Run("FirstParent", func(t *testing.T) {
		p, ok, err := r.FirstParent(c[3])
		if err != nil || !ok || p != c[1] {
			t.Errorf("FirstParent(merge) = %s, %v, %v; want %s", p, ok, err, c[1])
		}
		changes, err := r.Diff(p, c[3], nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := []Change{{"side/s.json", ZeroHash, blob("s")}}; !sameChanges(changes, want) {
			t.Errorf("Diff(first parent, merge):\n%s", formatChanges(changes))
		}
		p, ok, err = r.FirstParent(c[0])
		if err != nil || ok || !p.IsZero() {
			t.Errorf("FirstParent(root) = %s, %v, %v; want zero, false, nil", p, ok, err)
		}
	})

	t.Run("IsAncestor", func(t *testing.T) {
		for _, tc := range []struct {
			a, b int
			want bool
		}{
			{0, 3, true}, {1, 3, true}, {2, 3, true}, {3, 3, true},
			{3, 1, false}, {1, 2, false}, {2, 1, false}, {4, 3, false}, {3, 4, false},
		} {
			got, err := r.IsAncestor(c[tc.a], c[tc.b])
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("IsAncestor(%d, %d) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		}
		unknown := blob("not a commit")
		if got, err := r.IsAncestor(unknown, c[3]); err != nil || got {
			t.Errorf("IsAncestor(absent, main) = %v, %v; want false, nil in a complete clone", got, err)
		}
	})

	t.Run("Resolve", func(t *testing.T) {
		short := c[2].String()[:10]
		tests := []struct {
			rev  string
			want Hash
		}{
			{"HEAD", c[3]}, {"@", c[3]}, {"main", c[3]}, {"refs/heads/main", c[3]}, {"heads/main", c[3]},
			{"side", c[2]}, {"v1", c[1]}, {"refs/tags/v1", c[1]}, {"light", c[2]}, {"other", c[4]},
			{"origin/main", c[0]}, {"ORIG_HEAD", c[1]}, {"FETCH_HEAD", c[2]},
			{c[2].String(), c[2]}, {strings.ToUpper(c[2].String()), c[2]}, {short, c[2]},
			{"HEAD~1", c[1]}, {"HEAD^", c[1]}, {"HEAD^1", c[1]}, {"HEAD^2", c[2]}, {"HEAD~2", c[0]},
			{"HEAD^^", c[0]}, {"HEAD^2~1", c[0]}, {"@~1", c[1]}, {"HEAD^0", c[3]}, {"HEAD^{commit}", c[3]},
			{"v1^{}", c[1]}, {"v1~1", c[0]}, {c[3].String() + "^2", c[2]},
		}
		for _, tc := range tests {
			got, err := r.Resolve(tc.rev)
			if err != nil {
				t.Errorf("Resolve(%q): %v", tc.rev, err)
				continue
			}
			if got != tc.want {
				t.Errorf("Resolve(%q) = %s, want %s", tc.rev, got, tc.want)
			}
			if oracle := revParse(t, dir, tc.rev); oracle != got {
				t.Errorf("Resolve(%q) = %s, git rev-parse = %s", tc.rev, got, oracle)
			}
		}
		for _, tc := range []struct {
			rev    string
			target error
			text   string
		}{
			{"nope", ErrUnknownRevision, "no branch, tag or commit"},
			{"HEAD~9", ErrUnknownRevision, "root commit"},
			{"HEAD^3", ErrUnknownRevision, "has 2 parent(s), not 3"},
			{"other~1", ErrUnknownRevision, "root commit"},
			{strings.Repeat("0", 40), ErrNullRevision, "forty zeros"},
			{"", ErrUnknownRevision, "empty"},
			{"../../config", ErrUnknownRevision, "not a valid name"},
			{"deadbeef", ErrUnknownRevision, "no commit starts with deadbeef"},
			{"HEAD~1x", ErrUnknownRevision, "unexpected 'x'"},
			{"HEAD^{tree}", nil, "^{tree} is not supported"},
		} {
			_, err := r.Resolve(tc.rev)
			if err == nil || (tc.target != nil && !errors.Is(err, tc.target)) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("Resolve(%q) error = %v, want %v containing %q", tc.rev, err, tc.target, tc.text)
			}
		}
		treeHash := strings.TrimSpace(git(t, dir, "rev-parse", "HEAD^{tree}"))
		if _, err := r.Resolve(treeHash); err == nil || !strings.Contains(err.Error(), "names a tree, not a commit") {
			t.Errorf("Resolve(tree) error = %v", err)
		}
		var missing *MissingObjectError
		if _, err := r.Resolve(blob("absent").String()); !errors.As(err, &missing) || missing.Reason != ReasonNotFound {
			t.Errorf("Resolve(absent hash) error = %v, want *MissingObjectError not found", err)
		}
	})

	t.Run("unborn HEAD", func(t *testing.T) {
		empty := initRepo(t)
		r := openRepo(t, empty)
		_, err := r.Resolve("HEAD")
		if !errors.Is(err, ErrUnknownRevision) || !strings.Contains(err.Error(), "no commit yet") {
			t.Errorf("Resolve(HEAD) in an empty repository: %v", err)
		}
	})
}

func TestParseHash(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", strings.Repeat("g", 40), strings.Repeat("a", 41)} {
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q): no error", s)
		}
	}
	h, err := ParseHash(strings.Repeat("aB", 20))
	if err != nil || h.String() != strings.Repeat("ab", 20) {
		t.Errorf("ParseHash = %s, %v", h, err)
	}
}

func TestHas(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, ".port/gitops.yaml", "entities: []\n")
	writeFile(t, dir, ".port/blueprints/service.json", "{}")
	writeFile(t, dir, "svc/a/entity.json", "{}")
	head := commitAll(t, dir, "one")
	r := openRepo(t, dir)
	for path, want := range map[string]bool{
		".port/gitops.yaml":             true,
		".port/blueprints":              true, // a directory
		".port/blueprints/service.json": true,
		".port":                         true,
		"svc/a/entity.json":             true,
		"svc/a/entity.json/x":           false, // below a file
		"svc/b":                         false,
		".port/gitops.yml":              false,
		"missing":                       false,
	} {
		got, err := r.Has(head, path)
		if err != nil || got != want {
			t.Errorf("Has(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	if got, err := r.Has(ZeroHash, ".port"); err != nil || got {
		t.Errorf("the empty tree has .port: %v, %v", got, err)
	}
}
