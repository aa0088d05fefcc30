package gitdiff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// oracleStaged is git ls-files --stage: the stage-0 regular and executable
// files of the index at indexFile ("" for the repository's own).
func oracleStaged(tb testing.TB, dir, indexFile string) []File {
	tb.Helper()
	var env []string
	if indexFile != "" {
		env = []string{"GIT_INDEX_FILE=" + indexFile}
	}
	out, err := gitInWith(dir, env, nil, "ls-files", "--stage", "-z")
	if err != nil {
		tb.Fatal(err)
	}
	var files []File
	for _, rec := range strings.Split(out, "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[2] != "0" || !strings.HasPrefix(f[0], "100") {
			continue
		}
		h, err := ParseHash(f[1])
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, File{path, h})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files
}

// oracleStagedChanges is git diff-index --cached HEAD reduced to what
// StagedChanges reports as changed: paths whose staged side is a regular or
// executable file with content HEAD does not have at that path.
func oracleStagedChanges(tb testing.TB, dir, indexFile string) []Change {
	tb.Helper()
	var env []string
	if indexFile != "" {
		env = []string{"GIT_INDEX_FILE=" + indexFile}
	}
	out, err := gitInWith(dir, env, nil, "diff-index", "--cached", "--raw", "--no-renames", "-z", "HEAD")
	if err != nil {
		tb.Fatal(err)
	}
	fields := strings.Split(out, "\x00")
	var files []Change
	for i := 0; i+1 < len(fields); i += 2 {
		meta := strings.Fields(strings.TrimPrefix(fields[i], ":"))
		if len(meta) != 5 {
			tb.Fatalf("unexpected diff-index record %q", fields[i])
		}
		from, to := oracleSide(tb, meta[0], meta[2]), oracleSide(tb, meta[1], meta[3])
		if !to.IsZero() && from != to {
			files = append(files, Change{fields[i+1], from, to})
		}
	}
	slices.SortFunc(files, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return files
}

// without returns the files of all that are not in some (both sorted).
func without(all []File, some []Change) []File {
	var out []File
	for _, f := range all {
		if _, found := slices.BinarySearchFunc(some, f.Path, func(x Change, p string) int { return strings.Compare(x.Path, p) }); !found {
			out = append(out, f)
		}
	}
	return out
}

// TestStagedChangesOracle compares StagedIn with git ls-files --stage and
// StagedChanges with git diff-index --cached HEAD on generated
// repositories: HEAD is the first commit of a random history, and the
// index is HEAD's tree with the changes up to the last commit staged on top
// (edits, additions, deletions, mode changes, file/directory swaps,
// symbolic links, submodule entries). Each seed runs with the cached trees
// git keeps in the index (partly invalidated by the staged changes), with
// none valid, and as an index of version 4.
func TestStagedChangesOracle(t *testing.T) {
	t.Parallel()
	needGit(t)
	seeds := 8
	if testing.Short() {
		seeds = 3
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 0x57a6))
			dir := initRepo(t)
			commits := buildCommits(t, dir, generateHistory(rng, 2+rng.IntN(4)))
			first, last := commits[0], commits[len(commits)-1]
			git(t, dir, "update-ref", "refs/heads/main", first.String())
			git(t, dir, "read-tree", first.String()) // primes the cached trees
			// Stage first..last path by path: deletions, then the rest, so
			// that a file never collides with a directory.
			raw := git(t, dir, "diff-tree", "-r", "--no-renames", "-z", first.String(), last.String())
			var dels, puts bytes.Buffer
			fields := strings.Split(raw, "\x00")
			for i := 0; i+1 < len(fields); i += 2 {
				meta := strings.Fields(strings.TrimPrefix(fields[i], ":"))
				if meta[1] == "000000" {
					fmt.Fprintf(&dels, "0 %s\t%s\x00", meta[2], fields[i+1])
				} else {
					fmt.Fprintf(&puts, "%s %s\t%s\x00", meta[1], meta[3], fields[i+1])
				}
			}
			if dels.Len()+puts.Len() == 0 {
				t.Skip("no change between the first and the last commit of this seed")
			}
			dels.Write(puts.Bytes())
			if _, err := gitIn(dir, dels.Bytes(), "update-index", "-z", "--index-info"); err != nil {
				t.Fatal(err)
			}

			check := func(t *testing.T, indexFile string) {
				r := openRepo(t, dir)
				staged, err := r.StagedIn(indexFile, nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := oracleStaged(t, dir, indexFile); !equalFiles(staged, want) {
					t.Fatalf("StagedIn:\n got %v\n git %v", staged, want)
				}
				changed, unchangedErr, err := r.StagedChanges(indexFile, nil)
				if err != nil {
					t.Fatal(err)
				}
				unchanged := must(t, unchangedErr)
				wantChanged := oracleStagedChanges(t, dir, indexFile)
				if !sameChanges(changed, wantChanged) {
					t.Fatalf("StagedChanges changed:\n%s git:\n%s", formatChanges(changed), formatChanges(wantChanged))
				}
				if want := without(staged, wantChanged); !equalFiles(unchanged(), want) {
					t.Fatalf("StagedChanges unchanged:\n got %v\nwant %v", unchanged(), want)
				}
				// A match narrows both lists.
				match := func(p string) bool { return strings.HasSuffix(p, ".json") }
				mc, muErr, err := r.StagedChanges(indexFile, match)
				if err != nil {
					t.Fatal(err)
				}
				mu := must(t, muErr)
				var paths []File
				for _, c := range mc {
					paths = append(paths, File{c.Path, c.To})
				}
				var all []File
				for _, c := range changed {
					all = append(all, File{c.Path, c.To})
				}
				if n := countMatching(all, match) + countMatching(unchanged(), match); len(paths)+len(mu()) != n || countMatching(paths, match) != len(paths) || countMatching(mu(), match) != len(mu()) {
					t.Fatalf("StagedChanges(*.json) = %v, %v", mc, mu())
				}
			}
			t.Run("cached trees", func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
				if err != nil {
					t.Fatal(err)
				}
				if countValid(t, data) == 0 {
					t.Fatal("the index has no valid cached tree: the shortcut is not tested")
				}
				check(t, "")
			})
			t.Run("version 4", func(t *testing.T) {
				alt := filepath.Join(t.TempDir(), "index")
				copyFile(t, filepath.Join(dir, ".git", "index"), alt)
				if _, err := gitInWith(dir, []string{"GIT_INDEX_FILE=" + alt}, nil, "update-index", "--index-version", "4"); err != nil {
					t.Fatal(err)
				}
				if b, _ := os.ReadFile(alt); len(b) < 8 || b[7] != 4 {
					t.Fatal("the index is not version 4")
				}
				check(t, alt)
			})
			t.Run("no cached trees", func(t *testing.T) {
				// An index rebuilt entry by entry: git has no valid tree
				// for any directory of it.
				alt := filepath.Join(t.TempDir(), "index")
				env := []string{"GIT_INDEX_FILE=" + alt}
				ls := git(t, dir, "ls-files", "--stage", "-z")
				if _, err := gitInWith(dir, env, nil, "read-tree", "--empty"); err != nil {
					t.Fatal(err)
				}
				if _, err := gitInWith(dir, env, []byte(ls), "update-index", "-z", "--index-info"); err != nil {
					t.Fatal(err)
				}
				check(t, alt)
			})
		})
	}
}

func countMatching(files []File, match func(string) bool) int {
	n := 0
	for _, f := range files {
		if match(f.Path) {
			n++
		}
	}
	return n
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestStagedChangesUnbornHead: before the first commit, everything staged
// is a change.
func TestStagedChangesUnbornHead(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	writeFile(t, dir, "a.json", `{"a":1}`)
	writeFile(t, dir, "d/b.json", `{"b":1}`)
	git(t, dir, "add", "-A")
	changed, unchangedErr, err := openRepo(t, dir).StagedChanges("", nil)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := must(t, unchangedErr)
	if want := []Change{{"a.json", ZeroHash, blob(`{"a":1}`)}, {"d/b.json", ZeroHash, blob(`{"b":1}`)}}; !sameChanges(changed, want) || len(unchanged()) != 0 {
		t.Errorf("StagedChanges() = %v, %v; want %v, nothing", changed, unchanged(), want)
	}
}

// TestIndexLongPathsAndTruncation: paths of 4,095 bytes and more (the
// name length field saturates) in versions 2, 3 and 4, and every
// truncation of the entries is an error, never a panic.
func TestIndexLongPathsAndTruncation(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	h := strings.TrimSpace(git(t, dir, "hash-object", "-w", "--stdin"))
	long := strings.Repeat("d/", 2100) + "x.json" // 4,206 bytes
	var in strings.Builder
	for _, p := range []string{"a.json", strings.Repeat("e", 4094) + ".j", long, long[:len(long)-6] + "y.json", "z/" + long} {
		fmt.Fprintf(&in, "100644 %s\t%s\x00", h, p)
	}
	for _, version := range []string{"2", "3", "4"} {
		t.Run("version "+version, func(t *testing.T) {
			alt := filepath.Join(t.TempDir(), "index")
			env := []string{"GIT_INDEX_FILE=" + alt}
			if _, err := gitInWith(dir, env, []byte(in.String()), "update-index", "-z", "--index-info"); err != nil {
				t.Fatal(err)
			}
			if version == "3" {
				// An extended flag: git writes version 3 for it.
				if _, err := gitInWith(dir, env, nil, "update-index", "--skip-worktree", "a.json"); err != nil {
					t.Fatal(err)
				}
			} else if _, err := gitInWith(dir, env, nil, "update-index", "--index-version", version); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(alt)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(data[7]) != version {
				t.Fatalf("index version %d, want %s", data[7], version)
			}
			idx, err := parseIndex(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := oracleStaged(t, dir, alt); !equalFiles(idx.files, want) || len(want) != 5 {
				t.Fatalf("parseIndex:\n got %v\n git %v", idx.files, want)
			}
			for n := range len(data) - 20 {
				if _, err := parseIndex(data[:n], nil); err == nil && n < len(data)-20 {
					// Only a cut at an extension boundary can leave a
					// readable index (this one has no extensions).
					t.Fatalf("parseIndex(first %d of %d bytes): no error", n, len(data))
				}
			}
		})
	}
}

// countValid counts the valid directories of the cached trees of an index.
func countValid(tb testing.TB, data []byte) int {
	tb.Helper()
	rd, err := newIndexReader(data)
	if err != nil {
		tb.Fatal(err)
	}
	for {
		ok, err := rd.next()
		if err != nil {
			tb.Fatal(err)
		}
		if !ok {
			break
		}
	}
	ext, err := rd.extensions()
	if err != nil {
		tb.Fatal(err)
	}
	ct, err := parseCacheTree(ext)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for i := range ct {
		if ct.valid(i) {
			n++
		}
	}
	return n
}

// must turns a lister that may fail into one that fails the test.
func must[T any](tb testing.TB, f func() (T, error)) func() T {
	return func() T {
		tb.Helper()
		v, err := f()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

// stagedFixture is a repository whose index has cached trees, valid for
// most directories, and a few staged changes below some of them.
func stagedFixture(t *testing.T) (dir string, data []byte) {
	t.Helper()
	needGit(t)
	dir = initRepo(t)
	for d := range 6 {
		for f := range 4 {
			writeFile(t, dir, fmt.Sprintf("d%d/s/e%d.json", d, f), fmt.Sprintf(`{"d":%d,"f":%d}`, d, f))
		}
	}
	writeFile(t, dir, "top.json", `{}`)
	commitAll(t, dir, "base")
	git(t, dir, "read-tree", "HEAD") // every directory's cached tree valid
	git(t, dir, "update-index", "-q", "--refresh")
	writeFile(t, dir, "d2/s/e1.json", `{"edited":true}`)
	writeFile(t, dir, "d4/new.json", `{"new":true}`)
	git(t, dir, "add", "d2/s/e1.json", "d4/new.json")
	if n := countValid(t, mustRead(t, filepath.Join(dir, ".git", "index"))); n < 6 {
		t.Fatalf("fixture: %d valid cached trees, want the unchanged directories' (at least 6)", n)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, data
}

// TestStagedChangesGuessedTree: the cached trees are looked for from the
// end of the index, and the guess is checked once the entries are walked.
// A guess of git's own index is right in every version; a wrong one (the
// cached trees of another index, all valid, which alone would hide the
// staged changes) is found out, and the changes still match git's.
func TestStagedChangesGuessedTree(t *testing.T) {
	t.Parallel()
	dir, data := stagedFixture(t)
	want := oracleStagedChanges(t, dir, "")
	if len(want) != 2 {
		t.Fatalf("fixture: git sees %d staged changes, want 2", len(want))
	}
	for _, version := range []string{"2", "3", "4"} {
		alt := filepath.Join(t.TempDir(), "index")
		copyFile(t, filepath.Join(dir, ".git", "index"), alt)
		args := []string{"update-index", "--index-version", version}
		if version == "3" {
			args = []string{"update-index", "--skip-worktree", "top.json"} // an extended flag
		}
		if _, err := gitInWith(dir, []string{"GIT_INDEX_FILE=" + alt}, nil, args...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(alt)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(b[7]) != version {
			t.Fatalf("index version %d, want %s", b[7], version)
		}
		real, err := treeExtension(b)
		if err != nil || real == nil {
			t.Fatalf("version %s: no TREE extension (%v)", version, err)
		}
		if guess := guessTree(b); !sameBytes(guess, real) {
			t.Errorf("version %s: guessTree found %d bytes at another place than the TREE extension's %d", version, len(guess), len(real))
		}
	}

	// The cached trees of HEAD's own index: all valid, so taken alone they
	// say nothing is staged.
	other := filepath.Join(t.TempDir(), "index")
	if _, err := gitInWith(dir, []string{"GIT_INDEX_FILE=" + other}, nil, "read-tree", "HEAD"); err != nil {
		t.Fatal(err)
	}
	ob, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := treeExtension(ob)
	if err != nil || wrong == nil {
		t.Fatalf("no TREE extension in HEAD's index (%v)", err)
	}
	r := openRepo(t, dir)
	if got, _, _, err := r.compareWith(data, wrong, nil); err == nil && sameChanges(got, want) {
		t.Fatal("the wrong cached trees give the right changes: the check below proves nothing")
	}
	got, err := r.compareGuess(data, wrong, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameChanges(got, want) {
		t.Fatalf("with a wrong guess:\n%s git:\n%s", formatChanges(got), formatChanges(want))
	}
	// A guess that is no TREE extension at all.
	if got, err := r.compareGuess(data, data[12:40], nil); err != nil || !sameChanges(got, want) {
		t.Fatalf("with a malformed guess: %v, %v", formatChanges(got), err)
	}
}

// TestStagedChangesHostileIndex: a cached tree that miscounts its entries
// is an error that says so, and no change to any byte of the index makes
// StagedChanges panic.
func TestStagedChangesHostileIndex(t *testing.T) {
	t.Parallel()
	dir, data := stagedFixture(t)
	r := openRepo(t, dir)
	// The cached tree of d0 counts 4 entries; make it 5 ("4 1\n" → "5 1\n").
	real, err := treeExtension(data)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(real, []byte("d0\x004 1\n"))
	if at < 0 {
		t.Fatalf("no cached tree for d0 in %q", real)
	}
	bad := slices.Clone(data)
	bad[cap(data)-cap(real)+at+len("d0\x00")] = '5' // real is a part of data
	_, err = r.compareIndex(bad, nil)
	if err == nil || !strings.Contains(err.Error(), "the cached tree of d0 does not count its entries") {
		t.Fatalf("miscounting cached tree: err = %v", err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 1000 {
		m := slices.Clone(data)
		for range 1 + rng.IntN(3) {
			m[rng.IntN(len(m))] = byte(rng.IntN(256))
		}
		_, _ = r.compareIndex(m, nil) // must not panic
		_, _ = parseIndex(m, nil)
	}
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
