// Package hooks is the `port-gitops hooks` command: it installs and removes
// native git hooks that run port-gitops (validate before a commit, sync after
// a merge).
//
// A hook that was there before is never lost: it is kept beside ours, runs
// first, and comes back byte for byte on uninstall. Hooks carry a fingerprint
// line, so install recognises its own and is idempotent.
package hooks

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// Fingerprint is the line that marks a hook as port-gitops's own.
const Fingerprint = "# port-gitops hook v1: installed by `port-gitops hooks install` (keep this line)"

// PreviousSuffix names the file a foreign hook is kept in while ours is installed.
const PreviousSuffix = ".port-gitops-previous"

//go:embed templates/hook.sh.tmpl
var templates embed.FS

// hookTemplate is parsed on first use, not at start: most runs of the
// binary never install a hook.
var hookTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(templates, "templates/hook.sh.tmpl"))
})

// hook is one git hook port-gitops can install.
type hook struct {
	name     string
	args     string
	blocking bool // a failure to run port-gitops stops the git command
}

var (
	preCommit = hook{name: "pre-commit", args: "validate --staged", blocking: true}
	postMerge = hook{name: "post-merge", args: "sync --post-merge"}
)

// Options are the hooks commands' inputs.
type Options struct {
	IO *cmdutil.IO
	// PostMerge also installs the post-merge hook.
	PostMerge bool
	// Binary is the port-gitops the hooks run: an absolute path (the hook
	// falls back to PATH when it has gone) or a name looked up on PATH.
	// Empty means this executable.
	Binary string
}

// NewCommand returns the hooks command.
func NewCommand(io *cmdutil.IO) *cli.Command {
	opts := Options{IO: io}
	return &cli.Command{
		Name:  "hooks",
		Usage: "install or remove native git hooks",
		Description: `Examples:
   port-gitops hooks install
   port-gitops hooks install --post-merge
   port-gitops hooks uninstall`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "install a pre-commit hook that validates staged entity files",
				Description: `Writes .git/hooks/pre-commit (or under core.hooksPath) to run
'port-gitops validate --staged'; with --post-merge also a post-merge hook
that runs 'port-gitops sync --post-merge'. An existing hook is kept and runs
first. Running install again changes nothing.

Examples:
   port-gitops hooks install
   port-gitops hooks install --post-merge`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "post-merge", Usage: "also run sync after merges (skipped without Port credentials)", Destination: &opts.PostMerge},
					&cli.StringFlag{Name: "binary", Usage: "the port-gitops `PATH` the hooks run (default: this one)", Destination: &opts.Binary},
				},
				Action: func(c *cli.Context) error { return Install(c.Context, opts) },
			},
			{
				Name:        "uninstall",
				Usage:       "remove the hooks port-gitops installed, restoring any hook they replaced",
				Description: "Example:\n   port-gitops hooks uninstall",
				Action:      func(c *cli.Context) error { return Uninstall(c.Context, opts) },
			},
		},
	}
}

// Dir returns the directory git runs hooks from for the repository that
// contains dir: core.hooksPath when set, else the common git directory's
// hooks (shared by linked worktrees). It asks git itself, which knows every
// layout (.git files, worktrees, relative hooksPath).
func Dir(ctx context.Context, dir string) (string, error) {
	hooks, _, err := locate(ctx, dir)
	return hooks, err
}

// locate returns the hooks directory and the common git directory. git
// rev-parse ends each value with a newline and has no NUL-separated output,
// so two values read from one call can only be told apart when neither holds
// a newline: exactly two newlines prove that. Otherwise (a repository path
// with a newline in it) each value is asked for alone, which is exact.
func locate(ctx context.Context, dir string) (hooks, common string, err error) {
	out, err := gitRevParse(ctx, dir, "--git-path", "hooks", "--git-common-dir")
	if err != nil {
		return "", "", err
	}
	if strings.Count(out, "\n") == 2 {
		hooks, common, _ = strings.Cut(strings.TrimSuffix(out, "\n"), "\n")
	} else {
		if hooks, err = gitRevParseOne(ctx, dir, "--git-path", "hooks"); err != nil {
			return "", "", err
		}
		if common, err = gitRevParseOne(ctx, dir, "--git-common-dir"); err != nil {
			return "", "", err
		}
	}
	if hooks == "" || common == "" {
		return "", "", fmt.Errorf("find the hooks directory: git rev-parse said %q", out)
	}
	if !filepath.IsAbs(hooks) {
		hooks = filepath.Join(dir, hooks)
	}
	return hooks, common, nil
}

// hooksPathNote says what is unusual about a hooks directory that
// core.hooksPath puts outside the common git directory: inside the working
// tree the hooks are files git sees; elsewhere other repositories may share
// them. It is "" for the usual place.
func hooksPathNote(ctx context.Context, dir, hooks, common string) string {
	if within(hooks, common) {
		return ""
	}
	if top, err := gitRevParseOne(ctx, dir, "--show-toplevel"); err == nil && within(hooks, top) {
		return fmt.Sprintf("note: git runs hooks from %s (core.hooksPath), inside the working tree: git sees the hook files, so commit them for everyone or ignore them", show(hooks))
	}
	return fmt.Sprintf("note: git runs hooks from %s (core.hooksPath), outside this repository: every repository that uses that directory runs these hooks", show(hooks))
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// show prints a path as it is, or quoted when it holds a control character
// (a newline in a path would otherwise read as two lines of output).
func show(path string) string {
	if strings.IndexFunc(path, unicode.IsControl) >= 0 {
		return strconv.Quote(path)
	}
	return path
}

// gitRevParseOne asks git rev-parse for one value and returns it exactly:
// only the newline git ends it with is taken off.
func gitRevParseOne(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := gitRevParse(ctx, dir, args...)
	if err != nil {
		return "", err
	}
	v, ok := strings.CutSuffix(out, "\n")
	if !ok || v == "" {
		return "", fmt.Errorf("find the hooks directory: git rev-parse said %q", out)
	}
	return v, nil
}

// gitRevParse runs git rev-parse --path-format=absolute with args in dir
// and returns its output as git wrote it.
func gitRevParse(ctx context.Context, dir string, args ...string) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", errors.New("git is not installed")
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"rev-parse", "--path-format=absolute"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "not a git repository") {
			return "", cmdutil.Usagef("%s is not in a git repository", show(dir))
		}
		return "", fmt.Errorf("find the hooks directory: git rev-parse: %v: %s", err, msg)
	}
	return string(out), nil
}

// script renders a hook.
func script(h hook, binary string) ([]byte, error) {
	var b bytes.Buffer
	err := hookTemplate().Execute(&b, map[string]any{
		"Fingerprint":    Fingerprint,
		"Name":           h.name,
		"Args":           h.args,
		"PreviousSuffix": PreviousSuffix,
		"Binary":         shellQuote(binary),
		"Blocking":       h.blocking,
	})
	return b.Bytes(), err
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellUnquote reads back, from the start of s, a word shellQuote wrote, and
// returns it and what follows it.
func shellUnquote(s string) (word, rest string, ok bool) {
	var b strings.Builder
	for {
		if !strings.HasPrefix(s, "'") {
			return "", "", false
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", "", false
		}
		b.WriteString(s[1 : 1+end])
		s = s[2+end:]
		if !strings.HasPrefix(s, `\''`) {
			return b.String(), s, true
		}
		b.WriteByte('\'')
		s = s[2:]
	}
}

func isOurs(data []byte) bool {
	return bytes.Contains(data, []byte(Fingerprint))
}

// found is what is at a hook's path.
type found int

const (
	absent     found = iota
	oursIntact       // our hook, byte for byte as install wrote it
	oursEdited       // our fingerprint, but changed since install wrote it
	foreign          // anything else: another tool's hook, a symlink that leads nowhere, ...
)

// maxHookSize bounds what is read of a hook: ours is under 2 KiB, and a
// hooks directory in the working tree (core.hooksPath) is repository content
// that may hold a link to /dev/zero.
const maxHookSize = 1 << 20

// inspect says what is at path, the place of hook h. Only a regular file of
// reasonable size is read; anything else is foreign.
func inspect(path string, h hook) (found, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Lstat(path); err == nil {
			return foreign, nil // a dangling symlink: a hook all the same
		}
		return absent, nil
	case err != nil:
		return 0, fmt.Errorf("read %s: %w", show(path), err)
	case fi.IsDir():
		return 0, fmt.Errorf("%s is a directory, not a hook; move it away first", show(path))
	case !fi.Mode().IsRegular() || fi.Size() > maxHookSize:
		return foreign, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", show(path), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHookSize+1))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", show(path), err)
	}
	if !isOurs(data) {
		return foreign, nil
	}
	// Ours is intact when rendering it again, with the binary it records,
	// gives the same bytes.
	if i := bytes.Index(data, []byte("\nrecorded=")); i >= 0 {
		bin, _, ok := shellUnquote(string(data[i+len("\nrecorded="):]))
		if want, err := script(h, bin); ok && err == nil && bytes.Equal(data, want) {
			return oursIntact, nil
		}
	}
	return oursEdited, nil
}

// exists reports whether anything, a dangling symlink too, is at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// EditedSuffix names the file an edited port-gitops hook is saved in when
// install or uninstall takes it away; SavedSuffix, the file a kept hook is
// saved in when another tool's hook has taken the place of ours. git runs
// neither.
const (
	EditedSuffix = ".port-gitops-edited"
	SavedSuffix  = ".port-gitops-saved"
)

// saveAside gives src a new name, base or base-2, base-3, ... (the first
// that is free: nothing is ever overwritten), and returns it. src keeps its
// name too when a hard link is possible, so that the caller can replace it
// in one rename; else it is moved.
func saveAside(src, base string) (string, error) {
	for i := 1; i <= 100; i++ {
		dst := base
		if i > 1 {
			dst = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Link(src, dst)
		if err == nil {
			return dst, nil
		}
		if exists(dst) {
			continue
		}
		if err := os.Rename(src, dst); err != nil {
			return "", fmt.Errorf("save %s as %s: %w", show(src), show(dst), err)
		}
		return dst, nil
	}
	return "", fmt.Errorf("save %s: %s and 99 more names like it are taken; clear some away", show(src), show(base))
}

// Install writes the hooks. It is idempotent and never loses a hook that was
// there before.
func Install(ctx context.Context, opts Options) error {
	dir, common, err := locate(ctx, opts.IO.Dir)
	if err != nil {
		return err
	}
	if strings.HasSuffix(dir, "\n") {
		// The hook finds the hook it keeps by $(dirname "$0"), and the
		// shell drops a trailing newline there.
		return cmdutil.Usagef("git runs hooks from %s, whose name ends with a newline: the hook could not find what it keeps there; set core.hooksPath to another directory", show(dir))
	}
	bin, err := opts.binary(ctx)
	if err != nil {
		return err
	}
	todo := []hook{preCommit}
	if opts.PostMerge {
		todo = append(todo, postMerge)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create hooks directory: %w", err)
	}
	if note := hooksPathNote(ctx, opts.IO.Dir, dir, common); note != "" {
		fmt.Fprintln(opts.IO.Out, note)
	}
	// Look at every hook before touching any, so that a conflict on the
	// second does not leave the first installed.
	plans := make([]plan, len(todo))
	for i, h := range todo {
		if plans[i], err = planInstall(dir, h, bin); err != nil {
			return err
		}
	}
	for _, p := range plans {
		if err := p.apply(opts); err != nil {
			return err
		}
	}
	return nil
}

// plan is what installing one hook takes.
type plan struct {
	h          hook
	path, prev string
	want       []byte
	current    bool // our hook, exactly as it would be written, is there
	keep       bool // a foreign hook is there, to keep as prev
	edited     bool // our hook, changed by someone, is there: saved before ours replaces it
}

func planInstall(dir string, h hook, bin string) (plan, error) {
	p := plan{h: h, path: filepath.Join(dir, h.name)}
	p.prev = p.path + PreviousSuffix
	var err error
	if p.want, err = script(h, bin); err != nil {
		return p, err
	}
	st, err := inspect(p.path, h)
	if err != nil {
		return p, err
	}
	switch st {
	case oursIntact:
		cur, err := os.ReadFile(p.path)
		if err != nil {
			return p, fmt.Errorf("read %s: %w", show(p.path), err)
		}
		p.current = bytes.Equal(cur, p.want)
	case oursEdited:
		p.edited = true
	case foreign:
		p.keep = true
		if exists(p.prev) {
			return p, fmt.Errorf("cannot install the %s hook: %s is not port-gitops's and %s already exists; 'port-gitops hooks uninstall' sets the older one aside, or merge or remove one of them by hand (nothing was changed)", h.name, show(p.path), show(p.prev))
		}
	}
	return p, nil
}

func (p plan) apply(opts Options) error {
	if p.current {
		fmt.Fprintf(opts.IO.Out, "%s hook is already installed at %s\n", p.h.name, show(p.path))
		return nil
	}
	if p.edited {
		saved, err := saveAside(p.path, p.path+EditedSuffix)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "%s had changes port-gitops did not make: saved it as %s (git does not run it)\n", show(p.path), show(saved))
	}
	if p.keep {
		// A second name for the foreign hook, then ours replaces the first
		// in one rename: git always finds a hook at the path. Where hard
		// links are not possible, the hook is moved aside instead.
		if err := os.Link(p.path, p.prev); err != nil {
			if err := os.Rename(p.path, p.prev); err != nil {
				return fmt.Errorf("keep the existing %s hook: %w", p.h.name, err)
			}
		}
		fmt.Fprintf(opts.IO.Out, "kept the existing %s hook as %s; it runs first\n", p.h.name, show(p.prev))
	}
	if err := atomicfile.WriteFile(p.path, p.want, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", show(p.path), err)
	}
	fmt.Fprintf(opts.IO.Out, "installed %s hook at %s (runs: port-gitops %s)\n", p.h.name, show(p.path), p.h.args)
	return nil
}
