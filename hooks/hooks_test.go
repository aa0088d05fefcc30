package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

func needGit(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"git", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// gitInit makes a repository in dir (created) and returns dir.
func gitInit(t *testing.T, dir string) string {
	t.Helper()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return dir
}

// stubBinary writes an executable that answers `version` like port-gitops
// and, run any other way (as the hook runs it), appends its arguments to
// the file log and fails, so that a commit it checks is refused.
func stubBinary(t *testing.T, log string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "port-gitops")
	body := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = version ]; then echo 'port-gitops stub'; exit 0; fi\necho \"$@\" >> %s\nexit 1\n", shellQuote(log))
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func testOptions(dir, bin string) (Options, *bytes.Buffer) {
	var out bytes.Buffer
	return Options{IO: &cmdutil.IO{Out: &out, Err: &out, Dir: dir}, Binary: bin}, &out
}

// The foreign hook is kept by a second name for the very same file, so git
// finds a hook at the path at every moment of the install: the old one
// until ours replaces it in one rename.
func TestInstallKeepsTheForeignHookItself(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := gitInit(t, t.TempDir())
	hook := filepath.Join(dir, ".git", "hooks", "pre-commit")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\nexit 0\n"), 0o750); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(hook)
	if err != nil {
		t.Fatal(err)
	}
	opts, out := testOptions(dir, stubBinary(t, filepath.Join(t.TempDir(), "log")))
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	kept, err := os.Stat(hook + PreviousSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, kept) || kept.Mode() != before.Mode() {
		t.Errorf("the kept hook is not the original file (mode %v, was %v)", kept.Mode(), before.Mode())
	}
	now, err := os.Stat(hook)
	if err != nil || os.SameFile(before, now) {
		t.Fatalf("our hook did not replace the foreign one at %s: %v", hook, err)
	}
}

// A repository whose path holds a newline, spaces, quotes or shell syntax
// gets its hook where git runs it, and git does run it: the commit reaches
// the recorded binary. Nothing is written beside the repository.
func TestInstallInAnOddlyNamedRepository(t *testing.T) {
	t.Parallel()
	needGit(t)
	for _, name := range []string{"a\nb", "trailing\n", "with space", `it's "quoted"`, "$(touch pwned)`touch pwned2`"} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			parent := t.TempDir()
			repo := gitInit(t, filepath.Join(parent, name))
			log := filepath.Join(t.TempDir(), "log")
			opts, out := testOptions(repo, stubBinary(t, log))
			if err := Install(context.Background(), opts); err != nil {
				t.Fatalf("install: %v\n%s", err, out)
			}
			hook := filepath.Join(repo, ".git", "hooks", "pre-commit")
			if data, err := os.ReadFile(hook); err != nil || !isOurs(data) {
				t.Fatalf("no port-gitops hook at %q (%v); install said:\n%s", hook, err, out)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Errorf("install wrote beside the repository: %v", ents)
			}
			if strings.Contains(out.String(), "note:") {
				t.Errorf("install printed a note for the usual hooks directory:\n%s", out)
			}
			if !strings.Contains(out.String(), fmt.Sprintf("%q", hook)) && !strings.Contains(out.String(), hook) {
				t.Errorf("install did not name %q:\n%s", hook, out)
			}
			commit := exec.Command("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x")
			commit.Dir = repo
			if msg, err := commit.CombinedOutput(); err == nil {
				t.Fatalf("the commit went through: git did not run the hook\n%s", msg)
			}
			if ran, _ := os.ReadFile(log); string(ran) != "validate --staged\n" {
				t.Errorf("the hook ran the binary with %q, want \"validate --staged\\n\"", ran)
			}
			for _, f := range []string{"pwned", "pwned2"} {
				if _, err := os.Stat(filepath.Join(repo, f)); err == nil {
					t.Errorf("the path's shell syntax was run: %s exists", f)
				}
			}
			out.Reset()
			if err := Uninstall(context.Background(), opts); err != nil {
				t.Fatalf("uninstall: %v\n%s", err, out)
			}
			if _, err := os.Lstat(hook); err == nil {
				t.Errorf("uninstall left %q:\n%s", hook, out)
			}
		})
	}
}

// hookFile is one file of a hooks directory.
type hookFile struct {
	data string
	mode os.FileMode
}

// snapshot reads every file of a hooks directory but git's samples.
func snapshot(t *testing.T, dir string) map[string]hookFile {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]hookFile{}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".sample") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		files[e.Name()] = hookFile{string(data), fi.Mode()}
	}
	return files
}

func names(files map[string]hookFile) []string {
	var ns []string
	for n := range files {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// A hooks directory whose name ends with a newline is refused: the hook's
// $(dirname "$0") would lose the newline and miss the hook it keeps.
func TestInstallRefusesAHooksDirEndingInANewline(t *testing.T) {
	t.Parallel()
	needGit(t)
	repo := gitInit(t, t.TempDir())
	if out, err := exec.Command("git", "-C", repo, "config", "core.hooksPath", "hooks\n").CombinedOutput(); err != nil {
		t.Fatalf("git config: %v: %s", err, out)
	}
	opts, out := testOptions(repo, stubBinary(t, filepath.Join(t.TempDir(), "log")))
	err := Install(context.Background(), opts)
	var u *cmdutil.UsageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), `hooks\n", whose name ends with a newline`) {
		t.Fatalf("install: %v, want a usage error about the newline\n%s", err, out)
	}
	if ents, _ := os.ReadDir(repo); len(ents) != 1 {
		t.Errorf("install wrote into the repository: %v", ents)
	}
}

// Every state our pre-commit hook can be found in by uninstall: intact,
// edited by someone, replaced by another tool's hook, deleted; each with and
// without a hook port-gitops kept. Uninstall takes away only what is ours,
// loses no byte of anyone else's, and leaves the way clear: install then
// succeeds, and a second uninstall comes back to the same files.
func TestUninstallEveryState(t *testing.T) {
	t.Parallel()
	needGit(t)
	const (
		before   = "#!/bin/sh\necho 'the hook from before' >&2\n"
		another  = "#!/bin/sh\n# another tool's hook, written over ours\nexit 0\n"
		appended = "echo 'a line someone appended' >&2\n"
	)
	for _, kept := range []bool{false, true} {
		for _, state := range []string{"intact", "edited", "replaced", "deleted"} {
			t.Run(fmt.Sprintf("%s/kept=%v", state, kept), func(t *testing.T) {
				repo := gitInit(t, t.TempDir())
				dir := filepath.Join(repo, ".git", "hooks")
				hook := filepath.Join(dir, "pre-commit")
				opts, out := testOptions(repo, stubBinary(t, filepath.Join(t.TempDir(), "log")))
				var users []string // every user's content that must survive
				if kept {
					if err := os.WriteFile(hook, []byte(before), 0o750); err != nil {
						t.Fatal(err)
					}
					users = append(users, before)
				}
				if err := Install(context.Background(), opts); err != nil {
					t.Fatalf("install: %v\n%s", err, out)
				}
				ours, err := os.ReadFile(hook)
				if err != nil {
					t.Fatal(err)
				}
				switch state {
				case "edited":
					edited := string(ours) + appended
					if err := os.WriteFile(hook, []byte(edited), 0o755); err != nil {
						t.Fatal(err)
					}
					users = append(users, edited)
				case "replaced":
					if err := os.WriteFile(hook, []byte(another), 0o755); err != nil {
						t.Fatal(err)
					}
					users = append(users, another)
				case "deleted":
					if err := os.Remove(hook); err != nil {
						t.Fatal(err)
					}
				}
				lost := func(step string, files map[string]hookFile) {
					t.Helper()
				next:
					for _, u := range users {
						for _, f := range files {
							if f.data == u {
								continue next
							}
						}
						t.Errorf("after %s, this content is nowhere in the hooks directory (files %v):\n%s\noutput:\n%s", step, names(files), u, out)
					}
				}

				out.Reset()
				if err := Uninstall(context.Background(), opts); err != nil {
					t.Fatalf("uninstall: %v\n%s", err, out)
				}
				first := snapshot(t, dir)
				lost("uninstall", first)
				if f, ok := first["pre-commit"]; ok && isOurs([]byte(f.data)) {
					t.Errorf("uninstall left our hook in place:\n%s", out)
				}
				if _, ok := first["pre-commit"+PreviousSuffix]; ok {
					t.Errorf("uninstall left pre-commit%s behind:\n%s", PreviousSuffix, out)
				}
				if state == "edited" && !strings.Contains(out.String(), "saved it as") {
					t.Errorf("uninstall did not say where the edited hook went:\n%s", out)
				}
				if kept && state != "replaced" && first["pre-commit"].data != before {
					t.Errorf("the hook from before is not back at pre-commit (files %v):\n%s", names(first), out)
				}
				if state == "replaced" && first["pre-commit"].data != another {
					t.Errorf("another tool's hook did not stay at pre-commit:\n%s", out)
				}

				out.Reset()
				if err := Install(context.Background(), opts); err != nil {
					t.Fatalf("install after uninstall: %v\n%s", err, out)
				}
				lost("install", snapshot(t, dir))
				out.Reset()
				if err := Uninstall(context.Background(), opts); err != nil {
					t.Fatalf("second uninstall: %v\n%s", err, out)
				}
				second := snapshot(t, dir)
				if fmt.Sprint(second) != fmt.Sprint(first) {
					t.Errorf("install and uninstall did not come back to the same files:\nfirst  %v\nsecond %v\n%s", names(first), names(second), out)
				}
			})
		}
	}
}

// Install over an edited hook of ours saves the edits before writing ours.
func TestInstallSavesAnEditedHook(t *testing.T) {
	t.Parallel()
	needGit(t)
	repo := gitInit(t, t.TempDir())
	hook := filepath.Join(repo, ".git", "hooks", "pre-commit")
	opts, out := testOptions(repo, stubBinary(t, filepath.Join(t.TempDir(), "log")))
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	ours, _ := os.ReadFile(hook)
	edited := strings.Replace(string(ours), "exec ", "echo mine >&2\nexec ", 1)
	if err := os.WriteFile(hook, []byte(edited), 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	if now, _ := os.ReadFile(hook); !bytes.Equal(now, ours) {
		t.Errorf("install did not put our hook back:\n%s", now)
	}
	if saved, err := os.ReadFile(hook + EditedSuffix); err != nil || string(saved) != edited {
		t.Errorf("the edited hook was not saved as %s (%v):\n%s", hook+EditedSuffix, err, out)
	}
	if !strings.Contains(out.String(), "saved it as "+hook+EditedSuffix) {
		t.Errorf("install did not say where the edited hook went:\n%s", out)
	}
	// A second edit and install never overwrite the first saved copy.
	if err := os.WriteFile(hook, []byte(edited+"# again\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	if saved, _ := os.ReadFile(hook + EditedSuffix + "-2"); string(saved) != edited+"# again\n" {
		t.Errorf("the second edit was not saved as %s-2:\n%s", EditedSuffix, out)
	}
	if saved, _ := os.ReadFile(hook + EditedSuffix); string(saved) != edited {
		t.Errorf("the first saved copy was overwritten")
	}
}

// Our own hook, written for another binary, is simply rewritten: it is not
// an edit.
func TestInstallRewritesOursForAnotherBinary(t *testing.T) {
	t.Parallel()
	needGit(t)
	repo := gitInit(t, t.TempDir())
	log := filepath.Join(t.TempDir(), "log")
	opts, out := testOptions(repo, stubBinary(t, log))
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	opts.Binary = stubBinary(t, log)
	out.Reset()
	if err := Install(context.Background(), opts); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	if strings.Contains(out.String(), "saved") {
		t.Errorf("our own hook was taken for an edited one:\n%s", out)
	}
	if data, _ := os.ReadFile(filepath.Join(repo, ".git", "hooks", "pre-commit")); !bytes.Contains(data, []byte(shellQuote(opts.Binary))) {
		t.Errorf("the hook does not record the new binary")
	}
}

func TestUninstallWithNothingInstalledSaysSo(t *testing.T) {
	t.Parallel()
	needGit(t)
	repo := gitInit(t, t.TempDir())
	opts, out := testOptions(repo, "")
	if err := Uninstall(context.Background(), opts); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	want := "no port-gitops hook is installed in " + filepath.Join(repo, ".git", "hooks") + ": nothing to uninstall\n"
	if out.String() != want {
		t.Errorf("uninstall said %q, want %q", out, want)
	}
}

// --binary must name a port-gitops that runs; anything else is a usage
// error before any hook is written.
func TestInstallChecksTheBinary(t *testing.T) {
	t.Parallel()
	needGit(t)
	defer func(d time.Duration) { binaryCheckTimeout = d }(binaryCheckTimeout)
	binaryCheckTimeout = 500 * time.Millisecond
	tmp := t.TempDir()
	script := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ bin, want string }{
		{filepath.Join(tmp, "nonexistent"), "no such file"},
		{tmp, "not a regular file"},
		{script("noexec", "#!/bin/sh\necho port-gitops x\n", 0o644), "not executable"},
		{script("other", "#!/bin/sh\necho 'git version 2.43.0'\n", 0o755), `is not port-gitops: '` + tmp + `/other version' printed "git version 2.43.0"`},
		{script("fails", "#!/bin/sh\necho broken >&2\nexit 3\n", 0o755), `version' failed: exit status 3: "broken"`},
		{script("hangs", "#!/bin/sh\nsleep 30\n", 0o755), "did not finish within 500ms"},
		{"no-such-port-gitops-on-path", "not found on PATH"},
	}
	for _, c := range cases {
		repo := gitInit(t, t.TempDir())
		opts, out := testOptions(repo, c.bin)
		start := time.Now()
		err := Install(context.Background(), opts)
		var u *cmdutil.UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--binary %s: error %v, want a usage error containing %q", c.bin, err, c.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("--binary %s: the check took %s", c.bin, d)
		}
		if _, err := os.Lstat(filepath.Join(repo, ".git", "hooks", "pre-commit")); err == nil {
			t.Errorf("--binary %s: a hook was written:\n%s", c.bin, out)
		}
	}
}
