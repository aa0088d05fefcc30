package gitdiff

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The benchmark repository: 10 team directories of 50 services of 100
// entity files (50,000 files). head changes 500 paths of base (400 edits,
// 50 additions, 50 deletions spread over the tree); moved moves one team
// directory (5,000 files) and edits 50 of them.
const (
	benchTeams       = 10
	benchServices    = 50
	benchEntities    = 100
	benchEdits       = 400
	benchAdds        = 50
	benchDeletes     = 50
	benchMovedTeam   = 3
	benchMovedEdits  = 50
	benchFixtureName = "port-gitops-gitdiff-bench-v1-10x50x100-400e50a50d-m3e50"
)

type benchRepo struct {
	dir               string
	base, head, moved Hash
}

var (
	benchOnce sync.Once
	benchFx   benchRepo
	benchErr  error
)

// benchFixture returns the benchmark repository, building it once per
// machine under os.TempDir (git fast-import, then git repack as a clone's
// pack would be).
func benchFixture(b *testing.B) benchRepo {
	b.Helper()
	needGit(b)
	benchOnce.Do(func() { benchFx, benchErr = loadOrBuildBenchRepo() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFx
}

func BenchmarkDiff(b *testing.B) {
	fx := benchFixture(b)
	benchmarkDiff(b, fx, fx.base, fx.head, benchEdits+benchAdds+benchDeletes)
}

func BenchmarkDiffMovedDir(b *testing.B) {
	fx := benchFixture(b)
	benchmarkDiff(b, fx, fx.head, fx.moved, 2*benchServices*benchEntities)
}

// BenchmarkDiffEmptyBase is a full sync: every file of head is an addition.
func BenchmarkDiffEmptyBase(b *testing.B) {
	fx := benchFixture(b)
	benchmarkDiff(b, fx, ZeroHash, fx.head, benchTeams*benchServices*benchEntities+benchAdds-benchDeletes)
}

func benchmarkDiff(b *testing.B, fx benchRepo, base, head Hash, wantChanges int) {
	check := func(b *testing.B, n int) {
		if n != wantChanges {
			b.Fatalf("%d changes, want %d", n, wantChanges)
		}
	}
	// What a sync run pays: open the repository, diff, close.
	b.Run("gitdiff", func(b *testing.B) {
		for b.Loop() {
			r, err := Open(fx.dir)
			if err != nil {
				b.Fatal(err)
			}
			changes, err := r.Diff(base, head, nil)
			if err != nil {
				b.Fatal(err)
			}
			check(b, len(changes))
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The diff alone on an open repository (pack index loaded, object
	// cache warm after the first iteration).
	b.Run("gitdiff-open-repo", func(b *testing.B) {
		r, err := Open(fx.dir)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		for b.Loop() {
			changes, err := r.Diff(base, head, nil)
			if err != nil {
				b.Fatal(err)
			}
			check(b, len(changes))
		}
	})
	// The reference: the git binary, process start included.
	b.Run("git-diff-tree", func(b *testing.B) {
		for b.Loop() {
			from := base.String()
			if base.IsZero() {
				from = emptyTree
			}
			cmd := exec.Command("git", "diff-tree", "-r", "--no-renames", from, head.String())
			cmd.Dir = fx.dir
			cmd.Env = gitEnv()
			out, err := cmd.Output()
			if err != nil {
				b.Fatal(err)
			}
			check(b, strings.Count(string(out), "\n"))
		}
	})
}

func loadOrBuildBenchRepo() (benchRepo, error) {
	final := filepath.Join(os.TempDir(), benchFixtureName)
	if fx, err := readBenchRepo(final); err == nil {
		return fx, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), benchFixtureName+".tmp-")
	if err != nil {
		return benchRepo{}, err
	}
	if err := buildBenchRepo(tmp); err != nil {
		os.RemoveAll(tmp)
		return benchRepo{}, fmt.Errorf("build benchmark repository: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process built it first (or a broken leftover is in
		// the way): use theirs if it is whole.
		os.RemoveAll(tmp)
		if fx, rerr := readBenchRepo(final); rerr == nil {
			return fx, nil
		}
		return benchRepo{}, fmt.Errorf("install benchmark repository: %w (remove %s)", err, final)
	}
	return readBenchRepo(final)
}

func readBenchRepo(dir string) (benchRepo, error) {
	b, err := os.ReadFile(filepath.Join(dir, "commits"))
	if err != nil {
		return benchRepo{}, err
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return benchRepo{}, errors.New("bad commits file")
	}
	fx := benchRepo{dir: dir}
	for i, p := range []*Hash{&fx.base, &fx.head, &fx.moved} {
		if *p, err = ParseHash(f[i]); err != nil {
			return benchRepo{}, err
		}
	}
	return fx, nil
}

func benchPath(team, svc, ent int) string {
	return fmt.Sprintf("catalog/team%02d/svc%03d/entity%03d.json", team, svc, ent)
}

func benchContent(path string, version int) string {
	return fmt.Sprintf("{\n  \"identifier\": %q,\n  \"title\": \"%s\",\n  \"version\": %d,\n  \"properties\": {\"tier\": \"gold\", \"owner\": \"platform\"}\n}\n",
		strings.TrimSuffix(filepath.Base(path), ".json"), path, version)
}

// buildBenchRepo writes the three commits with one fast-import stream,
// repacks, and records the commit hashes in dir/commits.
func buildBenchRepo(dir string) error {
	if _, err := gitIn("", nil, "init", "-q", "--bare", dir); err != nil {
		return err
	}
	cmd := exec.Command("git", "fast-import", "--quiet", "--export-marks="+filepath.Join(dir, "marks"))
	cmd.Dir = dir
	cmd.Env = gitEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	writeBenchStream(w)
	if err := w.Flush(); err != nil {
		return err
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git fast-import: %v: %s", err, stderr.String())
	}
	if _, err := gitIn(dir, nil, "repack", "-adq"); err != nil {
		return err
	}
	marks, err := os.ReadFile(filepath.Join(dir, "marks"))
	if err != nil {
		return err
	}
	hashes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(marks)), "\n") {
		if m, h, ok := strings.Cut(line, " "); ok {
			hashes[m] = h
		}
	}
	commits := fmt.Sprintf("%s %s %s\n", hashes[":1"], hashes[":2"], hashes[":3"])
	return os.WriteFile(filepath.Join(dir, "commits"), []byte(commits), fs.FileMode(0o644))
}

func writeBenchStream(w io.Writer) {
	rng := rand.New(rand.NewPCG(50000, 500))
	commit := func(mark int, from string) {
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\ncommitter Port GitOps Bench <bench@port-gitops.invalid> %d +0000\ndata 6\nbench\n", mark, 1700000000+mark)
		if from != "" {
			fmt.Fprintf(w, "from %s\n", from)
		}
	}
	inline := func(path, content string) {
		fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}

	// base: every file.
	commit(1, "")
	for t := range benchTeams {
		for s := range benchServices {
			for e := range benchEntities {
				p := benchPath(t, s, e)
				inline(p, benchContent(p, 1))
			}
		}
	}

	// head: edits, additions and deletions at random places.
	commit(2, ":1")
	version := map[string]int{}
	deleted := map[string]bool{}
	// Additions and deletions stay out of the team that moves next, so
	// that the move is exactly benchServices*benchEntities files.
	otherTeam := func() int {
		for {
			if t := rng.IntN(benchTeams); t != benchMovedTeam {
				return t
			}
		}
	}
	randExisting := func(team int) string {
		for {
			p := benchPath(team, rng.IntN(benchServices), rng.IntN(benchEntities))
			if version[p] == 0 && !deleted[p] {
				return p
			}
		}
	}
	for range benchEdits {
		p := randExisting(rng.IntN(benchTeams))
		version[p] = 2
		inline(p, benchContent(p, 2))
	}
	for range benchDeletes {
		p := randExisting(otherTeam())
		deleted[p] = true
		fmt.Fprintf(w, "D %s\n", p)
	}
	for i := range benchAdds {
		p := fmt.Sprintf("catalog/team%02d/svc%03d/new%03d.json", otherTeam(), rng.IntN(benchServices), i)
		inline(p, benchContent(p, 1))
	}

	// moved: one team directory moves, some of its files edited on the way.
	commit(3, ":2")
	from := fmt.Sprintf("catalog/team%02d", benchMovedTeam)
	fmt.Fprintf(w, "D %s\n", from)
	edited := map[int]bool{}
	for len(edited) < benchMovedEdits {
		edited[rng.IntN(benchServices*benchEntities)] = true
	}
	for s := range benchServices {
		for e := range benchEntities {
			p := benchPath(benchMovedTeam, s, e)
			to := "moved/" + strings.TrimPrefix(p, "catalog/")
			v := max(version[p], 1)
			if edited[s*benchEntities+e] {
				v++
			}
			inline(to, benchContent(p, v))
		}
	}
	fmt.Fprintln(w)
}

// BenchmarkStagedChanges is what validate --staged pays in a pre-commit
// hook: open the repository, compare the index (the benchmark
// repository's 50,000 files at head, cached trees valid, one entity file
// staged with new content) with HEAD, close; beside git diff --cached.
//
//	go test ./internal/gitdiff -run '^$' -bench BenchmarkStagedChanges
func BenchmarkStagedChanges(b *testing.B) {
	fx := benchFixture(b)
	dir := b.TempDir()
	git(b, dir, "init", "-q", "-b", "main")
	packs, err := filepath.Glob(filepath.Join(fx.dir, "objects", "pack", "pack-*"))
	if err != nil || len(packs) == 0 {
		b.Fatalf("no packs in the benchmark repository (%v)", err)
	}
	for _, p := range packs {
		to := filepath.Join(dir, ".git", "objects", "pack", filepath.Base(p))
		if err := os.Link(p, to); err != nil {
			data, rerr := os.ReadFile(p)
			if rerr != nil || os.WriteFile(to, data, 0o444) != nil {
				b.Fatalf("copy %s: %v", p, err)
			}
		}
	}
	git(b, dir, "update-ref", "refs/heads/main", fx.head.String())
	git(b, dir, "read-tree", "main") // the index git leaves after a commit
	path := benchPath(3, 7, 42)
	h, err := gitIn(dir, []byte(benchContent(path, 9)), "hash-object", "-w", "--stdin")
	if err != nil {
		b.Fatal(err)
	}
	git(b, dir, "update-index", "--cacheinfo", "100644,"+strings.TrimSpace(h)+","+path)
	check := func(b *testing.B, n int) {
		if n != 1 {
			b.Fatalf("%d staged changes, want 1", n)
		}
	}
	b.Run("gitdiff", func(b *testing.B) {
		for b.Loop() {
			r, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			changed, _, err := r.StagedChanges("", nil)
			if err != nil {
				b.Fatal(err)
			}
			check(b, len(changed))
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("git-diff-cached", func(b *testing.B) {
		for b.Loop() {
			out, err := gitIn(dir, nil, "diff", "--cached", "--name-only")
			if err != nil {
				b.Fatal(err)
			}
			check(b, strings.Count(out, "\n"))
		}
	})
}
