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
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"text/template"

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

// locate returns the hooks directory and the common git directory, from one
// git rev-parse.
func locate(ctx context.Context, dir string) (hooks, common string, err error) {
	out, err := gitRevParse(ctx, dir, "--git-path", "hooks", "--git-common-dir")
	if err != nil {
		return "", "", err
	}
	if len(out) < 2 {
		return "", "", fmt.Errorf("find the hooks directory: git rev-parse said %q", strings.Join(out, "\n"))
	}
	hooks, common = out[0], out[1]
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
	if top, err := gitRevParse(ctx, dir, "--show-toplevel"); err == nil && within(hooks, top[0]) {
		return fmt.Sprintf("note: git runs hooks from %s (core.hooksPath), inside the working tree: git sees the hook files, so commit them for everyone or ignore them", hooks)
	}
	return fmt.Sprintf("note: git runs hooks from %s (core.hooksPath), outside this repository: every repository that uses that directory runs these hooks", hooks)
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// gitRevParse runs git rev-parse --path-format=absolute with args in dir
// and returns its output lines.
func gitRevParse(ctx context.Context, dir string, args ...string) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("git is not installed")
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"rev-parse", "--path-format=absolute"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "not a git repository") {
			return nil, cmdutil.Usagef("%s is not in a git repository", dir)
		}
		return nil, fmt.Errorf("find the hooks directory: git rev-parse: %v: %s", err, msg)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if lines[0] == "" {
		return nil, fmt.Errorf("find the hooks directory: git rev-parse said %q", out)
	}
	return lines, nil
}

func (o *Options) binary() (string, error) {
	if o.Binary != "" {
		if strings.ContainsRune(o.Binary, os.PathSeparator) && !filepath.IsAbs(o.Binary) {
			abs, err := filepath.Abs(filepath.Join(o.IO.Dir, o.Binary))
			if err != nil {
				return "", err
			}
			return abs, nil
		}
		return o.Binary, nil
	}
	// Symlinks are kept on purpose: a package manager's link (such as
	// /opt/homebrew/bin/port-gitops) survives upgrades, the versioned file
	// it points at does not.
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the port-gitops binary: %w", err)
	}
	return filepath.Abs(exe)
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

func isOurs(data []byte) bool {
	return bytes.Contains(data, []byte(Fingerprint))
}

// Install writes the hooks. It is idempotent and never loses a hook that was
// there before.
func Install(ctx context.Context, opts Options) error {
	dir, common, err := locate(ctx, opts.IO.Dir)
	if err != nil {
		return err
	}
	bin, err := opts.binary()
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
}

func planInstall(dir string, h hook, bin string) (plan, error) {
	p := plan{h: h, path: filepath.Join(dir, h.name)}
	p.prev = p.path + PreviousSuffix
	var err error
	if p.want, err = script(h, bin); err != nil {
		return p, err
	}
	cur, err := os.ReadFile(p.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Lstat(p.path); err == nil {
			// A dangling symlink: a hook all the same, kept like one.
			p.keep = true
		}
	case err != nil:
		return p, fmt.Errorf("read %s: %w", p.path, err)
	case isOurs(cur):
		p.current = bytes.Equal(cur, p.want)
	default:
		p.keep = true
	}
	if p.keep {
		if _, err := os.Lstat(p.prev); err == nil {
			return p, fmt.Errorf("cannot install the %s hook: %s is not port-gitops's and %s already exists; merge or remove one of them by hand (nothing was changed)", h.name, p.path, p.prev)
		}
	}
	return p, nil
}

func (p plan) apply(opts Options) error {
	if p.current {
		fmt.Fprintf(opts.IO.Out, "%s hook is already installed at %s\n", p.h.name, p.path)
		return nil
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
		fmt.Fprintf(opts.IO.Out, "kept the existing %s hook as %s; it runs first\n", p.h.name, p.prev)
	}
	if err := atomicfile.WriteFile(p.path, p.want, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	fmt.Fprintf(opts.IO.Out, "installed %s hook at %s (runs: port-gitops %s)\n", p.h.name, p.path, p.h.args)
	return nil
}

// Uninstall removes the hooks install wrote and puts back the hooks they
// replaced. A hook that is not port-gitops's is left alone.
func Uninstall(ctx context.Context, opts Options) error {
	dir, err := Dir(ctx, opts.IO.Dir)
	if err != nil {
		return err
	}
	for _, h := range []hook{preCommit, postMerge} {
		path := filepath.Join(dir, h.name)
		prev := path + PreviousSuffix
		cur, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if _, lerr := os.Lstat(path); lerr == nil {
				fmt.Fprintf(opts.IO.Out, "left %s alone: it is not a port-gitops hook\n", path)
				continue
			}
			// Ours was deleted by hand: the hook it had kept still goes back.
			if _, err := os.Lstat(prev); err == nil {
				if err := os.Rename(prev, path); err != nil {
					return fmt.Errorf("restore the previous %s hook: %w", h.name, err)
				}
				fmt.Fprintf(opts.IO.Out, "restored the previous %s hook\n", h.name)
			}
			continue
		case err != nil:
			return fmt.Errorf("read %s: %w", path, err)
		case !isOurs(cur):
			fmt.Fprintf(opts.IO.Out, "left %s alone: it is not a port-gitops hook\n", path)
			continue
		}
		if _, err := os.Lstat(prev); err == nil {
			// The previous hook takes our hook's place in one rename.
			if err := os.Rename(prev, path); err != nil {
				return fmt.Errorf("restore the previous %s hook: %w", h.name, err)
			}
			fmt.Fprintf(opts.IO.Out, "removed %s hook %s\n", h.name, path)
			fmt.Fprintf(opts.IO.Out, "restored the previous %s hook\n", h.name)
			continue
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		fmt.Fprintf(opts.IO.Out, "removed %s hook %s\n", h.name, path)
	}
	return nil
}
