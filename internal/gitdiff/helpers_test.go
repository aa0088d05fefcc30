package gitdiff

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// needGit skips tests that build repositories with the git binary.
func needGit(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		tb.Skip("git binary not found: these tests build repositories and check results with git")
	}
}

// gitEnv is a clean, fixed environment: no user or system config, no GIT_*
// variables inherited from a hook the tests might run under, fixed
// identities and dates.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Port GitOps Test",
		"GIT_AUTHOR_EMAIL=test@port-gitops.invalid",
		"GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=Port GitOps Test",
		"GIT_COMMITTER_EMAIL=test@port-gitops.invalid",
		"GIT_COMMITTER_DATE=1700000000 +0000",
		"LC_ALL=C",
	)
}

// git runs git in dir and returns its standard output; it fails the test
// on error.
func git(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := gitIn(dir, nil, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// gitIn runs git in dir with stdin (nil for none).
func gitIn(dir string, stdin []byte, args ...string) (string, error) {
	return gitInWith(dir, nil, stdin, args...)
}

// gitInWith runs git in dir with extra environment variables and stdin.
func gitInWith(dir string, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// initRepo creates an empty repository with branch main in a new
// temporary directory.
func initRepo(tb testing.TB, args ...string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "repo")
	git(tb, "", append([]string{"init", "-q", "-b", "main"}, append(args, dir)...)...)
	return dir
}

// writeFile writes a file below dir, creating directories.
func writeFile(tb testing.TB, dir, path, content string) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// commitAll stages everything and commits; it returns the new commit.
func commitAll(tb testing.TB, dir, msg string) Hash {
	tb.Helper()
	git(tb, dir, "add", "-A")
	git(tb, dir, "commit", "-q", "--allow-empty", "-m", msg)
	return revParse(tb, dir, "HEAD")
}

func revParse(tb testing.TB, dir, rev string) Hash {
	tb.Helper()
	h, err := ParseHash(strings.TrimSpace(git(tb, dir, "rev-parse", "--verify", "-q", rev+"^{}")))
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// entry is one path of a tree built with fast-import.
type entry struct {
	mode    string // "100644", "100755", "120000" (content is the target) or "160000" (content is a commit hash)
	content string
}

func file(content string) entry   { return entry{"100644", content} }
func exe(content string) entry    { return entry{"100755", content} }
func symlink(target string) entry { return entry{"120000", target} }
func gitlink(commit string) entry { return entry{"160000", commit} }

// blob is the hash git gives content.
func blob(content string) Hash {
	return plumbing.ComputeHash(plumbing.BlobObject, []byte(content))
}

// commitSpec is one commit for buildCommits: its whole tree and its
// parents, as indexes of earlier commits (nil: the previous commit, or none
// for the first; use []int{} for a root commit).
type commitSpec struct {
	tree    map[string]entry
	parents []int
}

// buildCommits writes the commits with one git fast-import run and returns
// their hashes; branch main ends at the last one.
func buildCommits(tb testing.TB, dir string, specs []commitSpec) []Hash {
	tb.Helper()
	var in bytes.Buffer
	data := func(s string) { fmt.Fprintf(&in, "data %d\n%s\n", len(s), s) }
	for i, spec := range specs {
		parents := spec.parents
		if parents == nil && i > 0 {
			parents = []int{i - 1}
		}
		if len(parents) == 0 && i > 0 {
			// Another root commit: start main afresh.
			in.WriteString("reset refs/heads/main\n")
		}
		fmt.Fprintf(&in, "commit refs/heads/main\nmark :%d\n", i+1)
		fmt.Fprintf(&in, "committer Port GitOps Test <test@port-gitops.invalid> %d +0000\n", 1700000000+i)
		data(fmt.Sprintf("commit %d", i))
		for k, p := range parents {
			verb := "from"
			if k > 0 {
				verb = "merge"
			}
			fmt.Fprintf(&in, "%s :%d\n", verb, p+1)
		}
		in.WriteString("deleteall\n")
		paths := make([]string, 0, len(spec.tree))
		for p := range spec.tree {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			e := spec.tree[p]
			if e.mode == "160000" {
				fmt.Fprintf(&in, "M 160000 %s %s\n", e.content, p)
				continue
			}
			fmt.Fprintf(&in, "M %s inline %s\n", e.mode, p)
			data(e.content)
		}
		in.WriteString("\n")
	}
	marks := filepath.Join(tb.TempDir(), "marks")
	if _, err := gitIn(dir, in.Bytes(), "fast-import", "--quiet", "--force", "--export-marks="+marks); err != nil {
		tb.Fatal(err)
	}
	return readMarks(tb, marks, len(specs))
}

func readMarks(tb testing.TB, path string, n int) []Hash {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	out := make([]Hash, n)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var mark int
		var hex string
		if _, err := fmt.Sscanf(sc.Text(), ":%d %s", &mark, &hex); err != nil {
			tb.Fatal(err)
		}
		if mark >= 1 && mark <= n {
			h, err := ParseHash(hex)
			if err != nil {
				tb.Fatal(err)
			}
			out[mark-1] = h
		}
	}
	return out
}

// emptyTree is the hash of the empty tree, which git knows without storing.
const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

// oracleDiff is git diff-tree -r --no-renames between two commits (ZeroHash
// for the empty tree), reduced to what Diff reports: regular and executable
// files only, content changes only.
func oracleDiff(tb testing.TB, dir string, base, head Hash) []Change {
	tb.Helper()
	b, h := base.String(), head.String()
	if base.IsZero() {
		b = emptyTree
	}
	if head.IsZero() {
		h = emptyTree
	}
	out := git(tb, dir, "diff-tree", "-r", "--no-renames", "-z", b, h)
	fields := strings.Split(out, "\x00")
	var changes []Change
	for i := 0; i+1 < len(fields); i += 2 {
		meta := strings.Fields(strings.TrimPrefix(fields[i], ":"))
		if len(meta) != 5 {
			tb.Fatalf("unexpected diff-tree record %q", fields[i])
		}
		from, to := oracleSide(tb, meta[0], meta[2]), oracleSide(tb, meta[1], meta[3])
		if from != to {
			changes = append(changes, Change{Path: fields[i+1], From: from, To: to})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return changes
}

func oracleSide(tb testing.TB, mode, hash string) Hash {
	if !strings.HasPrefix(mode, "100") {
		return ZeroHash // absent (000000), symlink, gitlink
	}
	h, err := ParseHash(hash)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// oracleFiles is git ls-tree -r of a commit, regular and executable files
// only.
func oracleFiles(tb testing.TB, dir string, commit Hash) []File {
	tb.Helper()
	out := git(tb, dir, "ls-tree", "-r", "-z", commit.String())
	var files []File
	for _, rec := range strings.Split(out, "\x00") {
		if rec == "" {
			continue
		}
		meta, path, _ := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if len(f) != 3 || !strings.HasPrefix(f[0], "100") {
			continue
		}
		h, err := ParseHash(f[2])
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, File{Path: path, Hash: h})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files
}

func openRepo(tb testing.TB, dir string) *Repo {
	tb.Helper()
	r, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := r.Close(); err != nil {
			tb.Error(err)
		}
	})
	return r
}

func formatChanges(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s %s -> %s\n", c.Path, shortOrZero(c.From), shortOrZero(c.To))
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

func shortOrZero(h Hash) string {
	if h.IsZero() {
		return "0"
	}
	return h.String()[:7]
}

func sameChanges(a, b []Change) bool {
	return slices.Equal(a, b) || (len(a) == 0 && len(b) == 0)
}
