// Package validate is the `port-gitops validate` command: it lints entity
// files against the blueprint schemas cached in the repository, offline.
//
// The command binds flags into Options; Run does the work and takes its
// streams from Options, so tests call it without a process.
package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/parallel"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
	"github.com/port-gitops/port-gitops/internal/walk"
)

// Options are the validate command's inputs.
type Options struct {
	IO         *cmdutil.IO
	ConfigPath string
	Blueprint  string // default blueprint for entities that name none
	Format     string // text, json, github, sarif
	Color      string // auto, always, never
	Staged     bool   // validate the git index instead of the working tree
	// All, with Staged and no Files, checks every entity file of the
	// index; without it only those the next commit adds or changes (and
	// the identifiers they define against every staged entity file).
	All     bool
	Files   []string
	Workers int
	Version string
	// Snippets shows the offending line with a caret under each text
	// finding; SnippetsAuto (no --snippets given) decides by whether stdout
	// is a terminal.
	Snippets, SnippetsAuto bool
	Quiet                  bool // only the findings, no summary
	// MaxWarnings fails the run when there are more warnings than it
	// points at; nil means no limit.
	MaxWarnings *int
	// AllowEmpty lets a run without FILEs find no entity file at all;
	// otherwise that is an error (no-entity-files).
	AllowEmpty bool
	// Now is the clock for the summary's time taken; nil means time.Now.
	Now func() time.Time
}

// NewCommand returns the validate command.
func NewCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := Options{IO: io, Version: version}
	var maxWarnings int
	return &cli.Command{
		Name:      "validate",
		Usage:     "check entity files against the cached blueprints, offline",
		ArgsUsage: "[FILE|DIR...]",
		Description: `Checks entity files (JSON, or YAML such as Port's port.yml: one entity or
an array of them) against the blueprint schemas in the blueprint cache:
syntax, duplicate keys, YAML 1.1 pitfalls,
identifiers, properties (types, enums, patterns, formats, required),
relations and teams. A property set to file://path is checked as the
content of that file (relative to the repository root, or with ./ and ../
to the entity file). A broken cached blueprint is a finding at its keyword
(exit 2). With no FILE, every entity file the configuration matches under
the repository root is checked.

Exit codes: 0 valid (warnings allowed), 1 errors found, 2 usage or
configuration error, 3 could not run.

Examples:
   port-gitops validate
   port-gitops validate services/payments/entity.json
   port-gitops validate --staged              # in a git pre-commit hook: what the commit changes
   port-gitops validate --staged --all        # every entity file of the index
   port-gitops validate --format github       # annotations in GitHub Actions`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (default: .port/gitops.yaml, looked up from the working directory)", Destination: &opts.ConfigPath},
			&cli.StringFlag{Name: "blueprint", Usage: "blueprint `ID` of entities that name none", Destination: &opts.Blueprint},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: " + strings.Join(report.Formats(), ", "), Destination: &opts.Format},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour `WHEN`: auto, always, never (auto honours NO_COLOR and CLICOLOR_FORCE)", Destination: &opts.Color},
			&cli.BoolFlag{Name: "staged", Usage: "validate what is staged in the git index, not the working tree: the entity files the next commit adds or changes", Destination: &opts.Staged},
			&cli.BoolFlag{Name: "all", Usage: "with --staged: every staged entity file, not only those the commit changes", Destination: &opts.All},
			&cli.IntFlag{Name: "workers", Usage: "files checked at once (default: number of CPUs)", Destination: &opts.Workers},
			&cli.BoolFlag{Name: "snippets", Usage: "show the offending line with a caret under each finding (default: on a terminal)", Destination: &opts.Snippets},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the findings, no summary", Destination: &opts.Quiet},
			&cli.BoolFlag{Name: "allow-empty", Usage: "succeed when the configuration matches no entity file at all (default: that is an error)", Destination: &opts.AllowEmpty},
			&cli.IntFlag{Name: "max-warnings", Usage: "fail (exit 1) when there are more than `N` warnings (default: no limit)", Destination: &maxWarnings},
		},
		Action: func(c *cli.Context) error {
			opts.SnippetsAuto = !c.IsSet("snippets")
			if c.IsSet("max-warnings") {
				if maxWarnings < 0 {
					return cmdutil.Usagef("--max-warnings takes a number of warnings, 0 or more")
				}
				opts.MaxWarnings = &maxWarnings
			}
			opts.Files = c.Args().Slice()
			return Run(c.Context, opts)
		},
	}
}

// Run validates and reports. It returns cmdutil.ErrFindings when errors were
// found and reported.
func Run(ctx context.Context, opts Options) error {
	err := run(ctx, opts)
	var reported *reportedError
	if err != nil && opts.Format == "json" && !errors.Is(err, cmdutil.ErrFindings) && !errors.As(err, &reported) && ctx.Err() == nil {
		// jq and friends read stdout: give them a document too. The message
		// also goes to stderr, from main.
		if rerr := report.RenderJSONError(opts.IO.Out, err.Error(), cmdutil.ExitCode(err)); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	return err
}

func run(ctx context.Context, opts Options) error {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	color, err := cmdutil.UseColor(opts.Color, opts.IO)
	if err != nil {
		return err
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	snippets := opts.Snippets
	if opts.SnippetsAuto {
		snippets = opts.IO.IsTerminal
	}
	snippets = snippets && opts.Format == "text"
	r, err := report.New(opts.Format, report.Options{
		Color:       color,
		DisplayPath: opts.IO.DisplayPath(cfg.Root),
		RepoPath:    repoPath(cfg.Root),
		Version:     opts.Version,
		Snippets:    snippets,
		Quiet:       opts.Quiet,
	})
	if err != nil {
		return cmdutil.Usage(err)
	}
	if opts.All && !opts.Staged {
		return cmdutil.Usagef("--all goes with --staged")
	}
	if opts.Workers < 0 {
		return cmdutil.Usagef("--workers must be positive")
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		var le *blueprint.LoadError
		if errors.As(err, &le) {
			return cmdutil.Usage(errors.New(displayError(opts.IO, err)))
		}
		return err
	}
	linter := &lint.Linter{Cache: cache, Workers: opts.Workers, Snippets: snippets, Tuning: cfg.Tuning}
	var res *lint.Result
	var used *ruleUse // the rules that matched a file, in a whole-tree run
	switch {
	case opts.Staged:
		st, err := stagedSources(cfg, opts)
		if st.repo != nil {
			defer st.repo.Close()
		}
		if err != nil {
			return err
		}
		linter.Refs = st.refs
		res, err = linter.Run(ctx, st.sources)
		if err == nil && st.same != nil {
			res, err = st.againstOthers(ctx, linter, res)
		}
	case len(opts.Files) == 0:
		if linter.Refs, err = worktreeRefs(cfg); err != nil {
			return err
		}
		// Each walker checks the files it finds as it finds them.
		workers := opts.Workers
		if workers == 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		used = newRuleUse(cfg)
		res, err = linter.RunParallel(ctx, func(check func(lint.Source)) error {
			return walk.Parallel(cfg, cfg.Root, workers, func(f *walk.File) {
				used.note(f.Rule, f.Rel)
				// check runs here, while f.Read may use the open directory.
				check(lint.Source{File: f.Rel, Blueprint: pick(opts.Blueprint, f.Blueprint), Format: f.Format, Load: f.Read})
			})
		})
	default:
		sources, serr := worktreeSources(cfg, opts)
		if serr != nil {
			return serr
		}
		if linter.Refs, err = worktreeRefs(cfg); err != nil {
			return err
		}
		res, err = linter.Run(ctx, sources)
	}
	if err != nil {
		return err
	}
	var broken error
	if len(res.BlueprintErrors) > 0 {
		// Each broken blueprint is a finding at its cache file; every
		// other file is still checked and reported; exit 2.
		bf, err := brokenBlueprintFindings(cfg, opts.IO, res.BlueprintErrors)
		if err != nil {
			return err
		}
		res.Findings = append(res.Findings, bf...)
		broken = &reportedError{cmdutil.Usagef("%d cached %s broken (reported above): fix %s, or run port-gitops blueprints pull; port-gitops blueprints check lists every problem",
			len(bf), plural(len(bf), "blueprint is", "blueprints are"), plural(len(bf), "it", "them"))}
	}
	if used != nil {
		res.Findings = append(res.Findings, used.findings(cfg, res.Files, opts.AllowEmpty)...)
	}
	if len(res.BlueprintErrors) > 0 || used != nil {
		report.Sort(res.Findings) // the findings added above among the rest
	}
	errs, warns := report.Count(res.Findings)
	sum := report.Summary{Files: res.Files, Entities: len(res.Entities), Errors: errs, Warnings: warns, Duration: now().Sub(start)}
	if err := r.Render(opts.IO.Out, res.Findings, sum); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := unreadable(res.Findings); err != nil {
		return err
	}
	if broken != nil {
		return broken
	}
	if errs > 0 {
		return cmdutil.ErrFindings
	}
	if opts.MaxWarnings != nil && warns > *opts.MaxWarnings {
		fmt.Fprintf(opts.IO.Err, "port-gitops: %d warnings, more than --max-warnings %d\n", warns, *opts.MaxWarnings)
		return cmdutil.ErrFindings
	}
	return nil
}

func displayError(o *cmdutil.IO, err error) string {
	var le *blueprint.LoadError
	if errors.As(err, &le) {
		c := *le
		c.File = o.Rel(le.File)
		return c.Error()
	}
	return err.Error()
}

// isEntityFile reports whether rel is an entity file, its default
// blueprint and its rule's format (entity.FormatAuto: by its name).
func isEntityFile(cfg *config.Config, rel string, named bool) (bool, string, entity.Format) {
	if r := cfg.Match(rel); r != nil {
		return true, r.Blueprint, r.Format
	}
	// A file named on the command line is checked when it is called
	// entity.json or port.yml even if no rule matches it (but never one in
	// the configuration directory or the blueprint cache).
	base := filepath.Base(filepath.FromSlash(rel))
	return named && (base == "entity.json" || base == "port.yml") && !cfg.Reserved(rel) && !cfg.Tuning.Ignored(rel), "", entity.FormatAuto
}

// worktreeSources lists the named files and the entity files of the named
// directories. Only what lies inside the repository root is read: a name
// outside it is a usage error, and a link inside it that leads outside is
// a finding of its own (its Load says so), never followed.
func worktreeSources(cfg *config.Config, opts Options) ([]lint.Source, error) {
	root, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return nil, err
	}
	var sources []lint.Source
	add := func(abs, rel, bp string, format entity.Format) {
		sources = append(sources, lint.Source{File: rel, Blueprint: pick(opts.Blueprint, bp), Format: format,
			Load: func() ([]byte, error) { return root.ReadFile(abs, safefile.MaxEntityFile) }})
	}
	for _, arg := range opts.Files {
		abs := arg
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(opts.IO.Dir, arg)
		}
		if _, err := os.Lstat(abs); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, cmdutil.Usagef("%s: no such file or directory", arg)
			}
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		rel, err := cfg.Rel(abs)
		if err != nil {
			return nil, cmdutil.Usagef("%s is outside the repository root %s: port-gitops reads only files inside it", arg, opts.IO.Rel(cfg.Root))
		}
		// A directory (or a link to one inside the repository) is walked; a
		// link that leads outside is left to Load, which reports it.
		resolved, isDir, serr := root.Stat(abs)
		if serr == nil && isDir {
			if err := walk.Walk(cfg, abs, func(f *walk.File) { add(f.Abs, f.Rel, f.Blueprint, f.Format) }); err != nil {
				return nil, err
			}
			continue
		}
		if ok, bp, format := isEntityFile(cfg, rel, true); ok {
			// Resolved once, here; Load opens what it resolved to.
			sources = append(sources, lint.Source{File: rel, Blueprint: pick(opts.Blueprint, bp), Format: format,
				Load: func() ([]byte, error) {
					if serr != nil {
						return nil, serr
					}
					return root.ReadResolved(abs, resolved, safefile.MaxEntityFile)
				}})
		}
	}
	return dedupe(sources), nil
}

// pick returns the --blueprint flag's blueprint when given, else the rule's.
func pick(flagBP, ruleBP string) string {
	if flagBP != "" {
		return flagBP
	}
	return ruleBP
}

func dedupe(sources []lint.Source) []lint.Source {
	seen := map[string]bool{}
	out := sources[:0]
	for _, s := range sources {
		if !seen[s.File] {
			seen[s.File] = true
			out = append(out, s)
		}
	}
	return out
}

// staged is what validate --staged checks: the sources to report on and,
// when only the commit's changes are checked, the other staged entity
// files, whose identities count for the duplicate-entity check.
type staged struct {
	repo    *gitdiff.Repo
	sources []lint.Source
	// before are the HEAD versions of the changed files that HEAD has;
	// same lists the staged entity files the commit leaves unchanged.
	before  []lint.Source
	same    func() ([]lint.Source, error)
	workers int
	// refs reads file:// targets as staged.
	refs lint.RefReader
}

// stagedSources lists the entity files staged in the git index and reads
// their staged content, not the working tree's. Without FILEs and --all,
// only the files the next commit adds or changes (index against HEAD) are
// sources; their HEAD versions are kept in before, the others in same.
func stagedSources(cfg *config.Config, opts Options) (staged, error) {
	repo, err := gitdiff.Open(cfg.Root)
	if err != nil {
		return staged{}, cmdutil.Usage(fmt.Errorf("--staged: %w", err))
	}
	st := staged{repo: repo, workers: opts.Workers}
	top := repo.Root()
	// The index holds paths relative to the git work tree; the config's
	// root may be a subdirectory of it.
	prefix := ""
	if rel, err := filepath.Rel(top, cfg.Root); err == nil && rel != "." {
		prefix = filepath.ToSlash(rel) + "/"
	}
	st.refs = stagedRefs(repo, prefix, opts.IO.Env("GIT_INDEX_FILE"))
	var only map[string]bool
	if len(opts.Files) > 0 {
		only = map[string]bool{}
		for _, f := range opts.Files {
			abs := f
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(opts.IO.Dir, f)
			}
			if rel, err := cfg.Rel(abs); err == nil {
				only[rel] = true
			}
		}
	}
	match := func(p string) bool {
		if !strings.HasPrefix(p, prefix) {
			return false
		}
		rel := strings.TrimPrefix(p, prefix)
		if only != nil && !only[rel] {
			return false
		}
		ok, _, _ := isEntityFile(cfg, rel, only != nil)
		return ok
	}
	// git commit -a and git commit <paths> run the hook with a temporary
	// index in GIT_INDEX_FILE: that is what will be committed.
	idx := opts.IO.Env("GIT_INDEX_FILE")
	var (
		files     []gitdiff.File
		changes   []gitdiff.Change
		unchanged func() ([]gitdiff.File, error)
	)
	if only != nil || opts.All {
		files, err = repo.StagedIn(idx, match)
	} else {
		changes, unchanged, err = repo.StagedChanges(idx, match)
	}
	if err != nil {
		return st, fmt.Errorf("read git index: %w", err)
	}
	var before []gitdiff.File
	for _, c := range changes {
		files = append(files, gitdiff.File{Path: c.Path, Hash: c.To})
		if !c.From.IsZero() {
			before = append(before, gitdiff.File{Path: c.Path, Hash: c.From})
		}
	}
	toSources := func(files []gitdiff.File) []lint.Source {
		sources := make([]lint.Source, 0, len(files))
		for _, f := range files {
			rel := strings.TrimPrefix(f.Path, prefix)
			_, bp, format := isEntityFile(cfg, rel, true)
			if bp == "" || opts.Blueprint != "" {
				bp = opts.Blueprint
			}
			h := f.Hash
			sources = append(sources, lint.Source{File: rel, Blueprint: bp, Format: format, Load: func() ([]byte, error) { return repo.ReadBlobMax(h, safefile.MaxEntityFile) }})
		}
		return sources
	}
	st.sources, st.before = toSources(files), toSources(before)
	if unchanged != nil {
		st.same = func() ([]lint.Source, error) {
			files, err := unchanged()
			if err != nil {
				return nil, fmt.Errorf("read git index: %w", err)
			}
			return toSources(files), nil
		}
	}
	return st, nil
}

// againstOthers adds to res, the result for the changed files, the
// duplicate-entity findings between the entities the commit defines anew
// (those the changed files did not define at HEAD) and the staged files
// the commit leaves unchanged. An entity a changed file already defined
// at HEAD was checked against the others when it was committed: a
// duplicate of it is no news of this commit (--all reports it). An
// unchanged file is read, and linted with the changed ones, only when it
// may define one of the new identifiers (mayDefine); of that run only
// findings in changed files are kept, so errors already committed never
// block a commit.
func (st staged) againstOthers(ctx context.Context, linter *lint.Linter, res *lint.Result) (*lint.Result, error) {
	type key struct{ bp, id string }
	old := map[key]bool{}
	// Of the HEAD versions only the identities count: they are parsed,
	// not checked (as lint names them: the entity's blueprint, else its
	// file's; none from a file that does not parse).
	for _, src := range st.before {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := src.Load()
		if err != nil {
			continue // unreadable at HEAD: it defined nothing known
		}
		root, _, err := entity.ParseAs(nil, entity.FormatOf(src.Format, src.File), data)
		if err != nil {
			continue
		}
		ents, _ := entity.Extract(root)
		for _, e := range ents {
			bp := e.Blueprint
			if bp == "" {
				bp = src.Blueprint
			}
			old[key{bp, e.Identifier}] = true
		}
	}
	ids := map[string]bool{}
	plain := true // every identifier is made of idByte bytes only
	for _, e := range res.Entities {
		if e.Identifier != "" && !old[key{e.Blueprint, e.Identifier}] {
			ids[e.Identifier] = true
			plain = plain && strings.IndexFunc(e.Identifier, func(r rune) bool { return r < utf8.RuneSelf && !idByte(byte(r)) }) < 0
		}
	}
	if len(ids) == 0 {
		return res, nil
	}
	same, err := st.same()
	if err != nil {
		return nil, err
	}
	workers := st.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	keep := make([]bool, len(same))
	data := make([][]byte, len(same))
	parallel.For(len(same), workers, func(i int) {
		if ctx.Err() != nil {
			return
		}
		b, err := same[i].Load()
		// An unreadable file defines nothing that can be known; it is not
		// this commit's to report.
		if err == nil && (!plain || mayDefine(b, ids)) {
			keep[i], data[i] = true, b
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	changed := make(map[string]bool, len(st.sources))
	all := slices.Clone(st.sources)
	for _, s := range st.sources {
		changed[s.File] = true
	}
	for i, s := range same {
		if keep[i] {
			b := data[i]
			all = append(all, lint.Source{File: s.File, Blueprint: s.Blueprint, Load: func() ([]byte, error) { return b, nil }})
		}
	}
	if len(all) == len(st.sources) {
		return res, nil
	}
	both, err := linter.Run(ctx, all)
	if err != nil {
		return nil, err
	}
	out := &lint.Result{Files: res.Files, Entities: res.Entities, BlueprintErrors: res.BlueprintErrors}
	for _, f := range both.Findings {
		if changed[f.File] {
			out.Findings = append(out.Findings, f)
		}
	}
	return out, nil
}

// idByte reports whether c may be part of a Port identifier: letters,
// digits and @ _ . + : \ / = -, or any byte of a multi-byte UTF-8 rune.
func idByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= utf8.RuneSelf:
		return true
	}
	return strings.IndexByte("@_.+:\\/=-", c) >= 0
}

// mayDefine reports whether an entity file may define one of ids, which
// are made of idByte bytes only. In JSON (and YAML) a string value appears
// as it is in the file, bounded by bytes that cannot be part of it (quotes,
// spaces, newlines, commas, brackets), unless it is written with escapes,
// which all start with a backslash. So a file without a backslash defines
// an identifier of ids only if one of its maximal runs of idByte bytes is
// that identifier; a file with one is always read.
func mayDefine(data []byte, ids map[string]bool) bool {
	if bytes.IndexByte(data, '\\') >= 0 {
		return true
	}
	for i := 0; i < len(data); {
		if !idByte(data[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(data) && idByte(data[j]) {
			j++
		}
		if ids[string(data[i:j])] {
			return true
		}
		i = j
	}
	return false
}

// repoPath returns a function that shows a root-relative path relative to
// the git repository's top level (the config root may be a subdirectory of
// a monorepo), for GitHub annotations.
func repoPath(root string) func(string) string {
	top := config.GitRoot(root)
	rel, err := filepath.Rel(top, root)
	if top == "" || err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil
	}
	prefix := filepath.ToSlash(rel) + "/"
	return func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return prefix + p
	}
}

// unreadable is the error of a run some of whose entity files could not be
// read (permission, I/O: rule "file"): their findings are reported with the
// rest, and the run exits 3, "could not run", like an unreadable
// configuration or blueprint cache, since what they hold was not checked.
func unreadable(findings []report.Finding) error {
	n := 0
	for _, f := range findings {
		if f.Rule == "file" {
			n++
		}
	}
	switch n {
	case 0:
		return nil
	case 1:
		return errors.New("1 entity file could not be read, so it was not checked (see the finding above)")
	}
	return fmt.Errorf("%d entity files could not be read, so they were not checked (see the findings above)", n)
}
