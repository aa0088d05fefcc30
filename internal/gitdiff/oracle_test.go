package gitdiff

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDiffOracle compares Diff with git diff-tree -r --no-renames, and Files
// with git ls-tree -r, on generated histories: random tree shapes and random
// additions, edits, deletions, file and directory moves, mode changes,
// file/directory swaps, symbolic links and submodule entries. Each seed is
// one repository; the object storage varies (fast-import pack, repacked
// with deltas, loose objects).
func TestDiffOracle(t *testing.T) {
	t.Parallel()
	needGit(t)
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 0x9017))
			dir := initRepo(t)
			specs := generateHistory(rng, 8)
			commits := buildCommits(t, dir, specs)
			switch seed % 3 {
			case 1:
				git(t, dir, "repack", "-adfq")
			case 2:
				unpackAll(t, dir)
			}
			r := openRepo(t, dir)
			bases := append([]Hash{ZeroHash}, commits...)
			compared := 0
			for _, base := range bases {
				for _, head := range commits {
					got, err := r.Diff(base, head, nil)
					if err != nil {
						t.Fatal(err)
					}
					want := oracleDiff(t, dir, base, head)
					if !sameChanges(got, want) {
						t.Fatalf("Diff(%s, %s):\n%sgit diff-tree:\n%s", shortOrZero(base), shortOrZero(head), formatChanges(got), formatChanges(want))
					}
					compared += len(want)
				}
			}
			for _, c := range commits {
				got, err := r.Files(c, nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := oracleFiles(t, dir, c); !equalFiles(got, want) {
					t.Fatalf("Files(%s) = %v\ngit ls-tree: %v", shortOrZero(c), got, want)
				}
			}
			if compared == 0 {
				t.Fatal("the generated history has no changes")
			}
			t.Logf("%d commits, %d changed paths compared", len(commits), compared)
		})
	}
}

// unpackAll turns the repository's packs into loose objects, as a hook sees
// right after local commits.
func unpackAll(t *testing.T, dir string) {
	t.Helper()
	packs, err := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		unpackOne(t, dir, p)
	}
}

// unpackOne turns one pack into loose objects.
func unpackOne(t *testing.T, dir, p string) {
	t.Helper()
	tmp := t.TempDir()
	{
		moved := filepath.Join(tmp, filepath.Base(p))
		if err := os.Rename(p, moved); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(strings.TrimSuffix(p, ".pack") + ".idx"); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(moved)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gitIn(dir, data, "unpack-objects", "-q"); err != nil {
			t.Fatal(err)
		}
	}
}

// nameParts are the path components the generator draws from: names that
// sort differently in git's tree order and by plain bytes, unicode, spaces.
var nameParts = []string{
	"a", "a.b", "a-", "a0", "ab", "A", "b", "catalog", "svc", "x y", "ü", "服务", "z", "a.json", "b.json", "c.yaml",
}

// generateHistory returns n commits of a random tree evolving by random
// operations; some commits merge an earlier one.
func generateHistory(rng *rand.Rand, n int) []commitSpec {
	tree := map[string]entry{}
	randPath := func() string {
		depth := rng.IntN(4) + 1
		parts := make([]string, depth)
		for i := range parts {
			parts[i] = nameParts[rng.IntN(len(nameParts))]
		}
		return strings.Join(parts, "/")
	}
	contents := []string{"", "same", "{\"k\":1}\n"}
	randContent := func() string {
		if rng.IntN(4) == 0 {
			return contents[rng.IntN(len(contents))]
		}
		return fmt.Sprintf("content %d\n", rng.Int())
	}
	// put adds a path, removing what would collide: a file where a
	// directory must go, or a directory where the file goes.
	put := func(p string, e entry) {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			delete(tree, strings.Join(parts[:i], "/"))
		}
		for q := range tree {
			if strings.HasPrefix(q, p+"/") {
				delete(tree, q)
			}
		}
		tree[p] = e
	}
	pick := func() (string, bool) {
		if len(tree) == 0 {
			return "", false
		}
		keys := slices.Sorted(maps.Keys(tree))
		return keys[rng.IntN(len(keys))], true
	}
	for range 20 + rng.IntN(60) {
		put(randPath(), file(randContent()))
	}
	var specs []commitSpec
	for i := range n {
		if i > 0 {
			for range 1 + rng.IntN(8) {
				mutate(rng, tree, put, pick, randPath, randContent)
			}
		}
		spec := commitSpec{tree: maps.Clone(tree)}
		if i >= 2 && rng.IntN(4) == 0 {
			spec.parents = []int{i - 1, rng.IntN(i - 1)}
		}
		specs = append(specs, spec)
	}
	return specs
}

func mutate(rng *rand.Rand, tree map[string]entry, put func(string, entry), pick func() (string, bool),
	randPath func() string, randContent func() string) {
	p, ok := pick()
	switch op := rng.IntN(10); {
	case op == 0 || !ok: // add
		put(randPath(), file(randContent()))
	case op == 1: // modify
		e := tree[p]
		e.content = randContent()
		if e.mode == "160000" {
			e.content = fmt.Sprintf("%040x", rng.Uint64())
		}
		tree[p] = e
	case op == 2: // delete
		delete(tree, p)
	case op == 3: // move a file
		e := tree[p]
		delete(tree, p)
		put(randPath(), e)
	case op == 4: // move a directory
		dir := filepath.ToSlash(filepath.Dir(p))
		if dir == "." {
			return
		}
		to := randPath()
		if strings.HasPrefix(to+"/", dir+"/") {
			return
		}
		moved := map[string]entry{}
		for q, e := range tree {
			if strings.HasPrefix(q, dir+"/") {
				moved[to+strings.TrimPrefix(q, dir)] = e
				delete(tree, q)
			}
		}
		for _, q := range slices.Sorted(maps.Keys(moved)) {
			put(q, moved[q])
		}
	case op == 5: // flip the executable bit
		e := tree[p]
		switch e.mode {
		case "100644":
			e.mode = "100755"
		case "100755":
			e.mode = "100644"
		}
		tree[p] = e
	case op == 6: // a file becomes a directory
		put(p+"/"+nameParts[rng.IntN(len(nameParts))], file(randContent()))
	case op == 7: // a directory becomes a file
		if dir := filepath.ToSlash(filepath.Dir(p)); dir != "." {
			put(dir, file(randContent()))
		}
	case op == 8: // a symbolic link, new or replacing a file
		if rng.IntN(2) == 0 {
			put(p, symlink(randContent()))
		} else {
			put(randPath(), symlink("target"))
		}
	default: // a submodule entry, new or replacing a file
		sub := gitlink(fmt.Sprintf("%040x", rng.Uint64()))
		if rng.IntN(2) == 0 {
			put(p, sub)
		} else {
			put(randPath(), sub)
		}
	}
}

// TestDiffReadAhead: a directory with many changed subdirectories has
// their trees read ahead in parallel; the changes are git's, packed or
// loose, and a subdirectory's tree that is missing is still the walk's
// *MissingObjectError, not skipped.
func TestDiffReadAhead(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	const dirs = 3 * readAheadMin
	for d := range dirs {
		writeFile(t, dir, fmt.Sprintf("svc/s%02d/entity.json", d), fmt.Sprintf(`{"d":%d}`, d))
		writeFile(t, dir, fmt.Sprintf("svc/s%02d/src/main.go", d), "package main\n")
	}
	base := commitAll(t, dir, "base")
	for d := range dirs {
		if d%4 != 3 {
			writeFile(t, dir, fmt.Sprintf("svc/s%02d/entity.json", d), fmt.Sprintf(`{"d":%d,"edited":true}`, d))
		}
	}
	head := commitAll(t, dir, "edits")
	want := oracleDiff(t, dir, base, head)
	if len(want) < 2*readAheadMin {
		t.Fatalf("fixture: %d changes, too few to read ahead", len(want))
	}
	check := func(t *testing.T) {
		r := openRepo(t, dir)
		got, err := r.Diff(base, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !sameChanges(got, want) {
			t.Fatalf("Diff:\n%sgit diff-tree:\n%s", formatChanges(got), formatChanges(want))
		}
	}
	t.Run("loose", check)
	git(t, dir, "repack", "-adfq")
	t.Run("packed", check)

	// Drop the pack and keep every object but one subdirectory's tree
	// loose: the walk, not the read-ahead, says it is missing.
	missing, err := ParseHash(strings.TrimSpace(git(t, dir, "rev-parse", head.String()+":svc/s05")))
	if err != nil {
		t.Fatal(err)
	}
	unpackAll(t, dir)
	hex := missing.String()
	if err := os.Remove(filepath.Join(dir, ".git", "objects", hex[:2], hex[2:])); err != nil {
		t.Fatal(err)
	}
	_, err = openRepo(t, dir).Diff(base, head, nil)
	var m *MissingObjectError
	if !errors.As(err, &m) || m.Hash != missing || m.Kind != "tree" {
		t.Fatalf("Diff with tree %s missing: %v", missing, err)
	}
}
